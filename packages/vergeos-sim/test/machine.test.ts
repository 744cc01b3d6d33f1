import { describe, expect, it } from 'vitest';
import {
  MACHINE_STATUSES,
  POWER_ACTIONS,
  advance,
  applyPlan,
  isPowered,
  planAction,
  stateOf,
  type MachineRuntime,
  type MachineStatus,
  type Plan,
  type PowerAction,
} from '../src/machine';
import { HARD_RESET_MS, KILL_MS, REBOOT_START_MS, RESUME_MS, START_MS, hibernateMs } from '../src/timings';

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const S0 = T0 / 1000;

function runtime(status: MachineStatus, over: Partial<MachineRuntime> = {}): MachineRuntime {
  const powered = isPowered(status);
  return {
    status,
    statusInfo: '',
    node: powered ? 1 : null,
    started: S0 - 3600,
    lastUpdate: S0 - 60,
    runningCores: 2,
    runningRam: 4096,
    phase: null,
    ...over,
  };
}

const ctx = { graceful: false, ignoresAcpi: false, isSnapshot: false };
const apply = (rt: MachineRuntime, plan: Plan, over: Record<string, unknown> = {}) =>
  applyPlan(rt, plan, { now: T0, timeScale: 1, shutdownMs: 20000, cores: 4, ram: 8192, ...over });

function plan(rt: MachineRuntime, action: PowerAction, over: Partial<typeof ctx> = {}): Plan {
  const p = planAction(rt, action, { ...ctx, ...over });
  if (p.kind === 'conflict') throw new Error(`unexpected conflict: ${p.err}`);
  return p;
}

describe('which state accepts which action', () => {
  // [action, status] -> plan kind, or 409
  const table: Record<PowerAction, Record<MachineStatus, string>> = {
    poweron: {
      running: '409',
      stopped: 'start',
      starting: '409',
      stopping: '409',
      hibernating: '409',
      hibernated: 'start',
      error: 'start',
    },
    poweroff: {
      running: 'shutdown',
      stopped: '409',
      starting: '409',
      stopping: 'nothing',
      hibernating: '409',
      hibernated: '409',
      error: '409',
    },
    kill: {
      running: 'kill',
      stopped: '409',
      starting: 'kill',
      stopping: 'kill',
      hibernating: 'kill',
      hibernated: '409',
      error: '409',
    },
    reset: {
      running: 'hardReset',
      stopped: '409',
      starting: '409',
      stopping: '409',
      hibernating: '409',
      hibernated: '409',
      error: '409',
    },
    hibernate: {
      running: 'hibernate',
      stopped: '409',
      starting: '409',
      stopping: '409',
      hibernating: '409',
      hibernated: '409',
      error: '409',
    },
  };
  for (const action of POWER_ACTIONS)
    for (const status of MACHINE_STATUSES)
      it(`${action} when ${status}: ${table[action][status]}`, () => {
        const p = planAction(runtime(status), action, ctx);
        expect(p.kind === 'conflict' ? '409' : p.kind).toBe(table[action][status]);
      });

  it('graceful reset of a running guest is a reboot; a guest ignoring ACPI does nothing', () => {
    expect(plan(runtime('running'), 'reset', { graceful: true }).kind).toBe('reboot');
    expect(plan(runtime('running'), 'reset', { graceful: true, ignoresAcpi: true }).kind).toBe('nothing');
    expect(plan(runtime('running'), 'reset', { ignoresAcpi: true }).kind).toBe('hardReset');
  });

  it('poweroff of a guest that ignores ACPI is accepted and does nothing', () => {
    expect(plan(runtime('running'), 'poweroff', { ignoresAcpi: true }).kind).toBe('nothing');
  });

  it('a snapshot cannot be powered on', () => {
    const p = planAction(runtime('stopped'), 'poweron', { ...ctx, isSnapshot: true });
    expect(p).toMatchObject({
      kind: 'conflict',
      err: 'Error starting machine: a snapshot cannot be powered on',
    });
  });
});

describe('409 texts', () => {
  it('poweron of a running machine: the real text and the guide text', () => {
    expect(planAction(runtime('running'), 'poweron', ctx)).toEqual({
      kind: 'conflict',
      err: "Error starting machine: Machine is already running with status 'running'",
      error: 'Cannot power on VM: already in running state',
    });
  });
  it('poweroff of a stopped machine', () => {
    expect(planAction(runtime('stopped'), 'poweroff', ctx)).toEqual({
      kind: 'conflict',
      err: "Error stopping machine: Machine is not running with status 'stopped'",
      error: 'Cannot power off VM: not in running state',
    });
  });
  it('poweroff while starting is refused', () => {
    expect(planAction(runtime('starting'), 'poweroff', ctx)).toMatchObject({
      err: "Error stopping machine: Machine is not running with status 'starting'",
    });
  });
  it('kill, reset and hibernate of a stopped machine', () => {
    for (const [action, verb, guide] of [
      ['kill', 'killing', 'kill'],
      ['reset', 'resetting', 'reset'],
      ['hibernate', 'hibernating', 'hibernate'],
    ] as const)
      expect(planAction(runtime('stopped'), action, ctx)).toEqual({
        kind: 'conflict',
        err: `Error ${verb} machine: Machine is not running with status 'stopped'`,
        error: `Cannot ${guide} VM: not in running state`,
      });
  });
});

