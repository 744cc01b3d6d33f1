// Power plans: ordered tiers of VMs started in order (domain controllers, then databases, then application servers)
// and shut down in reverse. The vocabulary and the rules, without TypeBox so that the web app can import them; the
// HTTP shapes are in ./plans. A plan is a producer of operations: each run (start or shut down) is one operation of
// the engine (./operation-terms) whose VMs carry their tier, released tier by tier.
import type { Permission, Role } from './roles';

/** What a plan run does: start the tiers in order, or shut them down in reverse order. */
export const PLAN_DIRECTIONS = ['start', 'shutdown'] as const;
export type PlanDirection = (typeof PLAN_DIRECTIONS)[number];

/**
 * When a started VM of a tier counts as up: VergeOS says `running`, or also its guest agent reports (a VM whose
 * guest agent is not enabled in its configuration counts as up when running: it can never report).
 */
export const UP_WHEN = ['running', 'agent'] as const;
export type UpWhen = (typeof UP_WHEN)[number];

/** What a tier does when one of its VMs fails: stop the plan (later tiers get nothing), or go on and report. */
export const ON_FAILURE = ['stop', 'continue'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

/** What help desk may do with a plan (an admin sets it per plan): nothing, start it, or start and shut it down. */
export const HELPDESK_RUN = ['none', 'start', 'startAndShutdown'] as const;
export type HelpdeskRun = (typeof HELPDESK_RUN)[number];

export const MAX_PLAN_NAME = 80;
export const MAX_TIER_NAME = 60;
export const MAX_TIERS = 20;
/** The most plans one Powerdeck keeps. */
export const MAX_PLANS = 500;

/**
 * A tier's timeout (s): starting, how long each VM has to come up; shutting down, how long its guest has to stop
 * before it is forced off (escalation on) or counted failed (off).
 */
export const TIER_TIMEOUT_S = { default: 180, min: 10, max: 3600 } as const;
/** How long to wait after a tier before the next one starts (s). Not waited when nothing of the tier was acted on. */
export const TIER_DELAY_S = { default: 0, min: 0, max: 3600 } as const;

/**
 * Where a tier of a run is (the run view's ladder):
 * - `waiting`: not reached yet;
 * - `active`: its VMs are being acted on;
 * - `delay`: done, waiting its delay before the next tier;
 * - `done`: every VM got there (or was already there);
 * - `partial`: some VMs failed and the tier says go on: the plan went on;
 * - `failed`: some VMs failed and the tier says stop: the plan stopped here;
 * - `notRun`: never reached (the plan stopped or was cancelled before it);
 * - `cancelled`: the run was cancelled while this tier was active or waiting its delay.
 */
export const TIER_STATES = [
  'waiting',
  'active',
  'delay',
  'done',
  'partial',
  'failed',
  'notRun',
  'cancelled',
] as const;
export type TierState = (typeof TIER_STATES)[number];

/** What happens to one VM of a plan in a dry run. */
export const DRY_RUN_OUTCOMES = ['act', 'already', 'skip', 'missing', 'duplicate'] as const;
export type DryRunOutcome = (typeof DRY_RUN_OUTCOMES)[number];

/** Creating, editing and deleting plans. */
export const PLANS_MANAGE: Permission = 'plans:manage';

/**
 * Whether a role may run a plan in a direction: admins always; help desk when the plan says so; viewers never.
 * The run's steps then go out in the runner's name (audited so), with the plan's own escalation settings.
 */
export function mayRunPlan(role: Role, helpdesk: HelpdeskRun, direction: PlanDirection): boolean {
  if (role === 'admin') return true;
  if (role !== 'helpdesk') return false;
  return direction === 'start' ? helpdesk !== 'none' : helpdesk === 'startAndShutdown';
}

/** The order a run acts on tiers: plan order to start, reverse order to shut down (tier indexes). */
export function tierOrder(tiers: number, direction: PlanDirection): number[] {
  const order = Array.from({ length: tiers }, (_, i) => i);
  return direction === 'start' ? order : order.reverse();
}

export const PLAN_DIRECTION_WORDS: Readonly<Record<PlanDirection, string>> = {
  start: 'Start',
  shutdown: 'Shut down',
};

export const TIER_STATE_WORDS: Readonly<Record<TierState, string>> = {
  waiting: 'Waiting',
  active: 'In progress',
  delay: 'Waiting before the next tier',
  done: 'Done',
  partial: 'Partial',
  failed: 'Failed: plan stopped',
  notRun: 'Not run',
  cancelled: 'Cancelled',
};
