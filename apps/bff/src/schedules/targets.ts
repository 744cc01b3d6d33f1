// Which VMs a schedule acts on, from the fleet snapshot at the moment asked (a run's start, a page's view): chosen
// VMs still in the fleet, the VMs a saved filter matches (the fleet filter language of ./fleet-filter), or a power
// plan's VMs (each tier's, each VM once); and, for the VM cards, each VM's next scheduled action. Pure.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { isEmptyFilter, matchesFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { assignTiers } from '@powerdeck/contracts/plan-dry-run';
import type { ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import type { NextAction, Targets } from '@powerdeck/contracts/schedules';

/** Targets that name VMs themselves (a schedule's chosen VMs or filter; a plan tier's): not a plan. */
export type VmTargets = Exclude<Targets, { kind: 'plan' }>;

/** The fleet as targets are resolved against: its VMs, and the same VMs by key (one index per snapshot). */
export interface TargetFleet {
  vms: readonly FleetVm[];
  byKey: ReadonlyMap<number, FleetVm>;
  /** Plans by id, for plan targets (absent, or a plan not in it: a plan target names no VM). */
  plans?: ReadonlyMap<string, { tiers: readonly { targets: VmTargets }[] }>;
}

/**
 * The VMs the targets name now: chosen VMs present in the fleet (in the order chosen), the fleet's VMs the filter
 * matches (in fleet order), or a plan's: each tier's so, each VM once (in the first tier naming it, plan order). A
 * filter that restricts nothing (only unknown statuses) matches none: a schedule never acts on the whole fleet by
 * accident.
 */
export function resolveTargets(targets: Targets, fleet: TargetFleet): FleetVm[] {
  if (targets.kind === 'plan') {
    const plan = fleet.plans?.get(targets.plan);
    if (!plan) return [];
    const tiers = plan.tiers.map((t) => resolveTargets(t.targets, fleet).map((vm) => vm.key));
    return assignTiers(tiers).vms.map((key) => fleet.byKey.get(key)!);
  }
  if (targets.kind === 'vms') {
    return targets.vms.flatMap((key) => {
      const vm = fleet.byKey.get(key);
      return vm ? [vm] : [];
    });
  }
  const filter = parseFilter(targets.filter);
  if (isEmptyFilter(filter)) return [];
  return fleet.vms.filter((vm) => matchesFilter(vm, filter));
}

export interface ScheduledItem {
  id: string;
  name: string;
  action: ScheduleAction;
  /** Its next run that will happen (epoch ms), or null. */
  next: number | null;
  /** The VMs it names now. */
  vmKeys: readonly number[];
}

/** For each VM some schedule will act on, its earliest next run (ties: the schedule's name, then id), by VM key. */
export function nextActions(items: readonly ScheduledItem[]): NextAction[] {
  const best = new Map<number, ScheduledItem & { next: number }>();
  for (const item of items) {
    if (item.next === null) continue;
    const it = item as ScheduledItem & { next: number };
    for (const key of item.vmKeys) {
      const cur = best.get(key);
      if (
        !cur ||
        it.next < cur.next ||
        (it.next === cur.next && (it.name < cur.name || (it.name === cur.name && it.id < cur.id)))
      ) {
        best.set(key, it);
      }
    }
  }
  return [...best.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([vm, it]) => ({
      vm,
      scheduleId: it.id,
      scheduleName: it.name,
      action: it.action,
      at: new Date(it.next).toISOString(),
    }));
}
