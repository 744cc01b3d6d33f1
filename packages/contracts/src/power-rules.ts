// Who may do what to which VM in which state, written once: the BFF enforces these rules and the web app uses the
// same functions to decide what to show, from the session's permissions (never from role names). No TypeBox here,
// so the browser may import it. The pieces:
// - what a principal holds (`principalHolds`, `permissionsOf`): its role's permissions; a wall display only sees the
//   fleet; a token never holds a session-only permission. GET /api/session sends `permissionsOf` to the browser;
// - a VM's power buttons (`ActionId`): the VergeOS request each sends, the statuses it applies to
//   (`ACTION_APPLIES_TO`; the operation actions' are `APPLIES_TO` in ./operation-terms, the one list the engine
//   admits VMs by) and the permissions it needs (`actionPermissions` of its request, ./roles);
// - operations: starting one (`operationPermissions`), cancelling one (its owner while holding the action's
//   permission, or whoever holds `operations:all`), and "Force now" (`vm:force`, for a VM that waits in an
//   escalating shut down whose request reached VergeOS).
import { APPLIES_TO, operationPermissions, type OperationAction } from './operation-terms';
import type { PowerAction, PowerStatus } from './power-terms';
import {
  actionPermissions,
  PERMISSIONS,
  roleMay,
  SESSION_ONLY_PERMISSIONS,
  type AuthKind,
  type Permission,
  type Role,
} from './roles';

/** Who is asking, as far as permissions go. */
interface Holder {
  role: Role;
  authKind: AuthKind;
}

/** Whether a principal holds a permission: its role's, without the session-only ones for displays and tokens. */
export function principalHolds(who: Holder, permission: Permission): boolean {
  if (who.authKind === 'display') return permission === 'fleet:read';
  if (who.authKind === 'token' && SESSION_ONLY_PERMISSIONS.has(permission)) return false;
  return roleMay(who.role, permission);
}

/** Every permission a principal holds, in PERMISSIONS order (the session's `permissions`). */
export function permissionsOf(who: Holder): Permission[] {
  return PERMISSIONS.filter((p) => principalHolds(who, p));
}

function holdsAll(held: readonly Permission[], needed: readonly Permission[]): boolean {
  return needed.every((p) => held.includes(p));
}

// ------------------------------------------------------------------------------------------------------------
// A VM's power buttons

/** The power actions a person can take on one VM, as Powerdeck names them. */
const ACTION_IDS = ['start', 'shutdown', 'reboot', 'forceOff', 'reset', 'hibernate'] as const;
export type ActionId = (typeof ACTION_IDS)[number];

/** The VergeOS action (and params) a button sends. */
interface VergeosRequest {
  action: PowerAction;
  params?: { graceful?: boolean; preferred_node?: number };
}

export function vergeosRequest(id: ActionId, opts: { preferredNode?: number } = {}): VergeosRequest {
  switch (id) {
    case 'start':
      return opts.preferredNode === undefined
        ? { action: 'poweron' }
        : { action: 'poweron', params: { preferred_node: opts.preferredNode } };
    case 'shutdown':
      return { action: 'poweroff' };
    case 'reboot':
      return { action: 'reset', params: { graceful: true } };
    case 'forceOff':
      return { action: 'kill' };
    case 'reset':
      return { action: 'reset' };
    case 'hibernate':
      return { action: 'hibernate' };
  }
}

/**
 * The statuses each button applies to: the operation actions' own lists (APPLIES_TO), a hard reset wherever a force
 * off applies (the machine holds a node), hibernate a running VM.
 */
const ACTION_APPLIES_TO: Readonly<Record<ActionId, readonly PowerStatus[]>> = {
  start: APPLIES_TO.start,
  shutdown: APPLIES_TO.shutdown,
  reboot: APPLIES_TO.reboot,
  forceOff: APPLIES_TO.forceOff,
  reset: APPLIES_TO.forceOff,
  hibernate: ['running'],
};

