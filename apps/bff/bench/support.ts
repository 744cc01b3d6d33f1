// What the BFF's benchmarks share (each bench is its own script, `pnpm bench <name>`; this one is none): the
// simulator's control API (`/__sim/...`) as they set the scene and read its request counters, a wait for the fleet
// poller to show the scene, and the percentile their figures are reported by.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { SimStats, Simulator } from '@powerdeck/vergeos-sim';
import type { FleetPoller } from '../src/fleet/types';

type SimAt = Pick<Simulator, 'url'>;

/** `method /__sim/<path>` (`vms/42`, `stats`) with `body` as JSON, if any: its JSON answer; an error status throws. */
export async function control(sim: SimAt, path: string, method: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/__sim/${path}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
  if (!res.ok) throw new Error(`${method} /__sim/${path} answered ${res.status}`);
  return res.json();
}

/** The simulator's request counters and its log of the last requests (`GET /__sim/stats`). */
export async function simStats(sim: SimAt): Promise<SimStats> {
  return (await control(sim, 'stats', 'GET')) as SimStats;
}

/**
 * Until the poller's snapshot holds `count` VMs, all in `status` (what the bench just put them in through
 * `control`); throws after `withinMs`.
 */
export async function untilFleetShows(
  fleet: FleetPoller,
  count: number,
  status: FleetVm['status'],
  withinMs: number,
): Promise<void> {
  for (const deadline = Date.now() + withinMs; ;) {
    const { vms } = fleet.current().snapshot;
    if (vms.length === count && vms.every((v) => v.status === status)) return;
    if (Date.now() > deadline) throw new Error(`the fleet did not show every VM ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The nearest-rank `p`th percentile (0-100) of `sorted` (ascending); NaN when it is empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
