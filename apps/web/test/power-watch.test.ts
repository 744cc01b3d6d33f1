import type { PowerStatus } from '@powerdeck/contracts/power';
import { describe, expect, it } from 'vitest';
import type { ActionId } from '../src/features/power/lib/actions';
import {
  hasMoved,
  isActive,
  isOverdue,
  newWatch,
  observe,
  type Watch,
} from '../src/features/power/lib/watch';

interface Polled {
  status: PowerStatus;
  started: number | null;
  statusInfo: string;
}
const at = (status: PowerStatus, started: number | null = 1000, statusInfo = ''): Polled => ({
  status,
  started,
  statusInfo,
});

function watch(action: ActionId, from: Polled): Watch {
  return newWatch({ id: 1, vm: { key: 7, ...from }, vmName: 'web-01', action, startedAt: 0 });
}

/** Feeds polls one after another; returns the watch after each. */
function run(action: ActionId, from: Polled, polls: Polled[]): Watch[] {
  let w = watch(action, from);
  return polls.map((p, i) => (w = observe(w, p, (i + 1) * 1000)));
}
const outcome = (ws: Watch[]) => ws.map((w) => w.outcome?.kind ?? 'watching');

describe('start (poweron)', () => {
  it('is done once running, not when the POST returns or while starting', () => {
    const ws = run('start', at('stopped'), [at('stopped'), at('starting', 2000), at('running', 2000)]);
    expect(outcome(ws)).toEqual(['watching', 'watching', 'done']);
    expect(hasMoved(ws[0]!)).toBe(false);
    expect(hasMoved(ws[1]!)).toBe(true);
  });

  it('is done when a poll missed the starting phase', () => {
    expect(outcome(run('start', at('hibernated'), [at('running', 2000)]))).toEqual(['done']);
  });

  it('fails when it ends in error, with the status_info', () => {
    const ws = run('start', at('stopped'), [at('starting', 2000), at('error', 2000, 'qemu exited')]);
    expect(ws[1]!.outcome).toEqual({ kind: 'failed', status: 'error', statusInfo: 'qemu exited' });
  });

  it('fails when it falls back to stopped after starting', () => {
    expect(outcome(run('start', at('stopped'), [at('starting', 2000), at('stopped', 2000)]))).toEqual([
      'watching',
      'failed',
    ]);
  });

  it('a retried start of a VM in error waits until it visibly tried again', () => {
    const from = at('error', 1000, 'disk missing');
    expect(outcome(run('start', from, [at('error', 1000, 'disk missing')]))).toEqual(['watching']);
    // it went through starting and failed again
    expect(outcome(run('start', from, [at('starting', 2000), at('error', 2000, 'disk missing')]))).toEqual([
      'watching',
      'failed',
    ]);
    // the starting phase was missed, but `started` changed
    expect(outcome(run('start', from, [at('error', 2000, 'disk missing')]))).toEqual(['failed']);
    // or VergeOS wrote a new status_info
    expect(outcome(run('start', from, [at('error', 1000, 'no room on node2')]))).toEqual(['failed']);
    expect(outcome(run('start', from, [at('starting', 2000), at('running', 2000)]))).toEqual([
      'watching',
      'done',
    ]);
  });

  it('waits through waitingforresources', () => {
    expect(
      outcome(run('start', at('stopped'), [at('waitingforresources'), at('starting', 2), at('running', 2)])),
    ).toEqual(['watching', 'watching', 'done']);
  });
});

describe('shut down (poweroff) and force off (kill)', () => {
  for (const action of ['shutdown', 'forceOff'] as const) {
    it(`${action}: done once stopped`, () => {
      expect(outcome(run(action, at('running'), [at('running'), at('stopping'), at('stopped')]))).toEqual([
        'watching',
        'watching',
        'done',
      ]);
    });
    it(`${action}: fails in error`, () => {
      expect(outcome(run(action, at('running'), [at('stopping'), at('error', 1000, 'node lost')]))).toEqual([
        'watching',
        'failed',
      ]);
    });
  }

  it('a guest that ignores ACPI stays running: still watching (the timeout takes over)', () => {
    const ws = run('shutdown', at('running'), [at('running'), at('running'), at('running')]);
    expect(outcome(ws)).toEqual(['watching', 'watching', 'watching']);
    expect(hasMoved(ws[2]!)).toBe(false);
  });

  it('a shut down the guest undid (stopping, then running again) has failed', () => {
    expect(outcome(run('shutdown', at('running'), [at('stopping'), at('running')]))).toEqual([
      'watching',
      'failed',
    ]);
  });

  it('force off from starting, stopping or unresponsive: done once stopped', () => {
    for (const from of ['starting', 'stopping', 'unresponsive'] as const) {
      expect(outcome(run('forceOff', at(from), [at(from), at('stopped')]))).toEqual(['watching', 'done']);
    }
  });
});

