// Watching an action through the polled fleet state. A button keeps its spinner until the VM's
// polled state has moved away from where it started and arrived where the action leads, not
// until the POST returns. Pure: `observe` takes a watch and the VM as polled and returns the next watch.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { PowerStatus } from '@powerdeck/contracts/power';
import { ACTIONS, type ActionId } from './actions';

/** How an action ended, as far as the card is concerned. */
export type Outcome =
  /** The VM reached the state the action leads to. */
  | { kind: 'done' }
  /** It moved, then settled somewhere else (a start that ended in `error`, a shut down that came back up). */
  | { kind: 'failed'; status: PowerStatus; statusInfo: string }
  /** It is no longer in the fleet. */
  | { kind: 'gone' }
  /** The request was refused (or could not be sent): nothing more to watch. */
  | { kind: 'refused'; message: ActionMessage };

/** A message for the card, in plain words, naming the VM and what to do. */
export interface ActionMessage {
  /** HTTP status (0 when the request never got an answer). */
  status: number;
  code?: string;
  text: string;
  /** For a start that failed: ways to get it running. */
  hints?: string[];
}

export interface Watch {
  /** Tells one click's watch from the next one's, so a late answer never updates a newer watch. */
  id: number;
  vmKey: number;
  vmName: string;
  action: ActionId;
  /** When the person confirmed (ms since the epoch): elapsed time counts from here. */
  startedAt: number;
  fromStatus: PowerStatus;
  fromStarted: number | null;
  fromStatusInfo: string;
  timeoutMs: number;
  /** VergeOS accepted the action (201). */
  posted: boolean;
  /** The VM has been seen in a status other than the one it started in and the one the action leads to. */
  sawTransit: boolean;
  /** The last status seen. */
  lastStatus: PowerStatus;
  /** Something to say while still watching (VergeOS did not answer in time; the action may still happen). */
  notice: ActionMessage | null;
  outcome: Outcome | null;
  finishedAt: number | null;
}

type WatchInit = Pick<Watch, 'id' | 'vmName' | 'action' | 'startedAt'> & {
  vm: Pick<FleetVm, 'key' | 'status' | 'started' | 'statusInfo'>;
};

export function newWatch({ id, vm, vmName, action, startedAt }: WatchInit): Watch {
  return {
    id,
    vmKey: vm.key,
    vmName,
    action,
    startedAt,
    fromStatus: vm.status,
    fromStarted: vm.started,
    fromStatusInfo: vm.statusInfo,
    timeoutMs: ACTIONS[action].timeoutMs,
    posted: false,
    sawTransit: false,
    lastStatus: vm.status,
    notice: null,
    outcome: null,
    finishedAt: null,
  };
}

/** Settled statuses: a VM in one of them will not move by itself. */
const SETTLED: ReadonlySet<PowerStatus> = new Set<PowerStatus>(['running', 'stopped', 'hibernated', 'error']);

type Polled = Pick<FleetVm, 'status' | 'started' | 'statusInfo'>;

/**
 * Where the action stands given the VM as polled now:
 * - `start`: done when `running`; failed when it ends in `error` (from `error` itself: once it has
 *   visibly tried again, i.e. moved, `started` or `status_info` changed) or settles `stopped` after moving.
 * - `shutdown`, `forceOff`: done when `stopped`; failed in `error`, or back to `running` after `stopping`.
 * - `hibernate`: done when `hibernated`; failed in `error`, `stopped`, or back to `running` after moving.
 * - `reboot`, `reset`: done when `running` again after going through another status
 *   (stopping/starting), or `running` with a new `started`; failed in `error` or `stopped`.
 */
export function verdict(w: Watch, vm: Polled, sawTransit: boolean): 'watching' | 'done' | 'failed' {
  const target = ACTIONS[w.action].target;
  const s = vm.status;
  const restarted = vm.started !== w.fromStarted;
  const restart = w.action === 'reboot' || w.action === 'reset';

  if (restart) {
    if (s === 'running') return sawTransit || restarted || w.fromStatus !== 'running' ? 'done' : 'watching';
    if (s === 'error' || s === 'stopped' || s === 'hibernated') return 'failed';
    return 'watching';
  }
  if (s === target) return 'done';
  if (s === 'error') {
    if (w.fromStatus !== 'error') return 'failed';
    // A retried start of a VM in error: failed again only once it visibly tried.
    return sawTransit || restarted || vm.statusInfo !== w.fromStatusInfo ? 'failed' : 'watching';
  }
  // Settled somewhere else after having moved (a start that fell back to stopped, a shut down the guest undid).
  if (SETTLED.has(s) && sawTransit) return 'failed';
  if (w.action === 'hibernate' && s === 'stopped') return 'failed';
  return 'watching';
}

/**
 * The next watch, given the VM as polled now (`undefined`: it is no longer in the fleet). Returns the
 * same object when nothing changed, so a store can tell.
 */
export function observe(w: Watch, vm: Polled | undefined, now: number): Watch {
  if (w.outcome) return w;
  if (!vm) return { ...w, outcome: { kind: 'gone' }, finishedAt: now };
  const target = ACTIONS[w.action].target;
  const transit = vm.status !== w.fromStatus && vm.status !== target;
  const sawTransit = w.sawTransit || transit;
  const v = verdict(w, vm, sawTransit);
  if (v === 'done')
    return { ...w, sawTransit, lastStatus: vm.status, outcome: { kind: 'done' }, finishedAt: now };
  if (v === 'failed') {
    return {
      ...w,
      sawTransit,
      lastStatus: vm.status,
      outcome: { kind: 'failed', status: vm.status, statusInfo: vm.statusInfo },
      finishedAt: now,
    };
  }
  if (sawTransit === w.sawTransit && vm.status === w.lastStatus) return w;
  return { ...w, sawTransit, lastStatus: vm.status };
}

/** Has the polled state moved away from where the action started? */
export function hasMoved(w: Watch): boolean {
  return (
    w.sawTransit || w.lastStatus !== w.fromStatus || (w.outcome !== null && w.outcome.kind !== 'refused')
  );
}

/** Still watching (spinner and progress bar on). */
export function isActive(w: Watch | undefined): w is Watch {
  return w !== undefined && w.outcome === null;
}

/** Past the guide's timeout and still not there. */
export function isOverdue(w: Watch, now: number): boolean {
  return w.outcome === null && now - w.startedAt > w.timeoutMs;
}
