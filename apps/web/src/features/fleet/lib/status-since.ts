// Since when each moving VM has been in its current status, so a card can say "Stopping · 12 s". VergeOS's
// `last_update` is when the machine status last changed; a status first seen later than that (the page opened
// mid-way) keeps the earlier time, a change seen between two polls takes the poll's time when VergeOS gives none.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { isMoving } from '../../../lib/status';

export interface StatusSince {
  status: FleetVm['status'];
  /** Epoch ms. */
  since: number;
}

/**
 * The next map from the previous one and a new snapshot's VMs: only moving VMs are kept; an entry whose status is
 * unchanged keeps its time (and the same object, so memoized cards do not re-render).
 */
export function trackStatusSince(
  prev: ReadonlyMap<number, StatusSince>,
  vms: readonly FleetVm[],
  nowMs: number,
): Map<number, StatusSince> {
  const next = new Map<number, StatusSince>();
  for (const vm of vms) {
    if (!isMoving(vm.status)) continue;
    const seen = prev.get(vm.key);
    if (seen && seen.status === vm.status) {
      next.set(vm.key, seen);
      continue;
    }
    const reported = vm.lastUpdate ? vm.lastUpdate * 1000 : nowMs;
    next.set(vm.key, { status: vm.status, since: Math.min(nowMs, reported) });
  }
  return next;
}
