// The words an operation shows people: each VM's `detail` at every turn (skipped, waiting, sending, watching, done,
// failed, cancelled) and the audit messages of steps that were not answered. Every sentence the engine writes about
// a VM is here, so that they read alike; seconds are unscaled (what a person would count against a real VergeOS).
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { OperationAction, OperationStep } from '@powerdeck/contracts/operation-terms';
import type { PowerStatus } from '@powerdeck/contracts/power';
import type { OperationRecord, OperationVmRecord } from '../stores/types';
import { forceAfterOf, tierOf } from './tiers';

const STEP_WORDS: Readonly<Record<OperationStep, string>> = {
  poweron: 'start',
  poweroff: 'shut down',
  reboot: 'reboot',
  kill: 'force off',
};

const ACTION_WORDS: Readonly<Record<OperationAction, string>> = {
  start: 'start',
  shutdown: 'shut down',
  reboot: 'reboot',
  forceOff: 'force off',
};

/** A step in words; `step` where none is recorded. */
const stepWords = (step: OperationStep | null) => (step ? STEP_WORDS[step] : 'step');

export const WORDS = {
  notFound: 'Skipped: not found',
  pending: 'Waiting for its turn',
  cancelledPending: 'Cancelled: nothing was sent',
  /** The VM's detail when the `requested` row could not be written. */
  notAudited: 'Not sent: the audit record could not be written',
  /** The VM's detail, and the audit outcome's message, when the step could not be recorded as `sending`. */
  notRecorded: 'Not sent: the step could not be recorded',
  notRecordedAudit: 'Not sent: Powerdeck could not record the step',
  /** The VM's detail, and the audit outcome's message, when the server stopped leading before sending. */
  notLeading: 'Not sent: this server stopped leading before sending; the new leader checks this VM',
  notLeadingAudit: 'Not sent: this Powerdeck server stopped leading before the request left',
} as const;

/** Why a VM is skipped at creation. */
export function skipDetail(action: OperationAction, status: PowerStatus): string {
  if (action === 'start' && (status === 'running' || status === 'starting'))
    return `Skipped: already ${status}`;
  if ((action === 'shutdown' || action === 'forceOff') && (status === 'stopped' || status === 'hibernated')) {
    return `Skipped: already ${status}`;
  }
  return `Skipped: cannot ${ACTION_WORDS[action]} a VM that is ${status}`;
}

export const sendingWords = (step: OperationStep) => `Sending the ${STEP_WORDS[step]} to VergeOS`;

/** A VM whose step was sent, and the operation is cancelled: it gets nothing more. */
export const cancelledAfterWords = (step: OperationStep | null) =>
  `Cancelled after the ${stepWords(step)} was sent: nothing more was sent`;

/** A step found `sending` after a restart (its audit outcome's message; the detail adds what happens next). */
export const unansweredAtStopWords = (step: OperationStep | null) =>
  `Powerdeck stopped before VergeOS answered the ${stepWords(step)}; it is not sent again`;

export const noAnswerWords = (step: OperationStep, message: string) =>
  `VergeOS did not answer the ${STEP_WORDS[step]} (${message}); it is not sent again: watching the VM`;

/** A VM VergeOS refused a step to: 507 (no room to start) is a refusal; other 5xx are VergeOS failing. */
export function refusedWords(step: OperationStep, status: number, message: string): string {
  const verb = status >= 500 && status !== 507 ? 'failed' : 'refused';
  return `VergeOS ${verb} the ${STEP_WORDS[step]}: ${message}`;
}

/** A refused step (VergeOS's `message`) whose VM the snapshot shows already where the step takes it. */
export const alreadyWords = (status: string, message: string) => `Already ${status} (VergeOS: ${message})`;

/** The same, when VergeOS itself (asked after the refusal) shows the VM there: a kill's guest stopped by itself. */
export function alreadyNowWords(step: OperationStep, status: string, message: string): string {
  const words = step === 'kill' ? `Stopped by itself before the force off` : `Already ${status}`;
  return `${words} (VergeOS: ${message})`;
}

/** A step that was sent, while the VM is watched; `s` is how long it waits. */
export function waitingWords(
  rec: OperationRecord,
  vm: OperationVmRecord,
  step: OperationStep,
  s: number,
): string {
  switch (step) {
    case 'poweron':
      return tierOf(rec, vm)?.upWhen === 'agent'
        ? `Starting: waiting up to ${s} s for it to run and its guest agent to report`
        : `Starting: waiting up to ${s} s for it to run`;
    case 'poweroff':
      return forceAfterOf(rec, vm) !== null
        ? `Shutting down: forced off if not stopped within ${s} s`
        : `Shutting down: waiting up to ${s} s for it to stop`;
    case 'reboot':
      return `Rebooting: waiting up to ${s} s for it to run again`;
    case 'kill':
      return vm.escalated
        ? `Forcing off after ${vm.forcedAfterS ?? 0} s: waiting up to ${s} s for it to stop`
        : `Forcing off: waiting up to ${s} s for it to stop`;
  }
}

/** A VM that got where its step takes it, `took` seconds after the step. */
export function doneWords(vm: OperationVmRecord, took: number): string {
  if (vm.escalated) return `Forced off after ${vm.forcedAfterS ?? 0} s`;
  if (vm.step === 'poweron') return `Running after ${took} s`;
  if (vm.step === 'reboot') return `Running again after ${took} s`;
  if (vm.step === 'kill') return `Forced off: stopped after ${took} s`;
  return `Stopped after ${took} s`;
}

/** A start or reboot that ended in VergeOS's `error` status, with its status_info. */
export const errorWords = (step: OperationStep, info: string) =>
  `VergeOS reports an error after the ${STEP_WORDS[step]}${info ? `: ${info}` : ''}`;

/** A VM that did not get there by its deadline (`s` seconds); `fv` is what the snapshot shows of it now. */
export function deadlineWords(
  vm: OperationVmRecord,
  s: number,
  fv: FleetVm | undefined,
  noAnswer: string | null,
  /** The VM's tier waits for its guest agent too. */
  agent = false,
): string {
  const now = fv ? fv.status : 'not in the fleet';
  let detail: string;
  switch (vm.step) {
    case 'poweron':
      detail =
        agent && fv?.status === 'running'
          ? `Running, but its guest agent did not report within ${s} s`
          : `Did not start within ${s} s (${now})`;
      break;
    case 'poweroff':
      detail = `Did not stop within ${s} s (still ${now})`;
      break;
    case 'reboot':
      detail =
        fv?.status === 'running' && !vm.moved
          ? `Did not restart within ${s} s (still running; the guest may ignore the reboot request)`
          : `Did not come back running within ${s} s (${now})`;
      break;
    default:
      detail = `Did not stop within ${s} s of the force off (${now})`;
  }
  if (noAnswer !== null) detail += `; VergeOS did not answer the request: ${noAnswer}`;
  return detail;
}
