// The audit log's vocabulary, without TypeBox so that the web app can import the values.

/** 'access': a refused request that is not a power action (e.g. a viewer asking for the user list). */
export const AUDIT_KINDS = [
  'power',
  'signin',
  'signin_failed',
  'user',
  'token',
  'display',
  'access',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export const AUDIT_OUTCOMES = ['requested', 'accepted', 'denied', 'conflict', 'failed', 'timeout'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** How the actor authenticated: a principal's kind, a password (sign-ins) or the admin CLI. */
export const AUDIT_AUTH_KINDS = ['session', 'display', 'token', 'password', 'cli'] as const;
export type AuditAuthKind = (typeof AUDIT_AUTH_KINDS)[number];
