// What people see of a schedule (the contract's Schedule, Preview): its upcoming runs from now with the skipped
// and excluded ones marked, the next run that will happen, its last run, and the VMs its targets name now with
// what a run would free or need. Pure: the routes pass the moment, the timing, the fleet and the last run.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { scheduleCapacity } from '@powerdeck/contracts/schedule-capacity';
import { NEXT_RUNS_SHOWN, type ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import type { Capacity, Schedule, Targets, UpcomingRun } from '@powerdeck/contracts/schedules';
import type { ScheduleRecord, ScheduleRunRecord } from '../stores/types';
import { resolveTargets, type TargetFleet } from './targets';
import type { CompiledTiming } from './timing';

/** How far `next` looks past skipped and excluded runs. */
const NEXT_SEARCH = 1000;

/** The next NEXT_RUNS_SHOWN runs after `now`, skipped (by someone) and excluded ones marked. */
export function upcomingRuns(
  timing: CompiledTiming | null,
  skips: readonly { at: string }[],
  now: number,
): UpcomingRun[] {
  if (!timing) return [];
  const skipped = new Set(skips.map((k) => Date.parse(k.at)));
  return timing.upcoming(now, NEXT_RUNS_SHOWN).map(({ at, excluded }) => ({
    at: new Date(at).toISOString(),
    skipped: skipped.has(at),
    excluded,
  }));
}

/** The next run that will happen (enabled, not paused, not skipped or excluded), as epoch ms; null when none. */
export function nextRun(s: ScheduleRecord, timing: CompiledTiming | null, now: number): number | null {
  if (!timing || !s.enabled || s.paused !== null) return null;
  const skipped = new Set(s.skips.map((k) => Date.parse(k.at)));
  let from = now;
  for (let i = 0; i < NEXT_SEARCH; i += 1) {
    const at = timing.next(from);
    if (at === null) return null;
    if (!skipped.has(at) && !timing.excluded(at)) return at;
    from = at;
  }
  return null;
}

/** The VMs the targets name in the fleet now, and what a run would free or need. */
export function targetsNow(
  action: ScheduleAction,
  targets: Targets,
  fleet: TargetFleet & { nodes: FleetSnapshot['nodes'] },
): { vms: number[]; capacity: Capacity } {
  const named = resolveTargets(targets, fleet);
  return { vms: named.map((vm) => vm.key), capacity: scheduleCapacity(action, named, fleet.nodes) };
}

export function scheduleView(
  s: ScheduleRecord,
  timing: CompiledTiming | null,
  now: number,
  lastRun: ScheduleRunRecord | null,
  fleet: TargetFleet & { nodes: FleetSnapshot['nodes'] },
): Schedule {
  const next = nextRun(s, timing, now);
  return {
    id: s.id,
    name: s.name,
    enabled: s.enabled,
    action: s.action,
    forceAfterS: s.forceAfterS,
    targets: s.targets,
    when: s.when,
    timeZone: s.timeZone,
    graceMinutes: s.graceMinutes,
    exclusions: s.exclusions,
    owner: s.owner,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    paused: s.paused,
    skips: s.skips,
    upcoming: upcomingRuns(timing, s.skips, now),
    next: next === null ? null : new Date(next).toISOString(),
    lastRun,
    capacity: targetsNow(s.action, s.targets, fleet).capacity,
  };
}
