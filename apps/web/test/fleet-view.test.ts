import { describe, expect, it } from 'vitest';
import {
  buildRows,
  columnsFor,
  filterVms,
  groupByNode,
  sortVms,
  viewFleet,
} from '../src/features/fleet/lib/fleet-view';
import { trackStatusSince } from '../src/features/fleet/lib/status-since';
import { DEFAULT_VIEW, NO_NODE } from '../src/features/fleet/lib/view-state';
import { node, vm } from './fleet-fixtures';

const nodes = [node(2, { name: 'node2' }), node(1, { name: 'node1' }), node(10, { name: 'node10' })];
const fleet = [
  vm(1, { name: 'web-10', started: 1_700_000_300 }),
  vm(2, { name: 'web-2', started: 1_700_000_100, node: 2, nodeName: 'node2' }),
  vm(3, { name: 'db-01', status: 'stopped' }),
  vm(4, { name: 'API-01', status: 'error', statusInfo: 'boom' }),
  vm(5, { name: 'cache-01', status: 'stopping', started: 1_600_000_000, node: 10, nodeName: 'node10' }),
  vm(6, {
    name: 'rds-01',
    status: 'needsrestart',
    running: true,
    started: 1_650_000_000,
    node: 1,
    nodeName: 'node1',
  }),
];
const names = (list: { name: string }[]) => list.map((v) => v.name);

describe('filter', () => {
  it('by name, in any case, trimmed', () => {
    expect(names(filterVms(fleet, { ...DEFAULT_VIEW, q: ' WEB ' }))).toEqual(['web-10', 'web-2']);
    expect(names(filterVms(fleet, { ...DEFAULT_VIEW, q: 'api' }))).toEqual(['API-01']);
    expect(filterVms(fleet, { ...DEFAULT_VIEW, q: 'nothing' })).toEqual([]);
  });

  it('by status or status group', () => {
    expect(names(filterVms(fleet, { ...DEFAULT_VIEW, status: 'stopped' }))).toEqual(['db-01']);
    expect(names(filterVms(fleet, { ...DEFAULT_VIEW, status: 'attention' }))).toEqual(['API-01', 'rds-01']);
    expect(names(filterVms(fleet, { ...DEFAULT_VIEW, status: 'transitional' }))).toEqual(['cache-01']);
  });

  it('by node, or no node', () => {
    expect(names(filterVms(fleet, { ...DEFAULT_VIEW, node: 'node2' }))).toEqual(['web-2']);
    expect(names(filterVms(fleet, { ...DEFAULT_VIEW, node: NO_NODE }))).toEqual(['db-01', 'API-01']);
  });

  it('all at once', () => {
    expect(names(filterVms(fleet, { q: 'web', status: 'running', node: 'node1' }))).toEqual(['web-10']);
  });
});

describe('sort', () => {
  it('by name, naturally (web-2 before web-10), any case', () => {
    expect(names(sortVms(fleet, 'name'))).toEqual([
      'API-01',
      'cache-01',
      'db-01',
      'rds-01',
      'web-2',
      'web-10',
    ]);
  });

  it('by status, most urgent first, then name', () => {
    expect(names(sortVms(fleet, 'status'))).toEqual([
      'API-01',
      'rds-01',
      'cache-01',
      'web-2',
      'web-10',
      'db-01',
    ]);
  });

  it('by uptime, longest first; VMs that are not up last, by name', () => {
    expect(names(sortVms(fleet, 'uptime'))).toEqual([
      'rds-01',
      'web-2',
      'web-10',
      'API-01',
      'cache-01',
      'db-01',
    ]);
  });

  it('does not touch its input', () => {
    const before = names(fleet);
    sortVms(fleet, 'status');
    expect(names(fleet)).toEqual(before);
  });
});

describe('group by node', () => {
  it('in node order, VMs on no node last, empty nodes left out', () => {
    const groups = groupByNode(sortVms(fleet, 'name'), [...nodes, node(7, { name: 'node7' })]);
    expect(groups.map((g) => [g.name, names(g.vms)])).toEqual([
      ['node1', ['rds-01', 'web-10']],
      ['node2', ['web-2']],
      ['node10', ['cache-01']],
      ['Not on a node', ['API-01', 'db-01']],
    ]);
    expect(groups[0]?.node?.key).toBe(1);
    expect(groups[3]?.key).toBeNull();
  });

  it('a VM on a node not in the list goes with no node', () => {
    const groups = groupByNode([vm(9, { node: 99, nodeName: 'gone' })], nodes);
    expect(groups.map((g) => g.name)).toEqual(['Not on a node']);
  });
});

