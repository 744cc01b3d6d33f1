import type { FleetNode } from '@powerdeck/contracts/fleet';
import { describe, expect, it } from 'vitest';
import {
  assignTiers,
  planDryRun,
  type DryRunFleetVm,
  type ResolvedTier,
  type TierSettings,
} from '../src/plan-dry-run';
import { scheduleCapacity } from '../src/schedule-capacity';

const GB = 1024;

function vm(
  key: number,
  status: DryRunFleetVm['status'],
  cores = 2,
  ramGb = 8,
  guestAgent = true,
): DryRunFleetVm {
  const up = status === 'running';
  return {
    key,
    name: `vm-${key}`,
    status,
    cpuCores: cores,
    ram: ramGb * GB,
    runningCores: up ? cores : 0,
    runningRam: up ? ramGb * GB : 0,
    guestAgent,
  };
}

const node = (name: string, freeCores: number, freeRamGb: number, maintenance = false): FleetNode => ({
  key: name.length,
  name,
  cores: 64,
  ram: 256 * GB,
  runningCores: 64 - freeCores,
  runningRam: (256 - freeRamGb) * GB,
  runningVms: 0,
  maintenance,
});

function settings(name: string, over: Partial<TierSettings> = {}): TierSettings {
  return {
    name,
    upWhen: 'running',
    timeoutS: 180,
    delayAfterS: 0,
    onFailure: 'stop',
    escalate: false,
    ...over,
  };
}

function tier(name: string, vms: (DryRunFleetVm | number)[], over: Partial<TierSettings> = {}): ResolvedTier {
  return {
    tier: settings(name, over),
    vms: vms.map((v) => (typeof v === 'number' ? { key: v, vm: null } : { key: v.key, vm: v })),
  };
}

const FAT = '2030-01-07T05:00:00.000Z';

describe('which tier a VM belongs to', () => {
  it('the first tier in plan order that names it; each VM once, in plan order, with its tier alongside', () => {
    expect(assignTiers([[5, 1], [2, 5], [], [1, 9]])).toEqual({ vms: [5, 1, 2, 9], vmTiers: [0, 0, 1, 3] });
    expect(assignTiers([])).toEqual({ vms: [], vmTiers: [] });
  });
});

