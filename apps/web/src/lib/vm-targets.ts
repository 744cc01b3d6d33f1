// Which VMs a draft's targets name now, from the fleet snapshot: the filter read by the fleet filter language
// (contracts/fleet-filter, the same rules the server resolves a saved filter by), and the VM picker's search.
// Pure (tested in test/schedules-lib.test.ts).
import {
  isEmptyFilter,
  matchesFilter,
  parseFilter,
  type FilterableVm,
} from '@powerdeck/contracts/fleet-filter';

export type PickableVm = FilterableVm & { key: number };

/**
 * The VMs a filter text matches now. A filter that restricts nothing (empty, or only unknown statuses) matches none,
 * as on the server: a schedule never acts on the whole fleet by accident.
 */
export function filterMatches<T extends PickableVm>(vms: readonly T[], text: string): T[] {
  const f = parseFilter(text);
  if (isEmptyFilter(f)) return [];
  return vms.filter((vm) => matchesFilter(vm, f));
}

/** The picker's list: VMs whose name contains `search` (case-insensitive), at most `limit`, and how many in all. */
export function searchVms<T extends PickableVm>(
  vms: readonly T[],
  search: string,
  limit: number,
): { shown: T[]; total: number } {
  const q = search.trim().toLowerCase();
  const shown: T[] = [];
  let total = 0;
  for (const vm of vms) {
    if (q && !vm.name.toLowerCase().includes(q)) continue;
    total += 1;
    if (shown.length < limit) shown.push(vm);
  }
  return { shown, total };
}

/** "web-01, web-02, db-01 and 9 more". */
export function someNames(names: readonly string[], first = 5): string {
  if (names.length <= first) return names.join(', ');
  return `${names.slice(0, first).join(', ')} and ${names.length - first} more`;
}