describe('rows of cards', () => {
  it('cuts the list into rows of N', () => {
    const rows = buildRows(fleet, null, 4);
    expect(rows.map((r) => (r.kind === 'cards' ? r.vms.length : 0))).toEqual([4, 2]);
    expect(rows.map((r) => (r.kind === 'cards' ? r.first : -1))).toEqual([0, 4]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it('with groups: a header row, then the group in rows of its own', () => {
    const view = viewFleet(fleet, nodes, { ...DEFAULT_VIEW, group: 'node' });
    const rows = buildRows(view.vms, view.groups, 1);
    expect(rows.map((r) => (r.kind === 'group' ? `# ${r.group.name}` : names(r.vms).join()))).toEqual([
      '# node1',
      'rds-01',
      'web-10',
      '# node2',
      'web-2',
      '# node10',
      'cache-01',
      '# Not on a node',
      'API-01',
      'db-01',
    ]);
    // `first` indexes the flat list, groups included in order.
    const cards = rows.filter((r) => r.kind === 'cards');
    expect(cards.map((r) => r.first)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(names(view.vms)).toEqual(['rds-01', 'web-10', 'web-2', 'cache-01', 'API-01', 'db-01']);
  });

  it('at least one column; never an empty row', () => {
    expect(buildRows(fleet, null, 0)).toHaveLength(6);
    expect(buildRows([], null, 3)).toEqual([]);
  });

  it('columns from the width', () => {
    expect(columnsFor(0, 340, 12)).toBe(1);
    expect(columnsFor(358, 340, 12)).toBe(1);
    expect(columnsFor(1232, 340, 12)).toBe(3);
    expect(columnsFor(1044, 340, 12)).toBe(3);
    expect(columnsFor(1043, 340, 12)).toBe(2);
    expect(columnsFor(10_000, 340, 12)).toBe(6);
  });
});

describe('viewFleet', () => {
  it('filters, sorts and groups together', () => {
    const v = viewFleet(fleet, nodes, { q: '', status: 'running', node: null, sort: 'uptime', group: null });
    expect(names(v.vms)).toEqual(['web-2', 'web-10']);
    expect(v.groups).toBeNull();
  });
});

describe('since when a moving VM has moved', () => {
  const NOW = 1_700_000_500_000;

  it("takes VergeOS's last_update when it first sees the status, never later than now", () => {
    const m = trackStatusSince(
      new Map(),
      [vm(1, { status: 'stopping', lastUpdate: 1_700_000_400 }), vm(2)],
      NOW,
    );
    expect([...m.keys()]).toEqual([1]);
    expect(m.get(1)).toEqual({ status: 'stopping', since: 1_700_000_400_000 });
    const future = trackStatusSince(
      new Map(),
      [vm(1, { status: 'starting', lastUpdate: 1_800_000_000 })],
      NOW,
    );
    expect(future.get(1)?.since).toBe(NOW);
    const none = trackStatusSince(new Map(), [vm(1, { status: 'starting', lastUpdate: null })], NOW);
    expect(none.get(1)?.since).toBe(NOW);
  });

  it('keeps the same entry while the status stays, starts again when it changes, forgets a VM at rest', () => {
    const first = trackStatusSince(
      new Map(),
      [vm(1, { status: 'stopping', lastUpdate: 1_700_000_400 })],
      NOW,
    );
    const entry = first.get(1);
    const same = trackStatusSince(
      first,
      [vm(1, { status: 'stopping', lastUpdate: 1_700_000_490 })],
      NOW + 5000,
    );
    expect(same.get(1)).toBe(entry);
    const changed = trackStatusSince(
      same,
      [vm(1, { status: 'starting', lastUpdate: 1_700_000_495 })],
      NOW + 6000,
    );
    expect(changed.get(1)).toEqual({ status: 'starting', since: 1_700_000_495_000 });
    const settled = trackStatusSince(changed, [vm(1, { status: 'running' })], NOW + 9000);
    expect(settled.size).toBe(0);
  });
});
