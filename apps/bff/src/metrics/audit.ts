// Power actions and sign-ins, counted from the audit rows that record them: every path that acts on a VM (the VergeOS
// routes, an operation's steps, a schedule's or a plan's run, which are operations) and every sign-in (the page, a
// script's VergeOS login, a wall display's link, single sign-on) writes its row, so the counts cannot miss one.
import { POWER_ACTIONS } from '@powerdeck/contracts/power-terms';
import type { AuditRecord } from '../stores/types';

/** The `action` label: VergeOS's action, and `reboot` for a graceful reset (what a person asked for). */
export const POWER_ACTION_LABELS = [...POWER_ACTIONS, 'reboot'] as const;
export type PowerActionLabel = (typeof POWER_ACTION_LABELS)[number];

/** The `outcome` label: how the action ended, in the audit log's words. */
export const POWER_OUTCOME_LABELS = ['accepted', 'denied', 'conflict', 'failed', 'timeout'] as const;
export type PowerOutcomeLabel = (typeof POWER_OUTCOME_LABELS)[number];

/**
 * A power action's labels from its row: only the row that says how it ended (each action has exactly one: its
 * outcome after its `requested` row, or a `denied` row alone). Operation-level rows (`operation:cancel`, a refused
 * `operation:start`) are not a VM's power action and are not counted.
 */
export function powerActionOf(
  row: AuditRecord,
): { action: PowerActionLabel; outcome: PowerOutcomeLabel } | null {
  if (row.kind !== 'power' || row.outcome === 'requested' || row.action === null) return null;
  if (!(POWER_ACTIONS as readonly string[]).includes(row.action)) return null;
  // Narrowed by the check above: every outcome but `requested`.
  const outcome: PowerOutcomeLabel = row.outcome;
  if (row.action === 'reset' && gracefulParams(row.params)) return { action: 'reboot', outcome };
  return { action: row.action as PowerActionLabel, outcome };
}

function gracefulParams(params: string | null): boolean {
  if (params === null) return false;
  try {
    const parsed: unknown = JSON.parse(params);
    return (
      typeof parsed === 'object' && parsed !== null && (parsed as { graceful?: unknown }).graceful === true
    );
  } catch {
    return false;
  }
}

/**
 * The `method` label: the sign-in page's password, a script's VergeOS login (`token`: POST /api/sys/tokens), single
 * sign-on, or a wall display's link.
 */
export const SIGN_IN_METHODS = ['password', 'token', 'sso', 'display_link'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/**
 * The `outcome` label: `success`; `failure` (a wrong password or display link, an unknown user, a provider's answer
 * that could not be trusted or its error); `locked` (too many failures: the throttle refused before checking);
 * `refused` (the credentials were right but the person may not sign in so: disabled, password sign-in turned off, no
 * single sign-on rule or domain for them, a user name taken by a local account).
 */
export const SIGN_IN_OUTCOMES = ['success', 'failure', 'locked', 'refused'] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

const METHOD_OF_AUTH_KIND: Readonly<Record<string, SignInMethod>> = {
  password: 'password',
  token: 'token',
  sso: 'sso',
  display: 'display_link',
};

/** Failure reasons (the audit row's `reason`, up to its first colon) that mean "right credentials, refused". */
const REFUSED_REASONS: ReadonlySet<string> = new Set([
  'disabled',
  'password sign-in is turned off',
  'no-rule',
  'groups-overage',
  'domain',
  'username-taken',
]);

/** A sign-in's labels from its row; null for a row that is no sign-in (a sign-out, another kind). */
export function signInOf(row: AuditRecord): { method: SignInMethod; outcome: SignInOutcome } | null {
  if (row.kind !== 'signin' && row.kind !== 'signin_failed') return null;
  const method = row.authKind === null ? undefined : METHOD_OF_AUTH_KIND[row.authKind];
  if (method === undefined) return null;
  if (row.kind === 'signin') return row.action === 'signin' ? { method, outcome: 'success' } : null;
  const reason = (row.reason ?? '').split(':', 1)[0]!.trim();
  if (reason.startsWith('locked')) return { method, outcome: 'locked' };
  return { method, outcome: REFUSED_REASONS.has(reason) ? 'refused' : 'failure' };
}
