// Operations: long power actions the BFF runs and stores (graceful-then-force, watched reboots, bulk actions).
// The vocabulary, without TypeBox so that the web app can import the values; the HTTP shapes are in
// ./operations.
import type { PowerStatus } from './power-terms';
import type { Permission } from './roles';

/** What an operation does to each of its VMs. */
export const OPERATION_ACTIONS = ['start', 'shutdown', 'reboot', 'forceOff'] as const;
export type OperationAction = (typeof OPERATION_ACTIONS)[number];

/**
 * The statuses an action applies to; a VM in any other status is skipped before anything is sent. `error` may
 * be started (a failed start can be retried); force off applies wherever the machine holds a node.
 */
export const APPLIES_TO: Readonly<Record<OperationAction, readonly PowerStatus[]>> = {
  start: ['stopped', 'hibernated', 'error'],
  shutdown: ['running'],
  reboot: ['running'],
  forceOff: ['running', 'starting', 'stopping', 'unresponsive'],
};

export function actionApplies(action: OperationAction, status: PowerStatus): boolean {
  return APPLIES_TO[action].includes(status);
}

/** What starting an operation needs: the action's permission, and `vm:force` to escalate a shut down. */
export function operationPermissions(action: OperationAction, escalates: boolean): Permission[] {
  switch (action) {
    case 'start':
      return ['vm:start'];
    case 'shutdown':
      return escalates ? ['vm:shutdown', 'vm:force'] : ['vm:shutdown'];
    case 'reboot':
      return ['vm:reboot'];
    case 'forceOff':
      return ['vm:force'];
  }
}

/**
 * How long each step waits for the VM to get there (the VergeOS guide's upper bounds), and the bounds an
 * operation may set them within (seconds).
 */
export const STEP_TIMEOUTS_S = {
  start: { default: 60, min: 10, max: 600 },
  shutdown: { default: 120, min: 10, max: 1800 },
  reboot: { default: 120, min: 10, max: 1800 },
  forceOff: { default: 30, min: 5, max: 300 },
} as const satisfies Record<OperationAction, { default: number; min: number; max: number }>;

/** How many VMs an operation acts on at once: default, and the most a request may ask for. */
export const PARALLELISM = { default: 4, min: 1, max: 16 } as const;
/** The most VMs one operation may name. */
export const MAX_OPERATION_VMS = 1000;

export const OPERATION_STATUSES = ['running', 'finished', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/**
 * Where one VM of an operation is:
 * - `pending`: not started yet (waits for a free slot);
 * - `active`: a step was sent (or is being sent) and the BFF watches the VM;
 * - `done`: the VM got where the action takes it;
 * - `skipped`: the action did not apply to its status when the operation started; nothing was sent;
 * - `failed`: VergeOS refused a step, or the VM did not get there in time (and there was no escalation);
 * - `cancelled`: the operation was cancelled before this VM's next step.
 */
export const OPERATION_VM_STATES = ['pending', 'active', 'done', 'skipped', 'failed', 'cancelled'] as const;
export type OperationVmState = (typeof OPERATION_VM_STATES)[number];

/** The VergeOS requests an operation sends: each at most once per VM. */
export const OPERATION_STEPS = ['poweron', 'poweroff', 'reboot', 'kill'] as const;
export type OperationStep = (typeof OPERATION_STEPS)[number];

/** How many VMs of an operation are in each state (the contract's OperationCounts). */
interface Counts {
  total: number;
  pending: number;
  active: number;
  done: number;
  skipped: number;
  failed: number;
  cancelled: number;
}

/**
 * "8 done, 1 failed, 3 skipped of 12" (only the non-zero states; "0 of 12" before anything settled): the operations
 * page and the alerts (operation_failed) say it alike.
 */
export function countsSummary(c: Counts): string {
  const parts: string[] = [];
  const add = (n: number, word: string) => {
    if (n > 0) parts.push(`${n} ${word}`);
  };
  add(c.done, 'done');
  add(c.failed, 'failed');
  add(c.skipped, 'skipped');
  add(c.cancelled, 'cancelled');
  add(c.active, 'in progress');
  add(c.pending, 'waiting');
  return parts.length === 0 ? `0 of ${c.total}` : `${parts.join(', ')} of ${c.total}`;
}
