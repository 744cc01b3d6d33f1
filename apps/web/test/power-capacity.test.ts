import type { FleetNode } from '@powerdeck/contracts/fleet';
import { describe, expect, it } from 'vitest';
import { checkStartCapacity, nodeRooms } from '../src/features/power/lib/capacity';

const GB = 1024;
function node(
  key: number,
  free: { cores: number; ramGb: number },
  extra: Partial<FleetNode> = {},
): FleetNode {
  return {
    key,
    name: `node${key}`,
    cores: 40,
    ram: 128 * GB,
    runningCores: 40 - free.cores,
    runningRam: 128 * GB - free.ramGb * GB,
    runningVms: 3,
    maintenance: false,
    ...extra,
  };
}

describe('checkStartCapacity', () => {
  it('fits when one node has both the cores and the RAM', () => {
    const r = checkStartCapacity({ cpuCores: 4, ram: 16 * GB }, [
      node(1, { cores: 2, ramGb: 64 }),
      node(2, { cores: 8, ramGb: 16 }),
    ]);
    expect(r.ok).toBe(true);
    expect(r.nodes.filter((n) => n.fits).map((n) => n.name)).toEqual(['node2']);
  });

  it('names the RAM that is short and the node with the most free', () => {
    const r = checkStartCapacity({ cpuCores: 2, ram: 16 * GB }, [
      node(1, { cores: 10, ramGb: 4 }),
      node(2, { cores: 10, ramGb: 8 }),
    ]);
    expect(r).toMatchObject({
      ok: false,
      reason: 'No node has 16 GB RAM free (most free: 8 GB on node2)',
      short: { cores: false, ram: true },
    });
  });

  it('names the cores that are short', () => {
    const r = checkStartCapacity({ cpuCores: 8, ram: 4 * GB }, [
      node(1, { cores: 4, ramGb: 64 }),
      node(2, { cores: 2, ramGb: 64 }),
    ]);
    expect(r).toMatchObject({ ok: false, reason: 'No node has 8 cores free (most free: 4 on node1)' });
  });

  it('names both when both are short', () => {
    const r = checkStartCapacity({ cpuCores: 8, ram: 32 * GB }, [
      node(1, { cores: 6, ramGb: 8 }),
      node(2, { cores: 1, ramGb: 24 }),
    ]);
    expect(r).toMatchObject({
      ok: false,
      reason: 'No node has 8 cores and 32 GB RAM free (most free: 6 cores on node1, 24 GB on node2)',
      short: { cores: true, ram: true },
    });
  });

  it('says so when the cores and the RAM are free, but never on the same node', () => {
    const r = checkStartCapacity({ cpuCores: 8, ram: 32 * GB }, [
      node(1, { cores: 16, ramGb: 8 }),
      node(2, { cores: 2, ramGb: 64 }),
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.short).toEqual({ cores: false, ram: false });
      expect(r.reason).toBe(
        'No node has both 8 cores and 32 GB RAM free (node2 has 64 GB but 2 cores; node1 has 16 cores but 8 GB)',
      );
    }
  });

  it('skips nodes in maintenance', () => {
    const r = checkStartCapacity({ cpuCores: 4, ram: 16 * GB }, [
      node(1, { cores: 40, ramGb: 128 }, { maintenance: true }),
      node(2, { cores: 2, ramGb: 8 }),
    ]);
    expect(r).toMatchObject({
      ok: false,
      reason: 'No node has 4 cores and 16 GB RAM free (most free: 2 cores on node2, 8 GB on node2)',
    });
    expect(r.nodes.map((n) => n.name)).toEqual(['node2']);
  });

  it('says every node is in maintenance', () => {
    const r = checkStartCapacity({ cpuCores: 1, ram: GB }, [
      node(1, { cores: 40, ramGb: 128 }, { maintenance: true }),
    ]);
    expect(r).toMatchObject({ ok: false, reason: 'Every node is in maintenance, so no node can take it' });
  });

  it('lets VergeOS decide when no node data has arrived', () => {
    expect(checkStartCapacity({ cpuCores: 64, ram: 1024 * GB }, [])).toEqual({ ok: true, nodes: [] });
  });

  it('an exact fit fits', () => {
    expect(checkStartCapacity({ cpuCores: 4, ram: 16 * GB }, [node(1, { cores: 4, ramGb: 16 })]).ok).toBe(
      true,
    );
  });

  it('uses singular for one core and MB below a GB', () => {
    const r = checkStartCapacity({ cpuCores: 1, ram: 512 }, [node(1, { cores: 0, ramGb: 0.25 })]);
    expect(r).toMatchObject({
      reason: 'No node has 1 core and 512 MB RAM free (most free: 0 cores on node1, 256 MB on node1)',
    });
  });
});

describe('nodeRooms', () => {
  it('lists free room per node, most free RAM first, never negative', () => {
    const over = node(3, { cores: -2, ramGb: -1 });
    const rooms = nodeRooms([node(1, { cores: 4, ramGb: 8 }), node(2, { cores: 4, ramGb: 32 }), over], {
      cpuCores: 2,
      ram: 8 * GB,
    });
    expect(rooms.map((r) => [r.name, r.freeCores, r.freeRam / GB, r.fits])).toEqual([
      ['node2', 4, 32, true],
      ['node1', 4, 8, true],
      ['node3', 0, 0, false],
    ]);
  });
});
