// The fleet as the grid shows it: filtered, sorted, grouped by node and cut into rows of N cards. Pure functions
// over the snapshot (tested in test/fleet-view.test.ts); the grid only virtualizes the rows.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import { inStatusGroup, isKnownStatus, statusRank } from '../../../lib/status';
import { NO_NODE, type SortKey, type ViewState } from './view-state';

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function filterVms(vms: readonly FleetVm[], v: Pick<ViewState, 'q' | 'status' | 'node'>): FleetVm[] {
  const q = v.q.trim().toLowerCase();
  const { status, node } = v;
  return vms.filter((vm) => {
    if (q !== '' && !vm.name.toLowerCase().includes(q)) return false;
    if (status !== null) {
      if (isKnownStatus(status) ? vm.status !== status : !inStatusGroup(vm.status, status)) return false;
    }
    if (node !== null) {
      if (node === NO_NODE ? vm.nodeName !== null : vm.nodeName !== node) return false;
    }
    return true;
  });
}

const byName = (a: FleetVm, b: FleetVm) => collator.compare(a.name, b.name) || a.key - b.key;

/** Up since (epoch s) for uptime order; +Infinity for a VM that is not up. */
const upSince = (vm: FleetVm) => (vm.running && vm.started ? vm.started : Number.POSITIVE_INFINITY);

/** A sorted copy: by name; by status (most urgent first), then name; by uptime (longest first), then name. */
export function sortVms(vms: readonly FleetVm[], sort: SortKey): FleetVm[] {
  const out = [...vms];
  if (sort === 'name') out.sort(byName);
  else if (sort === 'status') out.sort((a, b) => statusRank(a.status) - statusRank(b.status) || byName(a, b));
  else out.sort((a, b) => upSince(a) - upSince(b) || byName(a, b));
  return out;
}

export interface VmGroup {
  /** The node's key, or null for VMs on no node. */
  key: number | null;
  name: string;
  node: FleetNode | null;
  vms: FleetVm[];
}

/** Sorted VMs grouped by node, in node order; VMs on no node (or on a node not in the list) last. */
export function groupByNode(vms: readonly FleetVm[], nodes: readonly FleetNode[]): VmGroup[] {
  const groups = new Map<number, VmGroup>();
  for (const node of [...nodes].sort((a, b) => collator.compare(a.name, b.name))) {
    groups.set(node.key, { key: node.key, name: node.name, node, vms: [] });
  }
  const none: VmGroup = { key: null, name: 'Not on a node', node: null, vms: [] };
  for (const vm of vms) {
    const g = vm.node === null ? undefined : groups.get(vm.node);
    (g ?? none).vms.push(vm);
  }
  return [...groups.values(), none].filter((g) => g.vms.length > 0);
}

type GridRow =
  | { kind: 'group'; key: string; group: VmGroup }
  | {
      kind: 'cards';
      key: string;
      vms: FleetVm[];
      /** index in the flat list of the first VM */ first: number;
    };

/** Rows of `columns` cards; with groups, each group starts with its header row and a fresh row of cards. */
export function buildRows(
  vms: readonly FleetVm[],
  groups: readonly VmGroup[] | null,
  columns: number,
): GridRow[] {
  const n = Math.max(1, Math.floor(columns));
  const rows: GridRow[] = [];
  let index = 0;
  const cut = (list: readonly FleetVm[]) => {
    for (let i = 0; i < list.length; i += n) {
      const chunk = list.slice(i, i + n);
      rows.push({ kind: 'cards', key: `r${chunk[0]?.key ?? i}`, vms: chunk, first: index });
      index += chunk.length;
    }
  };
  if (groups === null) cut(vms);
  else
    for (const g of groups) {
      rows.push({ kind: 'group', key: `g${g.key ?? 'none'}`, group: g });
      cut(g.vms);
    }
  return rows;
}

/** Cards per row for a container width: as many as fit at `minWidth` each with `gap` between, at least one. */
export function columnsFor(width: number, minWidth: number, gap: number, max = 6): number {
  if (!(width > 0)) return 1;
  return Math.max(1, Math.min(max, Math.floor((width + gap) / (minWidth + gap))));
}

export interface FleetView {
  /** The VMs shown, in display order (groups flattened). */
  vms: FleetVm[];
  groups: VmGroup[] | null;
}

/** Everything the grid shows for a view: filtered, sorted and, when asked, grouped. */
export function viewFleet(vms: readonly FleetVm[], nodes: readonly FleetNode[], v: ViewState): FleetView {
  const sorted = sortVms(filterVms(vms, v), v.sort);
  if (v.group !== 'node') return { vms: sorted, groups: null };
  const groups = groupByNode(sorted, nodes);
  return { vms: groups.flatMap((g) => g.vms), groups };
}