describe('a plan dry run', () => {
  const dc = vm(1, 'stopped', 2, 4);
  const dcUp = vm(2, 'running', 2, 4);
  const db = vm(3, 'stopped', 4, 16);
  const dbMoving = vm(4, 'migrating', 4, 16);
  const web = vm(5, 'stopped', 2, 8);
  const webErr = vm(6, 'error', 2, 8);

  const plan = [
    tier('Domain controllers', [dc, dcUp], { delayAfterS: 30 }),
    tier('Databases', [db, dbMoving, 77, dc], { delayAfterS: 60 }),
    tier('Web', [web, webErr], { delayAfterS: 15 }),
  ];

  it('starting: tiers in plan order, each VM with what happens to it, per tier and overall; fits on the nodes', () => {
    const d = planDryRun({
      direction: 'start',
      tiers: plan,
      nodes: [node('node1', 32, 128), node('node2', 32, 128)],
      fleetAt: FAT,
    });
    expect(d.tiers.map((t) => [t.index, t.name, t.acts])).toEqual([
      [0, 'Domain controllers', 1],
      [1, 'Databases', 1],
      [2, 'Web', 2],
    ]);
    expect(d.tiers.flatMap((t) => t.vms.map((v) => [v.key, v.status, v.outcome, v.detail]))).toEqual([
      [1, 'stopped', 'act', 'Would be started'],
      [2, 'running', 'already', 'Already running'],
      [3, 'stopped', 'act', 'Would be started'],
      [4, 'migrating', 'skip', 'Skipped: cannot start a VM that is migrating'],
      [77, null, 'missing', 'Not in the fleet'],
      [1, 'stopped', 'duplicate', 'Already in tier 1 (Domain controllers)'],
      [5, 'stopped', 'act', 'Would be started'],
      // A VM in error may be started again (the engine's rule).
      [6, 'error', 'act', 'Would be started'],
    ]);
    expect(d.tiers.map((t) => t.summary)).toEqual([
      'Starts 1 VM (1 already running), waits up to 180 s each until running, then 30 s',
      'Starts 1 VM (1 skipped, 1 not in the fleet, 1 in another tier), waits up to 180 s each until running, then 60 s',
      // The last tier waits no delay after it.
      'Starts 2 VMs, waits up to 180 s each until running',
    ]);
    expect(d).toMatchObject({
      direction: 'start',
      acts: 4,
      cores: 2 + 4 + 2 + 2,
      ramMb: (4 + 16 + 8 + 8) * GB,
      fits: true,
      shortfall: null,
      fleetAt: FAT,
      summary: 'Starts 4 VMs in 3 tiers: needs 10 cores and 36 GB, fits on node1 and node2',
    });
  });

  it('shutting down: tiers in reverse order; a VM belongs to the first tier in plan order; frees what runs', () => {
    const a = vm(1, 'running', 2, 4);
    const b = vm(2, 'running', 4, 16);
    const c = vm(3, 'stopped', 2, 8);
    const d = planDryRun({
      direction: 'shutdown',
      tiers: [
        tier('Domain controllers', [a], { delayAfterS: 30 }),
        tier('Databases', [b], { escalate: true, timeoutS: 120, delayAfterS: 60 }),
        tier('Web', [c, a], { delayAfterS: 10 }),
      ],
      nodes: [node('node1', 32, 128)],
      fleetAt: FAT,
    });
    expect(d.tiers.map((t) => [t.index, t.name])).toEqual([
      [2, 'Web'],
      [1, 'Databases'],
      [0, 'Domain controllers'],
    ]);
    expect(d.tiers[0]!.vms.map((v) => [v.key, v.outcome, v.detail])).toEqual([
      [3, 'already', 'Already stopped'],
      [1, 'duplicate', 'Already in tier 1 (Domain controllers)'],
    ]);
    expect(d.tiers.map((t) => t.summary)).toEqual([
      'Nothing to shut down (1 already stopped, 1 in another tier)',
      'Shuts down 1 VM, waits up to 120 s each to stop, then forces it off, then 60 s',
      // Last in a shut down: the first tier of the plan, with no delay after it.
      'Shuts down 1 VM, waits up to 180 s each to stop',
    ]);
    expect(d).toMatchObject({
      acts: 2,
      cores: 6,
      ramMb: 20 * GB,
      fits: null,
      shortfall: null,
      summary: 'Shuts down 2 VMs in 2 tiers: frees 6 cores and 20 GB',
    });
  });

  it('names the shortfall when the nodes out of maintenance have too little RAM free in all', () => {
    const big = [vm(1, 'stopped', 4, 32), vm(2, 'stopped', 4, 32), vm(3, 'stopped', 4, 16)];
    const d = planDryRun({
      direction: 'start',
      tiers: [tier('All', big)],
      nodes: [node('node1', 64, 256, true), node('node2', 32, 16), node('node3', 32, 16)],
      fleetAt: FAT,
    });
    expect(d.fits).toBe(false);
    expect(d.shortfall).toBe('Needs 48 GB more RAM than node2 and node3 have free');
    expect(d.summary).toBe(
      'Starts 3 VMs in 1 tier: needs 12 cores and 80 GB; does not fit: needs 48 GB more RAM than node2 and node3 have free',
    );
  });

  it('names cores too, and one node by itself', () => {
    const d = planDryRun({
      direction: 'start',
      tiers: [tier('All', [vm(1, 'stopped', 8, 8), vm(2, 'stopped', 8, 8)])],
      nodes: [node('node1', 10, 12)],
      fleetAt: FAT,
    });
    expect(d.shortfall).toBe('Needs 4 GB more RAM and 6 more cores than node1 has free');
  });

  it('when the totals would do but no placement does: how many VMs find no node, and the most room one node has', () => {
    const d = planDryRun({
      direction: 'start',
      tiers: [tier('All', [vm(1, 'stopped', 2, 24)])],
      nodes: [node('node1', 8, 16), node('node2', 6, 20)],
      fleetAt: FAT,
    });
    expect(d.fits).toBe(false);
    expect(d.shortfall).toBe(
      '1 VM would find no node with room: the most one node has free is 20 GB and 6 cores (node2)',
    );
    expect(
      planDryRun({
        direction: 'start',
        tiers: [tier('All', [vm(1, 'stopped')])],
        nodes: [node('node1', 8, 16, true)],
        fleetAt: FAT,
      }).shortfall,
    ).toBe('Every node is in maintenance: no VM can start');
  });

  it('places as the capacity pre-check does (the same rule, not a copy): same VMs, same nodes, same answer', () => {
    const vms = [vm(1, 'stopped', 2, 12), vm(2, 'stopped', 2, 12), vm(3, 'stopped', 2, 6)];
    for (const nodes of [
      [node('a', 8, 16), node('b', 8, 14)],
      [node('a', 8, 18), node('b', 8, 12)],
      [node('a', 1, 64), node('b', 8, 24)],
    ]) {
      const d = planDryRun({ direction: 'start', tiers: [tier('All', vms)], nodes, fleetAt: FAT });
      expect(d.fits).toBe(scheduleCapacity('start', vms, nodes).fits);
    }
  });

  it('a tier up when the guest agent reports names the VMs counted up when running (no guest agent)', () => {
    const d = planDryRun({
      direction: 'start',
      tiers: [
        tier('Apps', [vm(1, 'stopped'), vm(2, 'stopped', 2, 8, false)], { upWhen: 'agent', timeoutS: 300 }),
      ],
      nodes: [],
      fleetAt: null,
    });
    expect(d.tiers[0]!.vms.map((v) => v.detail)).toEqual([
      'Would be started',
      'Would be started; counted up when running: no guest agent',
    ]);
    expect(d.tiers[0]!.summary).toBe(
      'Starts 2 VMs, waits up to 300 s each for the guest agent (1 counted up when running: no guest agent)',
    );
    // No node data: nothing is said about fitting.
    expect(d).toMatchObject({
      fits: null,
      shortfall: null,
      summary: 'Starts 2 VMs in 1 tier: needs 4 cores and 16 GB',
    });
  });

  it('nothing to do, and nothing in the fleet, say so', () => {
    const running = planDryRun({
      direction: 'start',
      tiers: [tier('A', [vm(1, 'running'), 9]), tier('B', [])],
      nodes: [node('node1', 8, 16)],
      fleetAt: FAT,
    });
    expect(running).toMatchObject({
      acts: 0,
      cores: 0,
      ramMb: 0,
      fits: null,
      shortfall: null,
      summary: 'Nothing to start now (1 already running, 1 not in the fleet)',
    });
    expect(running.tiers[1]!.summary).toBe('No VM matches now');
    expect(
      planDryRun({ direction: 'shutdown', tiers: [tier('A', [4, 5])], nodes: [], fleetAt: null }).summary,
    ).toBe('No VM of the plan is in the fleet now');
  });
});
