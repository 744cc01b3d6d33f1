// The parallelism queue: a running operation in memory (a run per VM, the pending ones in order, how many are
// active) and its slots. At most `parallelism` VMs of an operation are active at once; a VM takes a slot when its
// first step starts and holds it until it is done, failed or cancelled. Cancelling empties the queue at once.
import type { OperationRecord, OperationVmPatch, OperationVmRecord } from '../stores/types';
import { cancelledAfterWords, WORDS } from './words';

export interface VmRun {
  /** The record (shared with the operation's record: one object, mutated, then persisted). */
  readonly rec: OperationVmRecord;
  timer: NodeJS.Timeout | null;
  /** A step is being sent (between recording it and recording VergeOS's answer). */
  busy: boolean;
  /** The poller's poll count when the step's answer came: a snapshot from a later poll reflects the step. */
  pollsAtSend: number;
  /** VergeOS did not answer the step (timeout, network): the message, for the failure's words. */
  noAnswer: string | null;
  /** The deadline passed while there was no snapshot yet: handle it at the first one. */
  deadlineDue: boolean;
  /** Cancelled while its step was being sent: end it once the answer is recorded. */
  cancelAfterSend: boolean;
}

export interface OpRun {
  readonly rec: OperationRecord;
  readonly vms: Map<number, VmRun>;
  /** Pending VMs, in order. */
  readonly queue: VmRun[];
  /** VMs in state `active` (being sent or watched). */
  active: number;
  /** A plan run waiting out a tier's delay: the timer that takes it on. */
  tierTimer: NodeJS.Timeout | null;
}

/** A stored operation in memory: its pending VMs queued in order, its active ones holding their slots. */
export function runOf(rec: OperationRecord, polls: number): OpRun {
  const op: OpRun = { rec, vms: new Map(), queue: [], active: 0, tierTimer: null };
  for (const vmRec of rec.vms) {
    const vm: VmRun = {
      rec: vmRec,
      timer: null,
      busy: false,
      pollsAtSend: polls,
      noAnswer: null,
      deadlineDue: false,
      cancelAfterSend: false,
    };
    op.vms.set(vmRec.key, vm);
    if (vmRec.state === 'pending') op.queue.push(vm);
    if (vmRec.state === 'active') op.active += 1;
  }
  return op;
}

/**
 * The next pending VM of a running operation, moved into a free slot (now active); null when none may start. A plan
 * run's VM only while its tier (`tier`) is the one being worked.
 */
export function takeSlot(op: OpRun, tier: number | null = null): VmRun | null {
  if (op.rec.status !== 'running' || op.active >= op.rec.parallelism) return null;
  if (op.queue[0]?.rec.tier !== tier) return null;
  const vm = op.queue.shift();
  if (!vm) return null;
  op.active += 1;
  vm.rec.state = 'active';
  return vm;
}

/** An active VM ended: its slot is free. */
export function freeSlot(op: OpRun): void {
  op.active -= 1;
}

/** Nothing is pending and nothing is active. */
export function drained(op: OpRun): boolean {
  return op.queue.length === 0 && op.active === 0;
}

/**
 * Cancels a run in memory, in one go: the queue is emptied and pending VMs cancelled; watched VMs are cancelled and
 * free their slots (`unwatch` stops their timers); a VM whose step is being sent is cancelled once it is answered.
 * Returns the VMs' changes, to be recorded.
 */
export function cancelRun(
  op: OpRun,
  unwatch: (vm: VmRun) => void,
): { key: number; patch: OperationVmPatch }[] {
  op.queue.length = 0;
  const changes: { key: number; patch: OperationVmPatch }[] = [];
  for (const vm of op.vms.values()) {
    let patch: OperationVmPatch | null = null;
    if (vm.rec.state === 'pending') {
      patch = { state: 'cancelled', detail: WORDS.cancelledPending };
    } else if (vm.rec.state === 'active' && vm.busy) {
      vm.cancelAfterSend = true;
    } else if (vm.rec.state === 'active') {
      unwatch(vm);
      vm.deadlineDue = false;
      patch = { state: 'cancelled', deadline: null, detail: cancelledAfterWords(vm.rec.step) };
      freeSlot(op);
    }
    if (patch) {
      Object.assign(vm.rec, patch);
      changes.push({ key: vm.rec.key, patch });
    }
  }
  return changes;
}