function powerActionApplies(id: ActionId, status: PowerStatus): boolean {
  return ACTION_APPLIES_TO[id].includes(status);
}

/** What a button needs: the permissions of the VergeOS request it sends (`onNode`: Start on node…). */
function powerActionPermissions(id: ActionId, opts: { onNode?: boolean } = {}): Permission[] {
  const req = vergeosRequest(id, opts.onNode === true ? { preferredNode: 1 } : {});
  return actionPermissions(req.action, req.params);
}

/** Whether a VM in `status` shows the button to someone holding `held`. */
export function mayPowerAction(
  id: ActionId,
  status: PowerStatus,
  held: readonly Permission[],
  opts: { onNode?: boolean } = {},
): boolean {
  return powerActionApplies(id, status) && holdsAll(held, powerActionPermissions(id, opts));
}

/** Whether the permissions allow any power action at all (else a card shows no power controls). */
export function mayAnyPowerAction(held: readonly Permission[]): boolean {
  return ACTION_IDS.some((id) => holdsAll(held, powerActionPermissions(id)));
}

// ------------------------------------------------------------------------------------------------------------
// Operations

/** Whether the permissions allow starting an operation (an escalating shut down needs `vm:force` too). */
export function mayStartOperation(
  action: OperationAction,
  escalates: boolean,
  held: readonly Permission[],
): boolean {
  return holdsAll(held, operationPermissions(action, escalates));
}

/** Cancelling anyone's operation. */
export const CANCEL_ANY_PERMISSION: Permission = 'operations:all';

/** What the owner of an operation still needs to cancel it: the action's own permission. */
export function ownerCancelPermissions(action: OperationAction): Permission[] {
  return operationPermissions(action, false);
}

/**
 * Cancel: while the operation runs, whoever holds `operations:all`, or its owner while they still hold the action's
 * permission (a read-only token of the owner, or a display, may not).
 */
export function mayCancelOperation(
  op: { status: string; owner: string; action: OperationAction },
  who: { actor: string | null; permissions: readonly Permission[] },
): boolean {
  if (op.status !== 'running') return false;
  if (who.permissions.includes(CANCEL_ANY_PERMISSION)) return true;
  return (
    who.actor !== null &&
    who.actor === op.owner &&
    holdsAll(who.permissions, ownerCancelPermissions(op.action))
  );
}

/** An operation as "Force now" looks at it: a plan run escalates per tier, any other by its forceAfterS. */
interface ForceNowOperation {
  status: string;
  action: OperationAction;
  forceAfterS: number | null;
  plan?: { tiers: readonly { escalate: boolean }[] } | null | undefined;
}

interface ForceNowVm {
  state: string;
  step: string | null;
  stepSent: boolean;
  escalated: boolean;
  /** A plan run's VM: its tier. */
  tier?: number | null | undefined;
}

/** "Force now" needs this. */
export const FORCE_NOW_PERMISSION: Permission = 'vm:force';

/**
 * Whether a VM waits in an escalating shut down, so that "Force now" applies: the operation runs, it is a shut down
 * with a force-off moment (a plan run: the VM's tier escalates), the VM is active with its shut down sent (the BFF refuses while it is being sent) and not
 * yet escalated.
 */
export function forceNowApplies(op: ForceNowOperation, vm: ForceNowVm): boolean {
  const escalates =
    op.plan != null ? vm.tier != null && op.plan.tiers[vm.tier]?.escalate === true : op.forceAfterS !== null;
  return (
    op.status === 'running' &&
    op.action === 'shutdown' &&
    escalates &&
    vm.state === 'active' &&
    vm.step === 'poweroff' &&
    vm.stepSent &&
    !vm.escalated
  );
}

export function mayForceNow(op: ForceNowOperation, vm: ForceNowVm, held: readonly Permission[]): boolean {
  return forceNowApplies(op, vm) && held.includes(FORCE_NOW_PERMISSION);
}
