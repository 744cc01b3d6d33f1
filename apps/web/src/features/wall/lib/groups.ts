// The wall's order and grouping: by node (the default; a stopped VM is on no node and goes in a group of its own,
// last) or none, VMs by name within (natural order: web-2 before web-10), so a tile stays where it is while its
// status changes. Pure (tested in test/wall-layout.test.ts).
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { WallGroup } from './options';

export interface TileGroup {
  /** A stable key for the group's DOM. */
  key: string;
  /** The group's heading (null when not grouped). */
  name: string | null;
  vms: readonly FleetVm[];
}

export const NO_NODE = 'Not on a node';

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const byName = (a: FleetVm, b: FleetVm) => collator.compare(a.name, b.name) || a.key - b.key;

/** All VMs in wall order (group after group). */
export function wallOrder(vms: readonly FleetVm[], group: WallGroup): FleetVm[] {
  const sorted = [...vms];
  if (group === 'none') return sorted.sort(byName);
  return sorted.sort((a, b) => {
    if (a.nodeName !== b.nodeName) {
      if (a.nodeName === null) return 1;
      if (b.nodeName === null) return -1;
      return collator.compare(a.nodeName, b.nodeName);
    }
    return byName(a, b);
  });
}

/** Splits VMs already in wall order into their groups (one group, unnamed, when not grouped). */
export function groupTiles(ordered: readonly FleetVm[], group: WallGroup): TileGroup[] {
  if (group === 'none') return [{ key: 'all', name: null, vms: ordered }];
  const groups: TileGroup[] = [];
  let current: { key: string; name: string; vms: FleetVm[] } | null = null;
  for (const vm of ordered) {
    const name = vm.nodeName ?? NO_NODE;
    if (!current || current.name !== name) {
      current = { key: vm.nodeName === null ? '-' : `n:${name}`, name, vms: [] };
      groups.push(current);
    }
    current.vms.push(vm);
  }
  return groups;
}
