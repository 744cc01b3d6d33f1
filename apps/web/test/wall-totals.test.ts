import type { FleetStop } from '@powerdeck/contracts/fleet';
import { describe, expect, it } from 'vitest';
import { stopMarks, tileLabel, tileLook } from '../src/features/wall/lib/stops';
import { wallTotals } from '../src/features/wall/lib/totals';
import { vm } from './fleet-fixtures';

const stop = (
  key: number,
  by: string | null,
  at = '2026-12-01T10:00:00Z',
  status = 'stopped',
): FleetStop => ({
  key,
  at,
  status,
  by,
});

const fleet = [
  vm(1, { name: 'web-01' }),
  vm(2, { name: 'db-02', status: 'stopped' }),
  vm(3, { name: 'app-03', status: 'stopped' }),
  vm(4, { name: 'old-04', status: 'stopped' }),
  vm(5, { name: 'mig-05', status: 'migrating' }),
  vm(6, { name: 'bad-06', status: 'error' }),
  vm(7, { name: 'hung-07', status: 'unresponsive' }),
  vm(8, { name: 'mnt-08', status: 'maintenance' }),
  vm(9, { name: 'back-09', status: 'running' }),
];
const stops = [
  stop(2, null),
  stop(3, 'alice'),
  stop(6, null, '2026-12-01T10:00:00Z', 'error'),
  stop(9, null),
];

describe('stop marks', () => {
  const marks = stopMarks(fleet, stops);
  it('marks VMs that are still down; a VM running again is not marked', () => {
    expect([...marks.keys()].sort()).toEqual([2, 3, 6]);
    expect(marks.get(2)).toEqual({ by: null });
    expect(marks.get(3)).toEqual({ by: 'alice' });
  });
  it('ignores stops of VMs not in the fleet, and no stops at all', () => {
    expect(stopMarks(fleet, [stop(99, null)]).size).toBe(0);
    expect(stopMarks(fleet, undefined).size).toBe(0);
  });
  it('the newest stop of a VM wins', () => {
    const m = stopMarks(fleet, [
      stop(2, null, '2026-12-01T09:00:00Z'),
      stop(2, 'bob', '2026-12-01T09:30:00Z'),
    ]);
    expect(m.get(2)).toEqual({ by: 'bob' });
  });
  it('names tiles', () => {
    expect(tileLabel(fleet[0]!, marks.get(1))).toBe('web-01: Running');
    expect(tileLabel(fleet[1]!, marks.get(2))).toBe('db-02: Down unexpectedly');
    expect(tileLabel(fleet[2]!, marks.get(3))).toBe('app-03: Stopped by alice');
    expect(tileLabel(fleet[3]!, marks.get(4))).toBe('old-04: Stopped');
    expect(tileLabel(fleet[5]!, marks.get(6))).toBe('bad-06: Error, down unexpectedly');
    expect(tileLabel(fleet[5]!, { by: 'bob' })).toBe('bad-06: Error, stopped by bob');
  });
  it('down unexpectedly has its own look; stopped by someone stays quiet; an error stays bad', () => {
    expect(tileLook(fleet[1]!, marks.get(2))).toBe('down');
    expect(tileLook(fleet[2]!, marks.get(3))).toBe('idle');
    expect(tileLook(fleet[5]!, marks.get(6))).toBe('bad');
    expect(tileLook(fleet[0]!, undefined)).toBe('ok');
  });
});

describe('wall totals', () => {
  it('counts every VM once', () => {
    const t = wallTotals(fleet, stopMarks(fleet, stops));
    expect(t).toEqual({ total: 9, running: 2, stopped: 2, changing: 1, attention: 3, down: 1 });
    expect(t.running + t.stopped + t.changing + t.attention + t.down).toBe(t.total);
  });
  it('without stops, a stopped VM is just stopped', () => {
    expect(wallTotals(fleet, new Map())).toMatchObject({ stopped: 3, down: 0 });
  });
  it('an empty fleet', () => {
    expect(wallTotals([], new Map())).toEqual({
      total: 0,
      running: 0,
      stopped: 0,
      changing: 0,
      attention: 0,
      down: 0,
    });
  });
});
