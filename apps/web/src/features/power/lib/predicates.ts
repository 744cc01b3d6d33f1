// Which power buttons a VM shows: small pure predicates over its status and the session's permissions, by the rules
// the BFF enforces (packages/contracts/src/power-rules.ts: the statuses each action applies to, the permissions its
// VergeOS request needs). The UI only hides; the BFF refuses.
import type { PowerStatus } from '@powerdeck/contracts/power-terms';
import { mayPowerAction, type ActionId } from '@powerdeck/contracts/power-rules';
import type { Permission, Role } from '@powerdeck/contracts/roles';

export type { Role };

/** Who is looking, as the power controls need it: the permissions decide the buttons, the role the reason. */
export interface PowerViewer {
  role: Role;
  permissions: readonly Permission[];
}

type Held = readonly Permission[];

export function canPowerOn(status: PowerStatus, held: Held): boolean {
  return mayPowerAction('start', status, held);
}

/** `Start on node…`: a start with `params.preferred_node` (`vm:place` too). */
export function canPowerOnNode(status: PowerStatus, held: Held): boolean {
  return mayPowerAction('start', status, held, { onNode: true });
}

export function canShutDown(status: PowerStatus, held: Held): boolean {
  return mayPowerAction('shutdown', status, held);
}

export function canReboot(status: PowerStatus, held: Held): boolean {
  return mayPowerAction('reboot', status, held);
}

export function canForceOff(status: PowerStatus, held: Held): boolean {
  return mayPowerAction('forceOff', status, held);
}

export function canReset(status: PowerStatus, held: Held): boolean {
  return mayPowerAction('reset', status, held);
}

export function canHibernate(status: PowerStatus, held: Held): boolean {
  return mayPowerAction('hibernate', status, held);
}

export const PREDICATES: Record<ActionId, (status: PowerStatus, held: Held) => boolean> = {
  start: canPowerOn,
  shutdown: canShutDown,
  reboot: canReboot,
  forceOff: canForceOff,
  reset: canReset,
  hibernate: canHibernate,
};

/** The buttons of a card, safe ones first, in a fixed order. */
export function availableActions(status: PowerStatus, held: Held): ActionId[] {
  const order: ActionId[] = ['start', 'shutdown', 'reboot', 'hibernate', 'forceOff', 'reset'];
  return order.filter((id) => PREDICATES[id](status, held));
}
