// Which VMs a draft's targets name now, from the fleet snapshot: the filter read by the fleet filter language
// (contracts/fleet-filter, the same rules the server resolves a saved filter by), and the VM picker's search.
// Pure (tested in test/schedules-lib.test.ts).
import { matchesFilter, parseFilter, type FilterableVm } from '@powerdeck/contracts/fleet-filter';

export type PickableVm = FilterableVm & { key: number };

/** The VMs a filter text matches now (an empty filter matches nothing: a schedule never means "everything"). */
export function filterMatches<T extends PickableVm>(vms: readonly T[], text: string): T[] {
  if (!text.trim()) return [];
  const f = parseFilter(text);
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
