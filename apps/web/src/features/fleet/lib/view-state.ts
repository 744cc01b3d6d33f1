// What the fleet view shows, as it lives in the URL (`?q=&status=&node=&sort=&group=node`), so a view can be
// bookmarked and shared. Parsing is forgiving (an unknown value is the default); serialising leaves defaults out
// and keeps one order, so one view has one URL.
import type { PowerStatus } from '@powerdeck/contracts/power';
import { isKnownStatus, STATUS_GROUPS, type StatusGroup } from '../../../lib/status';

export type SortKey = 'name' | 'status' | 'uptime';
export const SORT_KEYS: readonly SortKey[] = ['name', 'status', 'uptime'];
export const SORT_LABELS: Readonly<Record<SortKey, string>> = {
  name: 'Name',
  status: 'Status',
  uptime: 'Uptime',
};

export const SORT_HINTS: Readonly<Record<SortKey, string>> = {
  name: 'By name, A to Z',
  status: 'Most urgent first: errors, then warnings, changing, running, off',
  uptime: 'Longest up first; VMs that are off last',
};

/** A single status, or a group of them (`attention`, `transitional`). */
export type StatusFilter = PowerStatus | StatusGroup;

/** The node filter's value for VMs on no node (stopped ones). */
export const NO_NODE = '-';

export interface ViewState {
  /** Text the VM name must contain (any case). */
  q: string;
  status: StatusFilter | null;
  /** A node's name, or {@link NO_NODE}. */
  node: string | null;
  sort: SortKey;
  group: 'node' | null;
}

export const DEFAULT_VIEW: ViewState = { q: '', status: null, node: null, sort: 'name', group: null };

function isStatusFilter(v: string): v is StatusFilter {
  return isKnownStatus(v) || Object.hasOwn(STATUS_GROUPS, v);
}

/** A query string (with or without its `?`) as a view. */
export function parseViewState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const status = p.get('status');
  const node = p.get('node');
  const sort = p.get('sort');
  return {
    q: (p.get('q') ?? '').slice(0, 200),
    status: status !== null && isStatusFilter(status) ? status : null,
    node: node ? node.slice(0, 200) : null,
    sort: sort !== null && (SORT_KEYS as readonly string[]).includes(sort) ? (sort as SortKey) : 'name',
    group: p.get('group') === 'node' ? 'node' : null,
  };
}

/** A view as a query string without its `?` ("" for the default view). */
export function serialiseViewState(v: ViewState): string {
  const p = new URLSearchParams();
  if (v.q !== '') p.set('q', v.q);
  if (v.status !== null) p.set('status', v.status);
  if (v.node !== null) p.set('node', v.node);
  if (v.sort !== 'name') p.set('sort', v.sort);
  if (v.group !== null) p.set('group', v.group);
  return p.toString();
}

/** Whether the view narrows the fleet (a search or a filter). */
export function isFiltered(v: ViewState): boolean {
  return v.q.trim() !== '' || v.status !== null || v.node !== null;
}
