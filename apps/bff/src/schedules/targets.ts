// Which VMs a schedule acts on, from the fleet snapshot at the moment asked (a run's start, a page's view): chosen
// VMs still in the fleet, or the VMs a saved filter matches (the fleet filter language of ./fleet-filter); and, for
// the VM cards, each VM's next scheduled action. Pure.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { isEmptyFilter, matchesFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import type { ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import type { NextAction, Targets } from '@powerdeck/contracts/schedules';

/** The fleet as targets are resolved against: its VMs, and the same VMs by key (one index per snapshot). */
export interface TargetFleet {
  vms: readonly FleetVm[];
  byKey: ReadonlyMap<number, FleetVm>;
}

/**
 * The VMs the targets name now: chosen VMs present in the fleet (in the order chosen), or the fleet's VMs the filter
 * matches (in fleet order). A filter that restricts nothing (only unknown statuses) matches none: a schedule never
 * acts on the whole fleet by accident.
 */
export function resolveTargets(targets: Targets, fleet: TargetFleet): FleetVm[] {
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
