// The power state machine of one machine. Pure: every function takes the time and returns or mutates the
// runtime it is given; the cluster does placement and resource accounting around it.
//
//   poweron    stopped | error | hibernated  -> starting (3 s; 4 s from hibernated) -> running
//   poweroff   running -> stopping (the guest's own shutdown time) -> stopped; a guest that ignores
//              ACPI stays running. While stopping: accepted, nothing more happens. Refused while starting.
//   kill       running | starting | stopping | hibernating -> stopping (2 s) -> stopped
//   reset      running -> starting (1.5 s) -> running, with a new `started`
//   reset {graceful}  running -> stopping (shutdown time) -> starting (3 s) -> running; ignored like poweroff
//   hibernate  running -> hibernating (2 s + 0.25 s/GB) -> hibernated (off, no node)
// Anything else is a 409.

import { epochSeconds } from './clock';
import { HARD_RESET_MS, KILL_MS, REBOOT_START_MS, RESUME_MS, START_MS, hibernateMs } from './timings';

export const POWER_ACTIONS = ['poweron', 'poweroff', 'kill', 'reset', 'hibernate'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

export function isPowerAction(value: unknown): value is PowerAction {
  return typeof value === 'string' && (POWER_ACTIONS as readonly string[]).includes(value);
}

export const MACHINE_STATUSES = [
  'running',
  'stopped',
  'starting',
  'stopping',
  'hibernating',
  'hibernated',
  'error',
] as const;
export type MachineStatus = (typeof MACHINE_STATUSES)[number];

/** What happens when the current phase ends. `reboot` starts the machine again after a guest shutdown. */
type PhaseEnd = 'running' | 'stopped' | 'reboot' | 'error' | 'hibernated';

interface Phase {
  /** Clock time (ms) at which the phase ends. */
  until: number;
  then: PhaseEnd;
  /** status_info for `then: 'error'`. */
  info?: string;
}

export interface MachineRuntime {
  status: MachineStatus;
  statusInfo: string;
  node: number | null;
  /** Epoch seconds. */
  started: number;
  lastUpdate: number;
  runningCores: number;
  runningRam: number;
  phase: Phase | null;
}

/** `running` and `powerstate` are true while the machine holds a node: running and the transitions around it. */
export function isPowered(status: MachineStatus): boolean {
  return status === 'running' || status === 'starting' || status === 'stopping' || status === 'hibernating';
}

/** The `state` column: online, offline or error. */
export function stateOf(status: MachineStatus): 'online' | 'offline' | 'error' {
  if (status === 'error') return 'error';
  return isPowered(status) ? 'online' : 'offline';
}

/** A 409: the real message (`err`) and the guide's (`error`). */
export interface Conflict {
  readonly kind: 'conflict';
  readonly err: string;
  readonly error: string;
}

export type Plan =
  | { readonly kind: 'start'; readonly resume: boolean }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'kill' }
  | { readonly kind: 'hardReset' }
  | { readonly kind: 'reboot' }
  | { readonly kind: 'hibernate' }
  /** Accepted, and nothing happens (a guest that ignores ACPI; a second poweroff while stopping). */
  | { readonly kind: 'nothing' };

interface PlanContext {
  /** reset with params.graceful true. */
  readonly graceful: boolean;
  readonly ignoresAcpi: boolean;
  readonly isSnapshot: boolean;
}

const VERB: Record<PowerAction, string> = {
  poweron: 'starting',
  poweroff: 'stopping',
  kill: 'killing',
  reset: 'resetting',
  hibernate: 'hibernating',
};

const GUIDE_VERB: Record<PowerAction, string> = {
  poweron: 'power on',
  poweroff: 'power off',
  kill: 'kill',
  reset: 'reset',
  hibernate: 'hibernate',
};

function notRunning(action: PowerAction, status: MachineStatus): Conflict {
  return {
    kind: 'conflict',
    err: `Error ${VERB[action]} machine: Machine is not running with status '${status}'`,
    error: `Cannot ${GUIDE_VERB[action]} VM: not in running state`,
  };
}

