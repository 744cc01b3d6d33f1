// The audit log's vocabulary, without TypeBox so that the web app can import the values.

/**
 * 'access': a refused request that is not a power action (e.g. a viewer asking for the user list);
 * 'schedule': a change to a schedule (create, edit, delete, skip, pause, resume);
 * 'plan': a change to a power plan (create, edit, delete) or a run of one (its operation's id on the row);
 * 'alert': a change to an alert target (create, edit, delete, send test).
 */
export const AUDIT_KINDS = [
  'power',
  'signin',
  'signin_failed',
  'user',
  'token',
  'display',
  'access',
  'schedule',
  'plan',
  'alert',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export const AUDIT_OUTCOMES = ['requested', 'accepted', 'denied', 'conflict', 'failed', 'timeout'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * How the actor authenticated: a principal's kind, a password (sign-ins), the admin CLI, `schedule`: a
 * schedule's run acting in its owner's name (its operation's steps), or `sso`: a single sign-on (sign-ins and
 * their refusals).
 */
export const AUDIT_AUTH_KINDS = [
  'session',
  'display',
  'token',
  'password',
  'cli',
  'schedule',
  'sso',
] as const;
export type AuditAuthKind = (typeof AUDIT_AUTH_KINDS)[number];
