// The countdown on a card while an escalating shut down waits for the guest ("Forcing off in 1:23"), and what a VM
// of an operation is doing in words. Pure: the time comes in as `now`.
import type { OperationAction, OperationStep } from '@powerdeck/contracts/operation-terms';
import { clock } from '../../../lib/format';
import { ACTION_WORDS } from './words';

/** Whole seconds from now until a deadline (ISO 8601 or epoch ms), never below 0; null without a usable deadline. */
export function secondsLeft(deadline: string | number | null, nowMs: number): number | null {
  if (deadline === null) return null;
  const at = typeof deadline === 'number' ? deadline : Date.parse(deadline);
  if (!Number.isFinite(at)) return null;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** "1:23" until the deadline ("0:00" once passed); null without one. */
export function countdown(deadline: string | number | null, nowMs: number): string | null {
  const s = secondsLeft(deadline, nowMs);
  return s === null ? null : clock(s);
}

interface OpLike {
  action: OperationAction;
  forceAfterS: number | null;
}
interface VmLike {
  state: string;
  step: OperationStep | null;
  deadline: string | null;
  escalated: boolean;
}

/**
 * What an operation's VM is doing, for a card or a report row:
 * - `force`: an escalating shut down waits for the guest, then forces it off at `deadline`
 *   ("Forcing off in 1:23");
 * - `timeout`: a step waits for the VM until `deadline` ("Rebooting · times out in 1:50");
 * - `text`: no deadline to count down to.
 */
export type VmProgress =
  | { kind: 'force'; deadline: string }
  | { kind: 'timeout'; label: string; deadline: string }
  | { kind: 'text'; text: string };

export function vmProgress(op: OpLike, vm: VmLike): VmProgress {
  const words = ACTION_WORDS[op.action];
  if (vm.state === 'pending') return { kind: 'text', text: 'Waiting for its turn' };
  if (vm.escalated || vm.step === 'kill') {
    return {
      kind: 'text',
      text: op.action === 'forceOff' ? 'Forcing off' : 'Forced off; waiting for it to stop',
    };
  }
  if (op.action === 'shutdown' && op.forceAfterS !== null && vm.step === 'poweroff' && vm.deadline !== null) {
    return { kind: 'force', deadline: vm.deadline };
  }
  if (vm.deadline !== null) return { kind: 'timeout', label: words.progressive, deadline: vm.deadline };
  return { kind: 'text', text: vm.step === null ? 'Sending' : words.progressive };
}

/** The whole line as read out: "Forcing off in 1:23", "Rebooting · times out in 1:50", "Waiting for its turn". */
export function progressText(p: VmProgress, nowMs: number): string {
  switch (p.kind) {
    case 'force': {
      const left = secondsLeft(p.deadline, nowMs) ?? 0;
      return left > 0 ? `Forcing off in ${clock(left)}` : 'Forcing off now';
    }
    case 'timeout':
      return `${p.label} · times out in ${countdown(p.deadline, nowMs) ?? '0:00'}`;
    case 'text':
      return p.text;
  }
}
