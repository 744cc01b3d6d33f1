// What an audit row says about who acted and how an action ended, defined once: `auditActor` (the who-fields, from
// a request's actor or an operation's owner) and `outcomeOf` (an answer's HTTP status as an outcome). The proxy's
// actions, the operations' steps, the routes' refusals and the account changes all write them through these.
import type { ActorContext } from './stores/admin';
import type { AuditAuthKind, AuditOutcome, OperationOwnerKind, Role } from './stores/types';

/** The who-fields of an audit row, every one set (null where unknown). */
export interface AuditActor {
  actor: string;
  role: Role | null;
  authKind: AuditAuthKind;
  /** Client address. */
  source: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * Someone signed in who asks for something (an operation, a step of one): an actor with a role and a sign-in; or
 * a schedule's run, acting in its owner's name (`schedule`).
 */
export interface Requester extends AuditActor {
  role: Role;
  authKind: OperationOwnerKind;
}

/** The who-fields of an audit row for an actor (exactly these six: nothing else of `who` is copied). */
export function auditActor(who: ActorContext): AuditActor {
  return {
    actor: who.actor,
    role: who.role,
    authKind: who.authKind,
    source: who.source ?? null,
    userAgent: who.userAgent ?? null,
    requestId: who.requestId ?? null,
  };
}

/** How an action's answer (its HTTP status) is recorded in the audit log. */
export function outcomeOf(status: number): AuditOutcome {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 409) return 'conflict';
  if (status === 504) return 'timeout';
  return 'failed';
}
