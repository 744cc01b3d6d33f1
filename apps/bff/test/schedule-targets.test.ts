import type { FleetVm } from '@powerdeck/contracts/fleet';
import { describe, expect, it } from 'vitest';
import { nextActions, resolveTargets } from '../src/schedules/targets';

const vm = (key: number, name: string, status: FleetVm['status'], nodeName: string | null = null) =>
  ({ key, name, status, nodeName }) as FleetVm;
const fleet = [
  vm(1, 'lab-web-1', 'running', 'node1'),
  vm(2, 'lab-db-1', 'stopped'),
  vm(3, 'prod-web-1', 'running', 'node2'),
  vm(4, 'lab-web-2', 'error'),
];
const resolved = (targets: Parameters<typeof resolveTargets>[0]) =>
  resolveTargets(targets, { vms: fleet, byKey: new Map(fleet.map((v) => [v.key, v])) }).map((v) => v.key);

describe('resolveTargets', () => {
  it('chosen VMs still in the fleet, in the order chosen', () => {
    expect(resolved({ kind: 'vms', vms: [3, 99, 1] })).toEqual([3, 1]);
  });

  it('a filter in the fleet filter language, in fleet order', () => {
    expect(resolved({ kind: 'filter', filter: 'lab' })).toEqual([1, 2, 4]);
    expect(resolved({ kind: 'filter', filter: 'web status:running' })).toEqual([1, 3]);
    expect(resolved({ kind: 'filter', filter: 'status:attention' })).toEqual([4]);
    expect(resolved({ kind: 'filter', filter: 'node:NODE2' })).toEqual([3]);
  });

  it('a filter that restricts nothing matches no VM (never the whole fleet by accident)', () => {
    expect(resolved({ kind: 'filter', filter: 'status:nonsense' })).toEqual([]);
  });
});

describe('nextActions', () => {
  const at = (iso: string) => Date.parse(iso);
  it("each VM's earliest next run; ties by schedule name; schedules with no next run ignored", () => {
    expect(
      nextActions([
        {
          id: 'a',
          name: 'Nightly off',
          action: 'shutdown',
          next: at('2026-12-04T18:00:00Z'),
          vmKeys: [1, 2],
        },
        { id: 'b', name: 'Morning on', action: 'start', next: at('2026-12-04T06:00:00Z'), vmKeys: [2, 3] },
        { id: 'c', name: 'Alpha', action: 'reboot', next: at('2026-12-04T18:00:00Z'), vmKeys: [1] },
        { id: 'd', name: 'Paused', action: 'forceOff', next: null, vmKeys: [4] },
      ]),
    ).toEqual([
      { vm: 1, scheduleId: 'c', scheduleName: 'Alpha', action: 'reboot', at: '2026-12-04T18:00:00.000Z' },
      { vm: 2, scheduleId: 'b', scheduleName: 'Morning on', action: 'start', at: '2026-12-04T06:00:00.000Z' },
      { vm: 3, scheduleId: 'b', scheduleName: 'Morning on', action: 'start', at: '2026-12-04T06:00:00.000Z' },
    ]);
  });
});
