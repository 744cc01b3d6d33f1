// Which power buttons a VM shows: small pure predicates over its status and the user's role.
// The UI only hides; the BFF enforces roles.
import type { PowerStatus } from '@powerdeck/contracts/power';
import type { Role } from '@powerdeck/contracts/roles';
import type { ActionId } from './actions';

export type { Role };

/** Statuses in which a machine holds a node and can be forced off or reset. */
const FORCEABLE: ReadonlySet<PowerStatus> = new Set<PowerStatus>([
  'running',
  'starting',
  'stopping',
  'unresponsive',
]);
/** Statuses a start applies to (`error` so that a failed start can be retried). */
const STARTABLE: ReadonlySet<PowerStatus> = new Set<PowerStatus>(['stopped', 'hibernated', 'error']);

const isHelpdeskOrAdmin = (role: Role) => role === 'helpdesk' || role === 'admin';

export function canPowerOn(status: PowerStatus, role: Role): boolean {
  return isHelpdeskOrAdmin(role) && STARTABLE.has(status);
}

/** `Start on node…`: a start with `params.preferred_node`, for admins. */
export function canPowerOnNode(status: PowerStatus, role: Role): boolean {
  return role === 'admin' && STARTABLE.has(status);
}

export function canShutDown(status: PowerStatus, role: Role): boolean {
  return isHelpdeskOrAdmin(role) && status === 'running';
}

export function canReboot(status: PowerStatus, role: Role): boolean {
  return isHelpdeskOrAdmin(role) && status === 'running';
}

export function canForceOff(status: PowerStatus, role: Role): boolean {
  return role === 'admin' && FORCEABLE.has(status);
}

export function canReset(status: PowerStatus, role: Role): boolean {
  return role === 'admin' && FORCEABLE.has(status);
}

export function canHibernate(status: PowerStatus, role: Role): boolean {
  return role === 'admin' && status === 'running';
}

export const PREDICATES: Record<ActionId, (status: PowerStatus, role: Role) => boolean> = {
  start: canPowerOn,
  shutdown: canShutDown,
  reboot: canReboot,
  forceOff: canForceOff,
  reset: canReset,
  hibernate: canHibernate,
};

/** The buttons of a card, safe ones first, in a fixed order. */
export function availableActions(status: PowerStatus, role: Role): ActionId[] {
  const order: ActionId[] = ['start', 'shutdown', 'reboot', 'hibernate', 'forceOff', 'reset'];
  return order.filter((id) => PREDICATES[id](status, role));
}