/** Decides what an action does from the machine's current status, or why it is refused. */
export function planAction(rt: MachineRuntime, action: PowerAction, ctx: PlanContext): Plan | Conflict {
  const s = rt.status;
  switch (action) {
    case 'poweron':
      if (ctx.isSnapshot)
        return {
          kind: 'conflict',
          err: 'Error starting machine: a snapshot cannot be powered on',
          error: 'Cannot power on VM: it is a snapshot',
        };
      if (isPowered(s))
        return {
          kind: 'conflict',
          err: `Error starting machine: Machine is already running with status '${s}'`,
          error: `Cannot power on VM: already in ${s} state`,
        };
      return { kind: 'start', resume: s === 'hibernated' };
    case 'poweroff':
      if (s === 'running') return ctx.ignoresAcpi ? { kind: 'nothing' } : { kind: 'shutdown' };
      if (s === 'stopping') return { kind: 'nothing' };
      return notRunning(action, s);
    case 'kill':
      if (isPowered(s)) return { kind: 'kill' };
      return notRunning(action, s);
    case 'reset':
      if (s !== 'running') return notRunning(action, s);
      if (!ctx.graceful) return { kind: 'hardReset' };
      return ctx.ignoresAcpi ? { kind: 'nothing' } : { kind: 'reboot' };
    case 'hibernate':
      if (s !== 'running') return notRunning(action, s);
      return { kind: 'hibernate' };
  }
}

interface ApplyContext {
  /** Clock time (ms). */
  readonly now: number;
  readonly timeScale: number;
  /** The guest's shutdown time at time scale 1. */
  readonly shutdownMs: number;
  /** The VM's configured cores and RAM, taken when it starts. */
  readonly cores: number;
  readonly ram: number;
  /** For `start`: the node chosen by placement. */
  readonly node?: number;
  /** For `start`: the start will fail with this status_info (the `start-fails` scenario). */
  readonly failWith?: string;
}

function scaled(ms: number, timeScale: number): number {
  return ms * timeScale;
}

/** Carries out an accepted plan. */
export function applyPlan(rt: MachineRuntime, plan: Plan, ctx: ApplyContext): void {
  const { now, timeScale } = ctx;
  const stamp = epochSeconds(now);
  switch (plan.kind) {
    case 'nothing':
      return;
    case 'start': {
      if (ctx.node === undefined) throw new Error('start without a node');
      rt.status = 'starting';
      rt.statusInfo = '';
      rt.node = ctx.node;
      rt.started = stamp;
      rt.runningCores = ctx.cores;
      rt.runningRam = ctx.ram;
      const until = now + scaled(plan.resume ? RESUME_MS : START_MS, timeScale);
      rt.phase =
        ctx.failWith === undefined
          ? { until, then: 'running' }
          : { until, then: 'error', info: ctx.failWith };
      break;
    }
    case 'shutdown':
      rt.status = 'stopping';
      rt.phase = { until: now + scaled(ctx.shutdownMs, timeScale), then: 'stopped' };
      break;
    case 'kill': {
      const until = now + scaled(KILL_MS, timeScale);
      rt.status = 'stopping';
      // A kill never makes a stop take longer than it already would.
      rt.phase =
        rt.phase && rt.phase.then === 'stopped' && rt.phase.until < until
          ? rt.phase
          : { until, then: 'stopped' };
      break;
    }
    case 'hardReset':
      rt.status = 'starting';
      rt.started = stamp;
      rt.phase = { until: now + scaled(HARD_RESET_MS, timeScale), then: 'running' };
      break;
    case 'reboot':
      rt.status = 'stopping';
      rt.phase = { until: now + scaled(ctx.shutdownMs, timeScale), then: 'reboot' };
      break;
    case 'hibernate':
      rt.status = 'hibernating';
      rt.phase = { until: now + scaled(hibernateMs(rt.runningRam), timeScale), then: 'hibernated' };
      break;
  }
  rt.lastUpdate = stamp;
}

/**
 * Moves the machine through every phase that has ended by `now`, each at its own end time, so the
 * timestamps are what they would have been had someone watched. Returns true when anything changed.
 */
export function advance(rt: MachineRuntime, now: number, timeScale: number): boolean {
  let changed = false;
  while (rt.phase && rt.phase.until <= now) {
    const { until, then, info } = rt.phase;
    const stamp = epochSeconds(until);
    rt.phase = null;
    rt.lastUpdate = stamp;
    changed = true;
    switch (then) {
      case 'running':
        rt.status = 'running';
        break;
      case 'stopped':
        rt.status = 'stopped';
        rt.node = null;
        break;
      case 'hibernated':
        rt.status = 'hibernated';
        rt.node = null;
        break;
      case 'error':
        rt.status = 'error';
        rt.statusInfo = info ?? 'Error starting machine';
        rt.node = null;
        break;
      case 'reboot':
        rt.status = 'starting';
        rt.started = stamp;
        rt.phase = { until: until + scaled(REBOOT_START_MS, timeScale), then: 'running' };
        break;
    }
  }
  return changed;
}
