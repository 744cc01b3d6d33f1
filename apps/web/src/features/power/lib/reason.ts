// Why a person shuts down, reboots or forces a VM: asked in the confirmation dialog, sent with the action
// (REASON_HEADER) and recorded in the audit log. Helpdesk must give one for a shut down or a reboot; for
// everyone else, and for the forced actions, it is optional. Start asks for none. Pure.
import { actionPermissions, MAX_REASON_LENGTH, reasonRequired } from '@powerdeck/contracts/roles';
import { actionBody, type ActionId } from './actions';
import type { Role } from './predicates';

export { MAX_REASON_LENGTH };

/** Whether a confirmation asks for a reason, and whether it must be given. */
type ReasonPolicy = 'required' | 'optional' | 'none';

export function reasonPolicy(action: ActionId, role: Role): ReasonPolicy {
  if (action === 'start') return 'none';
  const body = actionBody(action, { key: 0 });
  return reasonRequired(role, actionPermissions(body.action, body.params)) ? 'required' : 'optional';
}

/** The reason as sent: trimmed; undefined when blank. */
export function cleanReason(reason: string | undefined): string | undefined {
  const r = reason?.trim();
  return r ? r : undefined;
}

/** Why the reason as typed cannot be sent yet (null: it can). */
export function reasonProblem(reason: string, policy: ReasonPolicy): string | null {
  if (policy === 'none') return null;
  const r = cleanReason(reason);
  if (policy === 'required' && r === undefined) return 'Give a reason';
  if (r !== undefined && r.length > MAX_REASON_LENGTH) return `At most ${MAX_REASON_LENGTH} characters`;
  return null;
}