describe('transitions and timings', () => {
  it('poweron: starting for 3 s (scaled), then running; node, cores, RAM and started set at once', () => {
    const rt = runtime('stopped');
    apply(rt, plan(rt, 'poweron'), { node: 2, timeScale: 0.5 });
    expect(rt).toMatchObject({
      status: 'starting',
      node: 2,
      runningCores: 4,
      runningRam: 8192,
      started: S0,
      lastUpdate: S0,
    });
    expect(isPowered(rt.status)).toBe(true);
    expect(advance(rt, T0 + START_MS * 0.5 - 1, 0.5)).toBe(false);
    expect(rt.status).toBe('starting');
    expect(advance(rt, T0 + START_MS * 0.5, 0.5)).toBe(true);
    expect(rt).toMatchObject({ status: 'running', node: 2, phase: null, lastUpdate: S0 + 1 });
  });

  it('poweron from hibernated resumes in 4 s', () => {
    const rt = runtime('hibernated');
    apply(rt, plan(rt, 'poweron'), { node: 1 });
    advance(rt, T0 + RESUME_MS - 1, 1);
    expect(rt.status).toBe('starting');
    advance(rt, T0 + RESUME_MS, 1);
    expect(rt.status).toBe('running');
  });

  it('poweroff: stopping for the guest shutdown time, then stopped with node null, keeping started/cores/RAM', () => {
    const rt = runtime('running');
    apply(rt, plan(rt, 'poweroff'), { shutdownMs: 30000 });
    expect(rt.status).toBe('stopping');
    advance(rt, T0 + 29999, 1);
    expect(rt.status).toBe('stopping');
    advance(rt, T0 + 30000, 1);
    expect(rt).toMatchObject({
      status: 'stopped',
      node: null,
      started: S0 - 3600,
      runningCores: 2,
      runningRam: 4096,
      lastUpdate: S0 + 30,
    });
  });

  it('kill: stopping about 2 s, then stopped; shortens a slower graceful shutdown', () => {
    const rt = runtime('running');
    apply(rt, plan(rt, 'poweroff'), { shutdownMs: 60000 });
    apply(rt, plan(rt, 'kill'), { now: T0 + 10000 });
    advance(rt, T0 + 10000 + KILL_MS, 1);
    expect(rt.status).toBe('stopped');
  });

  it('kill never makes a nearly finished shutdown longer', () => {
    const rt = runtime('running');
    apply(rt, plan(rt, 'poweroff'), { shutdownMs: 5000 });
    apply(rt, plan(rt, 'kill'), { now: T0 + 4500 });
    advance(rt, T0 + 5000, 1);
    expect(rt.status).toBe('stopped');
  });

  it('kill while starting stops the machine', () => {
    const rt = runtime('stopped');
    apply(rt, plan(rt, 'poweron'), { node: 1 });
    apply(rt, plan(rt, 'kill'), { now: T0 + 1000 });
    expect(rt.status).toBe('stopping');
    advance(rt, T0 + 1000 + KILL_MS, 1);
    expect(rt).toMatchObject({ status: 'stopped', node: null });
  });

  it('hard reset: starting 1.5 s with a new started, same node, then running', () => {
    const rt = runtime('running', { node: 3 });
    apply(rt, plan(rt, 'reset'));
    expect(rt).toMatchObject({ status: 'starting', started: S0, node: 3 });
    advance(rt, T0 + HARD_RESET_MS, 1);
    expect(rt).toMatchObject({ status: 'running', node: 3 });
  });

  it('graceful reset: stopping (guest time), starting 3 s with a new started, running; node kept throughout', () => {
    const rt = runtime('running', { node: 2 });
    apply(rt, plan(rt, 'reset', { graceful: true }), { shutdownMs: 10000 });
    expect(rt.status).toBe('stopping');
    advance(rt, T0 + 10000, 1);
    expect(rt).toMatchObject({ status: 'starting', node: 2, started: S0 + 10 });
    advance(rt, T0 + 10000 + REBOOT_START_MS, 1);
    expect(rt).toMatchObject({ status: 'running', node: 2, started: S0 + 10 });
  });

  it('a late look replays every phase at its own time', () => {
    const rt = runtime('running');
    apply(rt, plan(rt, 'reset', { graceful: true }), { shutdownMs: 10000 });
    advance(rt, T0 + 3_600_000, 1);
    expect(rt).toMatchObject({ status: 'running', started: S0 + 10, lastUpdate: S0 + 13 });
  });

  it('hibernate: hibernating, then hibernated with running false and node null', () => {
    const rt = runtime('running', { runningRam: 8192 });
    apply(rt, plan(rt, 'hibernate'));
    expect(rt.status).toBe('hibernating');
    expect(isPowered(rt.status)).toBe(true);
    advance(rt, T0 + hibernateMs(8192), 1);
    expect(rt).toMatchObject({ status: 'hibernated', node: null });
    expect(isPowered(rt.status)).toBe(false);
    expect(stateOf(rt.status)).toBe('offline');
  });

  it('a failing start: starting, then error with status_info and no node', () => {
    const rt = runtime('stopped');
    apply(rt, plan(rt, 'poweron'), { node: 1, failWith: 'Error starting machine: boom' });
    advance(rt, T0 + START_MS, 1);
    expect(rt).toMatchObject({ status: 'error', statusInfo: 'Error starting machine: boom', node: null });
    expect(stateOf('error')).toBe('error');
  });

  it('time scale 0 finishes at the next look', () => {
    const rt = runtime('stopped');
    apply(rt, plan(rt, 'poweron'), { node: 1, timeScale: 0 });
    advance(rt, T0, 0);
    expect(rt.status).toBe('running');
  });

  it('running and powerstate are true exactly while the machine holds a node', () => {
    for (const s of MACHINE_STATUSES)
      expect(isPowered(s)).toBe(['running', 'starting', 'stopping', 'hibernating'].includes(s));
  });
});
