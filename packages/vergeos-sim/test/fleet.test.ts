import { describe, expect, it } from 'vitest';
import { GUIDE_MACHINE_KEY, GUIDE_VM_KEY, generateFleet } from '../src/fleet';

const EPOCH = Date.UTC(2026, 10, 29, 9, 0, 0);
const fleet = (vms = 24, nodes = 4, seed = 1) => generateFleet({ vms, nodes, seed, epochMs: EPOCH });

describe('the seeded fleet', () => {
  it('is deterministic from the seed, and differs with another seed', () => {
    expect(JSON.stringify(fleet())).toBe(JSON.stringify(fleet()));
    expect(JSON.stringify(fleet(24, 4, 2))).not.toBe(JSON.stringify(fleet()));
  });

  it('has exactly --vms VMs plus snapshots (is_snapshot true)', () => {
    const f = fleet();
    expect(f.vms.filter((v) => !v.isSnapshot)).toHaveLength(24);
    const snaps = f.vms.filter((v) => v.isSnapshot);
    expect(snaps.length).toBeGreaterThanOrEqual(3);
    for (const s of snaps) expect(s.row.is_snapshot).toBe(true);
    expect(f.nodes).toHaveLength(4);
  });

  it("contains the guide's test VM: VM 42 on machine 54, exactly as the guide shows it", () => {
    for (const n of [1, 24, 1000]) {
      const vm = fleet(n).vms.find((v) => v.key === GUIDE_VM_KEY);
      expect(vm?.machine).toBe(GUIDE_MACHINE_KEY);
      expect(vm?.row).toMatchObject({
        name: 'test',
        description: 'test vm',
        cpu_cores: 3,
        ram: 16384,
        machine: 54,
      });
      expect(vm?.initial).toMatchObject({
        status: 'stopped',
        started: 1755993338,
        lastUpdate: 1755993358,
        node: null,
      });
    }
  });

  it('VM keys differ from machine keys, and both are unique', () => {
    const f = fleet(1000, 8);
    const keys = new Set(f.vms.map((v) => v.key));
    const machines = new Set(f.vms.map((v) => v.machine));
    expect(keys.size).toBe(f.vms.length);
    expect(machines.size).toBe(f.vms.length);
    for (const v of f.vms) expect(v.machine).not.toBe(v.key);
    for (const n of f.nodes) expect(machines.has(n.machine)).toBe(false);
    const sorted = [...f.vms].sort((a, b) => a.key - b.key);
    expect(f.vms.map((v) => v.key)).toEqual(sorted.map((v) => v.key));
  });

  it('mixes power states, OS families, agents and guests that ignore ACPI', () => {
    const f = fleet();
    const real = f.vms.filter((v) => !v.isSnapshot);
    const statuses = new Set(real.map((v) => v.initial.status));
    expect([...statuses].sort()).toEqual(['error', 'hibernated', 'running', 'stopped']);
    expect(new Set(real.map((v) => v.osFamily))).toEqual(new Set(['linux', 'windows', 'freebsd', 'other']));
    expect(real.some((v) => v.guest.agentInstalled)).toBe(true);
    expect(real.some((v) => !v.guest.agentInstalled)).toBe(true);
    expect(real.some((v) => v.guest.ignoresAcpi)).toBe(true);
    const error = real.find((v) => v.initial.status === 'error');
    expect(error?.initial.statusInfo).toMatch(/^Error starting machine: /);
    for (const v of real) {
      expect(v.guest.shutdownMs).toBeGreaterThanOrEqual(5000);
      expect(v.guest.shutdownMs).toBeLessThanOrEqual(60000);
    }
  });

  it('places running VMs on nodes with the capacity for them, and room for more', () => {
    for (const [vms, nodes] of [
      [24, 4],
      [1, 1],
      [10000, 4],
      [300, 32],
    ] as const) {
      const f = fleet(vms, nodes);
      const used = new Map<number, { cores: number; ram: number }>();
      for (const v of f.vms) {
        if (v.initial.status === 'running') {
          expect(v.initial.node).not.toBeNull();
          const u = used.get(v.initial.node ?? 0) ?? { cores: 0, ram: 0 };
          used.set(v.initial.node ?? 0, { cores: u.cores + v.cores, ram: u.ram + v.ram });
        } else expect(v.initial.node).toBeNull();
      }
      for (const n of f.nodes) {
        const u = used.get(n.key) ?? { cores: 0, ram: 0 };
        expect(n.cores - u.cores).toBeGreaterThanOrEqual(3);
        expect(n.vmRam - u.ram).toBeGreaterThanOrEqual(16384);
      }
    }
  });

  it('builds 10,000 VMs quickly', () => {
    const t = performance.now();
    const f = fleet(10000, 4);
    expect(performance.now() - t).toBeLessThan(1500);
    expect(f.vms.filter((v) => !v.isSnapshot)).toHaveLength(10000);
  });
});