describe('reboot (graceful reset) and hard reset', () => {
  for (const action of ['reboot', 'reset'] as const) {
    it(`${action}: running → running with the same started is not done yet`, () => {
      expect(outcome(run(action, at('running', 1000), [at('running', 1000), at('running', 1000)]))).toEqual([
        'watching',
        'watching',
      ]);
    });

    it(`${action}: done after going through stopping/starting and running again`, () => {
      const ws = run(action, at('running', 1000), [
        at('stopping', 1000),
        at('starting', 1000),
        at('running', 1000),
      ]);
      expect(outcome(ws)).toEqual(['watching', 'watching', 'done']);
      expect(ws[0]!.sawTransit).toBe(true);
    });

    it(`${action}: done when a poll missed the transit but started changed`, () => {
      expect(outcome(run(action, at('running', 1000), [at('running', 5000)]))).toEqual(['done']);
    });

    it(`${action}: fails if it ends stopped or in error`, () => {
      expect(outcome(run(action, at('running'), [at('stopping'), at('stopped')]))).toEqual([
        'watching',
        'failed',
      ]);
      expect(outcome(run(action, at('running'), [at('starting'), at('error')]))).toEqual([
        'watching',
        'failed',
      ]);
    });
  }

  it('reset of an unresponsive VM is done once it is running', () => {
    expect(outcome(run('reset', at('unresponsive', 1000), [at('running', 1000)]))).toEqual(['done']);
  });
});

describe('hibernate', () => {
  it('done once hibernated', () => {
    expect(outcome(run('hibernate', at('running'), [at('hibernating'), at('hibernated')]))).toEqual([
      'watching',
      'done',
    ]);
  });
  it('fails if it stops instead, or comes back running', () => {
    expect(outcome(run('hibernate', at('running'), [at('stopped')]))).toEqual(['failed']);
    expect(outcome(run('hibernate', at('running'), [at('hibernating'), at('running')]))).toEqual([
      'watching',
      'failed',
    ]);
  });
});

describe('observe', () => {
  it('returns the same object when nothing changed (a store can tell)', () => {
    const w = watch('shutdown', at('running'));
    expect(observe(w, at('running'), 1000)).toBe(w);
    const moved = observe(w, at('stopping'), 1000);
    expect(moved).not.toBe(w);
    expect(observe(moved, at('stopping'), 2000)).toBe(moved);
  });

  it('a VM no longer in the fleet is gone', () => {
    expect(observe(watch('start', at('stopped')), undefined, 5000)).toMatchObject({
      outcome: { kind: 'gone' },
      finishedAt: 5000,
    });
  });

  it('a finished watch does not change again', () => {
    const done = observe(watch('start', at('stopped')), at('running'), 1000);
    expect(observe(done, at('stopped'), 2000)).toBe(done);
    expect(isActive(done)).toBe(false);
  });

  it('records when it finished', () => {
    expect(observe(watch('start', at('stopped')), at('running'), 4321).finishedAt).toBe(4321);
  });
});

describe('isOverdue', () => {
  it("past the guide's timeout for the action and not finished", () => {
    const w = watch('shutdown', at('running'));
    expect(isOverdue(w, 120_000)).toBe(false);
    expect(isOverdue(w, 120_001)).toBe(true);
    expect(isOverdue(watch('forceOff', at('running')), 30_001)).toBe(true);
    expect(isOverdue(observe(w, at('stopped'), 1), 500_000)).toBe(false);
  });
});
