// Power plans in words, as the Plans page, a plan's page, the editor and the run view show them; and which of a
// plan's buttons a person sees (the BFF enforces; this only hides). Pure (tested in test/plans-lib.test.ts). Types
// only from ./plans and ./operations (their values would bring TypeBox into the bundle); the vocabulary and the
// rules from ./plan-terms.
import {
  mayRunPlan,
  PLAN_DIRECTION_WORDS,
  PLANS_MANAGE,
  type DryRunOutcome,
  type HelpdeskRun,
  type OnFailure,
  type PlanDirection,
  type TierState,
  type UpWhen,
} from '@powerdeck/contracts/plan-terms';
import type { Tier, TierVms } from '@powerdeck/contracts/plans';
import type { Permission, Role } from '@powerdeck/contracts/roles';
import { plural } from '../../../lib/format';
import type { Tone } from '../../../lib/status';

/** The help-desk mark on a plan's card and page. */
export const HELPDESK_WORDS: Readonly<Record<HelpdeskRun, string>> = {
  none: 'Admins only',
  start: 'Help desk may start it',
  startAndShutdown: 'Help desk may start and shut it down',
};

/** The editor's choice of the help-desk mark. */
export const HELPDESK_CHOICES: Readonly<Record<HelpdeskRun, string>> = {
  none: 'No',
  start: 'Start only',
  startAndShutdown: 'Start and shut down',
};

export const UP_WHEN_WORDS: Readonly<Record<UpWhen, string>> = {
  running: 'VergeOS says running',
  agent: 'The guest agent reports',
};

export const ON_FAILURE_WORDS: Readonly<Record<OnFailure, string>> = {
  stop: 'Stop the plan',
  continue: 'Go on and report',
};

/** A tier's state in the run view: its words (TIER_STATE_WORDS) and its colour. */
export const TIER_STATE_TONES: Readonly<Record<TierState, Tone>> = {
  waiting: 'idle',
  active: 'moving',
  delay: 'moving',
  done: 'ok',
  partial: 'warn',
  failed: 'bad',
  notRun: 'idle',
  cancelled: 'warn',
};

/** A VM's outcome in a dry run, as a badge beside the server's detail. */
export function dryRunOutcomeWords(
  outcome: DryRunOutcome,
  direction: PlanDirection,
): { label: string; tone: Tone } {
  switch (outcome) {
    case 'act':
      return { label: direction === 'start' ? 'Starts' : 'Shuts down', tone: 'moving' };
    case 'already':
      return { label: direction === 'start' ? 'Already running' : 'Already stopped', tone: 'ok' };
    case 'skip':
      return { label: 'Skipped', tone: 'warn' };
    case 'missing':
      return { label: 'Not in the fleet', tone: 'bad' };
    case 'duplicate':
      return { label: 'In an earlier tier', tone: 'idle' };
  }
}

/** A run's title: "Plan “Site A”: start", "Plan “Site A”: shut down". */
export function planRunTitle(name: string, direction: PlanDirection): string {
  return `Plan “${name}”: ${PLAN_DIRECTION_WORDS[direction].toLowerCase()}`;
}

/** A tier's VMs: "3 chosen VMs", "VMs matching “web status:stopped”". */
export function tierVmsInWords(targets: TierVms): string {
  return targets.kind === 'vms'
    ? plural(targets.vms.length, 'chosen VM')
    : `VMs matching “${targets.filter}”`;
}

/** A plan's VMs over its tiers: "12 chosen VMs", "8 chosen VMs and 2 filters", "1 filter". */
export function planVmsInWords(tiers: readonly Pick<Tier, 'targets'>[]): string {
  let vms = 0;
  let filters = 0;
  for (const t of tiers) {
    if (t.targets.kind === 'vms') vms += t.targets.vms.length;
    else filters += 1;
  }
  const parts = [vms > 0 ? plural(vms, 'chosen VM') : '', filters > 0 ? plural(filters, 'filter') : ''];
  return parts.filter(Boolean).join(' and ') || 'No VMs';
}

/** Seconds as people read a setting: "45 s", "3 min", "2 min 30 s", "1 h". */
export function secondsInWords(s: number): string {
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', rest ? `${rest} s` : ''].filter(Boolean).join(' ');
}

/**
 * A tier's settings in one line: "Up when the guest agent reports · up to 3 min · then waits 30 s · on failure:
 * stop the plan · forces off at the timeout when shutting down".
 */
export function tierSettingsInWords(t: Omit<Tier, 'name' | 'targets'>): string {
  const parts = [
    `Up when ${t.upWhen === 'agent' ? 'the guest agent reports' : 'VergeOS says running'}`,
    `up to ${secondsInWords(t.timeoutS)}`,
  ];
  if (t.delayAfterS > 0) parts.push(`then waits ${secondsInWords(t.delayAfterS)}`);
  parts.push(`on failure: ${ON_FAILURE_WORDS[t.onFailure].toLowerCase()}`);
  if (t.escalate) parts.push('forces off at the timeout when shutting down');
  return parts.join(' · ');
}

/** A run's (or the last run's) state as a badge: "Running", "Done", "Cancelled" (an operation status: running, finished, cancelled). */
export function runStatusWords(status: string, failed = 0): { label: string; tone: Tone } {
  if (status === 'running') return { label: 'Running', tone: 'moving' };
  if (status === 'cancelled') return { label: 'Cancelled', tone: 'warn' };
  if (failed > 0) return { label: `${failed} failed`, tone: 'bad' };
  return { label: 'Done', tone: 'ok' };
}

/** Which of a plan's buttons a person sees. */
export interface PlanButtons {
  /** New plan, Edit, Delete. */
  manage: boolean;
  start: boolean;
  shutdown: boolean;
  /** Everyone who may see the plans. */
  dryRun: true;
}

export function planButtons(
  plan: { helpdesk: HelpdeskRun },
  who: { role: Role; permissions: readonly Permission[] },
): PlanButtons {
  return {
    manage: who.permissions.includes(PLANS_MANAGE),
    start: mayRunPlan(who.role, plan.helpdesk, 'start'),
    shutdown: mayRunPlan(who.role, plan.helpdesk, 'shutdown'),
    dryRun: true,
  };
}
