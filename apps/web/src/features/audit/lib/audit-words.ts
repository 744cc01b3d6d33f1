// The audit log in words: what an action was ("Reboot", not `reset {"graceful":true}`), how an outcome looks
// (its tone, from the app's one tone vocabulary), and labels for the filters. Pure, tested in test/audit-words.test.ts.
import type { AuditKind, AuditOutcome } from '@powerdeck/contracts/audit-terms';
import type { Tone } from '../../../lib/status';

/** An action's params as the audit log stores them (canonical JSON text), as an object; {} when not one. */
export function parseParams(params: string | null): Record<string, unknown> {
  if (!params) return {};
  try {
    const v: unknown = JSON.parse(params);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const POWER_WORDS: Readonly<Record<string, string>> = {
  poweron: 'Start',
  poweroff: 'Shut down',
  kill: 'Force off',
  reset: 'Reset',
  hibernate: 'Hibernate',
};

/**
 * A power action as the buttons name it: `reset` with `graceful: true` is a Reboot, a plain `reset` a Reset.
 * An action it does not know is shown as it is; no action at all is "".
 */
export function actionWords(action: string | null, params: string | null = null): string {
  if (!action) return '';
  if (action === 'reset' && parseParams(params).graceful === true) return 'Reboot';
  return POWER_WORDS[action] ?? action;
}

/** Account actions (users, tokens, display links), for the filter and the table. */
const ACCOUNT_WORDS: Readonly<Record<string, string>> = {
  create: 'Create',
  passwd: 'Set password',
  role: 'Change role',
  disable: 'Disable',
  enable: 'Enable',
  revoke: 'Revoke',
};

/** The Action filter's option label for a raw action: "Start (poweron)", "Set password (passwd)". */
export function actionOptionLabel(action: string): string {
  const words = POWER_WORDS[action] ?? ACCOUNT_WORDS[action];
  return words ? `${words} (${action})` : action;
}

/** An audit row's action in words, by its kind: a power action as the buttons say it, others as "User: Create". */
export function rowActionWords(kind: AuditKind, action: string | null, params: string | null): string {
  if (kind === 'power') return actionWords(action, params);
  const label = KIND_LABELS[kind];
  if (!action) return label;
  return `${label}: ${ACCOUNT_WORDS[action] ?? action}`;
}

/** Accepted is calm, a refusal or a failure is an error, a conflict a warning, a request in flight neutral. */
export function outcomeTone(outcome: AuditOutcome): Tone {
  switch (outcome) {
    case 'accepted':
      return 'ok';
    case 'denied':
    case 'failed':
    case 'timeout':
      return 'bad';
    case 'conflict':
      return 'warn';
    case 'requested':
      return 'idle';
  }
}

export const OUTCOME_LABELS: Readonly<Record<AuditOutcome, string>> = {
  requested: 'Requested',
  accepted: 'Accepted',
  denied: 'Denied',
  conflict: 'Conflict',
  failed: 'Failed',
  timeout: 'Timed out',
};

/** Whether an outcome means the action did not happen (so VergeOS's message is worth showing). */
export function isFailure(outcome: AuditOutcome): boolean {
  return outcomeTone(outcome) === 'bad' || outcome === 'conflict';
}

export const KIND_LABELS: Readonly<Record<AuditKind, string>> = {
  power: 'Power action',
  signin: 'Sign-in',
  signin_failed: 'Failed sign-in',
  user: 'User',
  token: 'Token',
  display: 'Display link',
  access: 'Refused access',
  schedule: 'Schedule',
  plan: 'Power plan',
  alert: 'Alert target',
};

/** A latency in ms as people compare it: "85 ms", "1.2 s", "" when unknown. */
export function latencyText(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
}
