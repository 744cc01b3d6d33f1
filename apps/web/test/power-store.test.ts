import { describe, expect, it, vi } from 'vitest';
import { createActionStore } from '../src/features/power/lib/action-store';

const vm = (
  key: number,
  status: 'running' | 'stopped' | 'stopping' | 'starting' = 'running',
  started = 1000,
) => ({
  key,
  status,
  started,
  statusInfo: '',
});
const msg = { status: 409, text: 'no' };

describe('the action store', () => {
  it('one click, one watch: a second begin on the same VM is refused while watching', () => {
    const s = createActionStore();
    expect(s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 })).not.toBeNull();
    expect(s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 1 })).toBeNull();
    expect(s.begin({ vm: vm(1), vmName: 'a', action: 'reboot', now: 1 })).toBeNull();
    // another VM is independent
    expect(s.begin({ vm: vm(2), vmName: 'b', action: 'shutdown', now: 1 })).not.toBeNull();
  });

  it('a destructive action may take over a stuck one (the next step), but never repeat itself', () => {
    const s = createActionStore();
    const first = s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 });
    const kill = s.begin({ vm: vm(1), vmName: 'a', action: 'forceOff', now: 130_000, takeOver: true });
    expect(kill?.action).toBe('forceOff');
    expect(kill?.id).not.toBe(first?.id);
    expect(s.begin({ vm: vm(1), vmName: 'a', action: 'forceOff', now: 130_001, takeOver: true })).toBeNull();
  });

  it('a late answer for a replaced watch changes nothing', () => {
    const s = createActionStore();
    const first = s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 })!;
    const second = s.begin({ vm: vm(1), vmName: 'a', action: 'forceOff', now: 1, takeOver: true })!;
    s.failed(1, first.id, msg, false, 2);
    expect(s.get(1)).toBe(second);
  });

  it('after a refusal the VM can be acted on again', () => {
    const s = createActionStore();
    const w = s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 })!;
    s.failed(1, w.id, msg, false, 5);
    expect(s.get(1)?.outcome).toEqual({ kind: 'refused', message: msg });
    expect(s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 6 })).not.toBeNull();
  });

  it('a timeout keeps watching with a notice, and the poll can still finish it', () => {
    const s = createActionStore();
    const w = s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 })!;
    s.failed(1, w.id, { status: 504, text: 'may still happen' }, true, 15_000);
    expect(s.get(1)).toMatchObject({ outcome: null, notice: { status: 504 } });
    s.observeFleet([vm(1, 'stopped')], 20_000);
    expect(s.get(1)?.outcome).toEqual({ kind: 'done' });
  });

  it('an answer that arrives after the poll finished the watch keeps the outcome', () => {
    const s = createActionStore();
    const w = s.begin({ vm: vm(1, 'stopped'), vmName: 'a', action: 'start', now: 0 })!;
    s.observeVm(vm(1, 'running', 2000), 1000);
    s.failed(1, w.id, msg, false, 2000);
    expect(s.get(1)?.outcome).toEqual({ kind: 'done' });
    s.accepted(1, w.id);
  });

  it('records the 201', () => {
    const s = createActionStore();
    const w = s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 })!;
    s.accepted(1, w.id);
    expect(s.get(1)?.posted).toBe(true);
  });

  it('follows the fleet even while no card shows the VM, and tells listeners only on change', () => {
    const s = createActionStore();
    const listener = vi.fn();
    s.begin({ vm: vm(1), vmName: 'a', action: 'reboot', now: 0 });
    s.subscribe(listener);
    s.observeFleet([vm(1, 'running')], 1000);
    expect(listener).not.toHaveBeenCalled();
    s.observeFleet([vm(1, 'stopping'), vm(2)], 2000);
    s.observeFleet([vm(1, 'starting')], 3000);
    s.observeFleet([vm(1, 'running')], 4000);
    expect(listener).toHaveBeenCalledTimes(3);
    expect(s.get(1)).toMatchObject({ outcome: { kind: 'done' }, finishedAt: 4000 });
  });

  it('a VM that left the fleet ends its watch', () => {
    const s = createActionStore();
    s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 });
    s.observeFleet([vm(2)], 1000);
    expect(s.get(1)?.outcome).toEqual({ kind: 'gone' });
  });

  it('dismiss forgets a finished watch, never an active one', () => {
    const s = createActionStore();
    const w = s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 })!;
    s.dismiss(1);
    expect(s.get(1)).toBeDefined();
    s.failed(1, w.id, msg, false, 1);
    s.dismiss(1);
    expect(s.get(1)).toBeUndefined();
  });

  it('unsubscribe stops notifications', () => {
    const s = createActionStore();
    const listener = vi.fn();
    const off = s.subscribe(listener);
    off();
    s.begin({ vm: vm(1), vmName: 'a', action: 'shutdown', now: 0 });
    expect(listener).not.toHaveBeenCalled();
  });
});
