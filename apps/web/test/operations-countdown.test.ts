import { describe, expect, it } from 'vitest';
import { countdown, progressText, secondsLeft, vmProgress } from '../src/features/operations/lib/countdown';
import { parseParallelism } from '../src/features/operations/lib/parallelism';
import { FORCE_AFTER, parseForceAfter } from '../src/lib/force-after';
import { opVm } from './operations-fixtures';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

describe('the countdown', () => {
  it('counts whole seconds down to a deadline, rounding up, never below zero', () => {
    expect(secondsLeft(at(83), T0)).toBe(83);
    expect(secondsLeft(at(83), T0 + 200)).toBe(83);
    expect(secondsLeft(at(83), T0 + 1000)).toBe(82);
    expect(secondsLeft(at(1), T0 + 999)).toBe(1);
    expect(secondsLeft(at(1), T0 + 1000)).toBe(0);
    expect(secondsLeft(at(1), T0 + 60_000)).toBe(0);
    expect(secondsLeft(T0 + 5000, T0)).toBe(5);
    expect(secondsLeft(null, T0)).toBeNull();
    expect(secondsLeft('not a date', T0)).toBeNull();
    expect(countdown(at(83), T0)).toBe('1:23');
    expect(countdown(at(83), T0 + 90_000)).toBe('0:00');
    expect(countdown(null, T0)).toBeNull();
  });
});

describe('what an operation VM is doing', () => {
  const escalating = { action: 'shutdown' as const, forceAfterS: 120 };

  it('an escalating shut down waiting for the guest counts down to the force off', () => {
    const vm = opVm(1, { state: 'active', step: 'poweroff', deadline: at(83) });
    const p = vmProgress(escalating, vm);
    expect(p).toEqual({ kind: 'force', deadline: at(83) });
    expect(progressText(p, T0)).toBe('Forcing off in 1:23');
    expect(progressText(p, T0 + 82_500)).toBe('Forcing off in 0:01');
    expect(progressText(p, T0 + 83_000)).toBe('Forcing off now');
  });

  it('once escalated (at the deadline or Force now) it says so, no countdown', () => {
    const vm = opVm(1, { state: 'active', step: 'kill', deadline: at(30), escalated: true });
    expect(vmProgress(escalating, vm)).toEqual({ kind: 'text', text: 'Forced off; waiting for it to stop' });
  });

  it('a plain shut down or reboot counts down to its timeout', () => {
    const vm = opVm(1, { state: 'active', step: 'reset' as never, deadline: at(110) });
    const p = vmProgress({ action: 'reboot', forceAfterS: null }, { ...vm, step: 'reboot' });
    expect(progressText(p, T0)).toBe('Rebooting · times out in 1:50');
    const s = vmProgress({ action: 'shutdown', forceAfterS: null }, { ...vm, step: 'poweroff' });
    expect(progressText(s, T0)).toBe('Shutting down · times out in 1:50');
  });

  it('waiting for a slot, and being sent', () => {
    expect(progressText(vmProgress(escalating, opVm(1)), T0)).toBe('Waiting for its turn');
    expect(progressText(vmProgress(escalating, opVm(1, { state: 'active' })), T0)).toBe('Sending');
  });
});

describe('the seconds fields', () => {
  it('force off after: whole seconds within the bounds of a shut down step', () => {
    expect(FORCE_AFTER.default).toBe(120);
    expect(parseForceAfter('120')).toBe(120);
    expect(parseForceAfter(' 45 ')).toBe(45);
    expect(parseForceAfter(String(FORCE_AFTER.min))).toBe(FORCE_AFTER.min);
    expect(parseForceAfter(String(FORCE_AFTER.max))).toBe(FORCE_AFTER.max);
    expect(parseForceAfter(String(FORCE_AFTER.min - 1))).toBeNull();
    expect(parseForceAfter(String(FORCE_AFTER.max + 1))).toBeNull();
    expect(parseForceAfter('12.5')).toBeNull();
    expect(parseForceAfter('-30')).toBeNull();
    expect(parseForceAfter('')).toBeNull();
    expect(parseForceAfter('1e2')).toBeNull();
  });

  it('VMs at once: 1 to 16', () => {
    expect(parseParallelism('4')).toBe(4);
    expect(parseParallelism('1')).toBe(1);
    expect(parseParallelism('16')).toBe(16);
    expect(parseParallelism('0')).toBeNull();
    expect(parseParallelism('17')).toBeNull();
    expect(parseParallelism('two')).toBeNull();
    expect(parseParallelism('')).toBeNull();
  });
});
