// Bulk actions over a selection of VMs: which ones a person's permissions allow, which selected VMs an action
// applies to (the others are listed and skipped before anything is sent), what the confirmation asks for, and who
// may cancel or force, by the rules the BFF enforces (packages/contracts/src/power-rules.ts and operation-terms.ts).
// Pure (tested in test/operations-bulk.test.ts). The BFF enforces; this only hides.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import {
  actionApplies,
  OPERATION_ACTIONS,
  operationPermissions,
  type OperationAction,
} from '@powerdeck/contracts/operation-terms';
import type { PowerStatus } from '@powerdeck/contracts/power-terms';
import {
  mayCancelOperation,
  mayForceNow as rulesMayForceNow,
  mayStartOperation,
} from '@powerdeck/contracts/power-rules';
import { reasonRequired, type Permission, type Role } from '@powerdeck/contracts/roles';
import { STATUS } from '../../../lib/status';

/** The bulk actions the permissions allow, in the toolbar's order (safe ones first, force off last). */
export function bulkActions(permissions: readonly Permission[]): OperationAction[] {
  return OPERATION_ACTIONS.filter((a) => mayStartOperation(a, false, permissions));
}

/** Whether the permissions allow a shut down that forces off after a while (`vm:force` too). */
export function mayEscalate(permissions: readonly Permission[]): boolean {
  return mayStartOperation('shutdown', true, permissions);
}

/** Whether a reason must be given (helpdesk shutting down or rebooting), may be given, or is not asked (start). */
export function operationReasonPolicy(
  action: OperationAction,
  role: Role,
  escalates: boolean,
): 'required' | 'optional' | 'none' {
  if (action === 'start') return 'none';
  return reasonRequired(role, operationPermissions(action, escalates)) ? 'required' : 'optional';
}

/** Why an action does not apply to a VM in this status, in a few words ("already stopped"). */
export function skipReason(action: OperationAction, status: PowerStatus): string {
  if (action === 'start' && status === 'running') return 'already running';
  if ((action === 'shutdown' || action === 'forceOff') && status === 'stopped') return 'already stopped';
  if (action === 'reboot' && status === 'stopped') return 'stopped';
  if (status === 'hibernated') return 'hibernated';
  return STATUS[status].label.toLowerCase();
}

export interface Skipped {
  vm: FleetVm;
  why: string;
}

interface BulkPlan {
  /** The VMs the action applies to, in the order given. */
  act: FleetVm[];
  /** The VMs it does not apply to, with why; nothing is sent for them. */
  skipped: Skipped[];
}

/** Splits a selection into the VMs an action applies to and the ones it skips (actionApplies, operation-terms). */
export function planBulk(action: OperationAction, vms: readonly FleetVm[]): BulkPlan {
  const act: FleetVm[] = [];
  const skipped: Skipped[] = [];
  for (const vm of vms) {
    if (actionApplies(action, vm.status)) act.push(vm);
    else skipped.push({ vm, why: skipReason(action, vm.status) });
  }
  return { act, skipped };
}

/** VMs to act on whose guest agent is not reporting (a graceful request may be ignored). */
export function withoutAgent(vms: readonly FleetVm[]): FleetVm[] {
  return vms.filter((vm) => !vm.agentReporting);
}

/** Who is looking: what they may do, and their name (an operation's owner may cancel it). */
export interface Viewer {
  username: string | null;
  role: Role;
  permissions: readonly Permission[];
}

/**
 * Cancel, while it runs: whoever holds `operations:all` (admins), or its owner who still holds the action's
 * permission (`mayCancelOperation`, the rule the BFF's cancel route checks).
 */
export function mayCancel(
  op: { status: string; owner: string; action: OperationAction },
  me: Pick<Viewer, 'username' | 'permissions'>,
): boolean {
  return mayCancelOperation(op, { actor: me.username, permissions: me.permissions });
}

/**
 * "Force now": during an escalating shut down that still waits for this VM's guest (its shut down reached
 * VergeOS, not yet escalated), with `vm:force` (`mayForceNow` of power-rules, the rule the BFF's engine checks).
 */
export function mayForceNow(
  op: { status: string; action: OperationAction; forceAfterS: number | null },
  vm: { state: string; step: string | null; stepSent: boolean; escalated: boolean },
  me: Pick<Viewer, 'permissions'>,
): boolean {
  return rulesMayForceNow(op, vm, me.permissions);
}
