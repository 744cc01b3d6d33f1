// Operations in words: what each action is called, and what each VM's state and an operation's outcome say.
// Pure (the report panel, the card's strip and the operations page read these).
import type {
  OperationAction,
  OperationStatus,
  OperationVmState,
} from '@powerdeck/contracts/operation-terms';
import type { OperationPlan } from '@powerdeck/contracts/operations';
import { PLAN_DIRECTION_WORDS } from '@powerdeck/contracts/plan-terms';
import type { Tone } from '../../../lib/status';

interface ActionWords {
  /** "Shut down": button labels and headings. */
  label: string;
  /** "shut down", in sentences: "Shut down 12 VMs?", "cannot be shut down". */
  verb: string;
  /** "Shutting down". */
  progressive: string;
  /** "shut down", after "can be": "cannot be shut down now". */
  past: string;
}

export const ACTION_WORDS: Readonly<Record<OperationAction, ActionWords>> = {
  start: { label: 'Start', verb: 'start', progressive: 'Starting', past: 'started' },
  shutdown: { label: 'Shut down', verb: 'shut down', progressive: 'Shutting down', past: 'shut down' },
  reboot: { label: 'Reboot', verb: 'reboot', progressive: 'Rebooting', past: 'rebooted' },
  forceOff: { label: 'Force off', verb: 'force off', progressive: 'Forcing off', past: 'forced off' },
};

/** A VM's state in an operation: its label and colour (the label carries the meaning, never the colour alone). */
export const VM_STATE_WORDS: Readonly<Record<OperationVmState, { label: string; tone: Tone }>> = {
  pending: { label: 'Waiting', tone: 'idle' },
  active: { label: 'In progress', tone: 'moving' },
  done: { label: 'Done', tone: 'ok' },
  skipped: { label: 'Skipped', tone: 'idle' },
  failed: { label: 'Failed', tone: 'bad' },
  cancelled: { label: 'Cancelled', tone: 'warn' },
};

/** An operation's status as a badge: running, done, done with failures, cancelled. */
export function operationOutcome(op: { status: OperationStatus; counts: { failed: number } }): {
  label: string;
  tone: Tone;
} {
  if (op.status === 'running') return { label: 'Running', tone: 'moving' };
  if (op.status === 'cancelled') return { label: 'Cancelled', tone: 'warn' };
  if (op.counts.failed > 0) return { label: `${op.counts.failed} failed`, tone: 'bad' };
  return { label: 'Done', tone: 'ok' };
}

/** "1 VM", "12 VMs". */
export const vmsWord = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'VM' : 'VMs'}`;

/** A plan run's name: "Plan “Site A”: start", "Plan “Site A”: shut down". */
export function planRunLabel(plan: Pick<OperationPlan, 'name' | 'direction'>): string {
  return `Plan “${plan.name}”: ${PLAN_DIRECTION_WORDS[plan.direction].toLowerCase()}`;
}

/** Where a plan run's ladder is. */
export const planRunHref = (op: { id: string; plan: Pick<OperationPlan, 'id'> }): string =>
  `/plans/${encodeURIComponent(op.plan.id)}/runs/${encodeURIComponent(op.id)}`;
