// waitForPowerState: poll a VM's machine status until it reaches a settled state.
//
// The guide's loop (`poll machine_status until powerstate == desired`) is wrong in two ways: `powerstate` (and
// `running`) are already true while the machine is `starting`, and stay true while it is `stopping`. So here
// "running" means status `running`, "stopped" means status `stopped`, "hibernated" means status `hibernated`;
// every other status is "not there yet", except `error` while waiting for `running`, which fails at once.

import {
  VergeAbortError,
  VergeApiError,
  VergeNetworkError,
  VergePowerStateError,
  VergeWaitTimeoutError,
} from './errors';
import { RETRYABLE_STATUSES } from './http';
import type { CallOptions, MachineStatus, MachineStatusValue, VmAction, VmKey } from './types';

/**
 * How long to wait for each action to take effect (the guide's upper bounds): power on 60 s, graceful shut down
 * 120 s, force off 30 s, reboot 120 s. Hibernate is not in the guide; it writes RAM to disk, so it gets 120 s too.
 */
export const POWER_TIMEOUTS_MS = {
  poweron: 60_000,
  poweroff: 120_000,
  kill: 30_000,
  reset: 120_000,
  hibernate: 120_000,
} as const satisfies Record<VmAction, number>;

/** The settled states one can wait for. */
export const DESIRED_POWER_STATES = ['running', 'stopped', 'hibernated'] as const;
export type DesiredPowerState = (typeof DESIRED_POWER_STATES)[number];

/** The state each action leads to. */
export const ACTION_OUTCOME = {
  poweron: 'running',
  poweroff: 'stopped',
  kill: 'stopped',
  reset: 'running',
  hibernate: 'hibernated',
} as const satisfies Record<VmAction, DesiredPowerState>;

/** Default time limit when neither `timeoutMs` nor `action` is given. */
const DEFAULT_TIMEOUT_FOR: Record<DesiredPowerState, number> = {
  running: POWER_TIMEOUTS_MS.poweron,
  stopped: POWER_TIMEOUTS_MS.poweroff,
  hibernated: POWER_TIMEOUTS_MS.hibernate,
};

export const DEFAULT_POLL_INTERVAL_MS = 2_000;

export interface PowerProgress {
  /** The status just observed. */
  status: MachineStatusValue;
  statusInfo: string;
  machineStatus: MachineStatus;
  /** Milliseconds since the wait began. */
  elapsedMs: number;
  /** How many statuses have been observed so far, this one included. */
  polls: number;
}

export interface WaitForPowerStateOptions {
  /** The action that was sent; picks the default time limit from POWER_TIMEOUTS_MS. */
  action?: VmAction;
  /** Overall time limit (default: by `action`, else by `desired`: running 60 s, stopped/hibernated 120 s). */
  timeoutMs?: number;
  /** Pause between polls (default 2 s). */
  intervalMs?: number;
  /** Aborts the wait: it rejects with VergeAbortError. */
  signal?: AbortSignal;
  /** Called with every observed status. An exception thrown by it ends the wait with that exception. */
  onProgress?: (progress: PowerProgress) => void;
  /** The VM's machine key, if known: saves the lookup of `vm.machine`. */
  machineKey?: number;
}

/** What the wait needs from the client. */
export interface PowerStateSource {
  machineKeyOf(vm: VmKey, options: CallOptions): Promise<number>;
  statusOf(machineKey: number, options: CallOptions): Promise<MachineStatus>;
}

function isTransient(error: unknown): boolean {
  if (error instanceof VergeApiError) return RETRYABLE_STATUSES.includes(error.status);
  return error instanceof VergeNetworkError;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new VergeAbortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new VergeAbortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Resolves the VM's machine key, then polls its machine status until `status === desired`. Resolves with the
 * status row that matched. Rejects with VergePowerStateError (status `error` while waiting for `running`, with its
 * `status_info`), VergeWaitTimeoutError (time limit; carries the last status seen), VergeAbortError (the caller's
 * signal), or the API error that made polling impossible (401, 403, 404, ...). Transient poll failures (network,
 * timeout, 5xx, each already retried by the transport) do not end the wait; the time limit does.
 */
export async function waitForPowerState(
  source: PowerStateSource,
  vm: VmKey,
  desired: DesiredPowerState,
  options: WaitForPowerStateOptions = {},
): Promise<MachineStatus> {
  if (!(DESIRED_POWER_STATES as readonly string[]).includes(desired)) {
    throw new TypeError(`desired must be one of ${DESIRED_POWER_STATES.join(', ')}`);
  }
  const timeoutMs =
    options.timeoutMs ?? (options.action ? POWER_TIMEOUTS_MS[options.action] : DEFAULT_TIMEOUT_FOR[desired]);
  const intervalMs = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number');
  if (!(intervalMs >= 0)) throw new TypeError('intervalMs must be >= 0');

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  let last: MachineStatus | undefined;
  let lastError: unknown;
  let polls = 0;

  const timedOut = () =>
    new VergeWaitTimeoutError({ desired, timeoutMs, elapsedMs: elapsed(), last, cause: lastError });

  try {
    if (options.signal?.aborted) throw new VergeAbortError();
    const machineKey = options.machineKey ?? (await source.machineKeyOf(vm, { signal }));
    for (;;) {
      try {
        const status = await source.statusOf(machineKey, { signal });
        last = status;
        lastError = undefined;
        polls++;
        options.onProgress?.({
          status: status.status,
          statusInfo: status.status_info,
          machineStatus: status,
          elapsedMs: elapsed(),
          polls,
        });
        if (status.status === desired) return status;
        if (desired === 'running' && status.status === 'error')
          throw new VergePowerStateError(status, elapsed());
      } catch (error) {
        if (!isTransient(error)) throw error;
        lastError = error;
      }
      await pause(intervalMs, signal);
    }
  } catch (error) {
    if (options.signal?.aborted) {
      throw error instanceof VergeAbortError ? error : new VergeAbortError({ cause: error });
    }
    if (deadline.signal.aborted && error instanceof VergeAbortError) throw timedOut();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
