// Roles and permissions: who may do what. No TypeBox here, so that the web app can import these values
// (the schemas in ./auth would pull TypeBox into the browser bundle). The BFF enforces; the web app only
// hides what the BFF would refuse.
import type { PowerAction } from './power-terms';

export const ROLES = ['viewer', 'helpdesk', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** How a request proved who it is from. */
export const AUTH_KINDS = ['session', 'display', 'token'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/**
 * The header every state-changing browser request carries (value `1`). A cross-site form cannot set
 * it, and a cross-site fetch that sets it needs a CORS preflight the BFF never grants.
 */
export const CSRF_HEADER = 'x-powerdeck-csrf';

/**
 * Sent (value `1`) on a request the browser makes on its own while the person is away (no input for a minute):
 * such a request does not keep a signed-in session alive, so an unattended dashboard idles out.
 */
export const PASSIVE_HEADER = 'x-powerdeck-passive';

/**
 * Why a person shuts down or reboots a VM: required for helpdesk, recorded for everyone. Sent as a
 * header so that the `vm_actions` body stays exactly VergeOS's; the value is URI-encoded
 * (`encodeURIComponent`) so that any text fits; at most MAX_REASON_LENGTH characters once decoded.
 */
export const REASON_HEADER = 'x-powerdeck-reason';
export const MAX_REASON_LENGTH = 500;

/** What a role may do. A display is a viewer; a token has its own role, capped by its owner's. */
export const PERMISSIONS = [
  'fleet:read',
  'vm:start',
  'vm:shutdown',
  'vm:reboot',
  'vm:force',
  'vm:place',
  'tokens:own',
  'tokens:all',
  'users:manage',
  'displays:manage',
  'audit:read',
  'operations:all',
  'schedules:manage',
  'schedules:skip',
  'plans:manage',
  'alerts:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['fleet:read', 'tokens:own'],
  helpdesk: ['fleet:read', 'tokens:own', 'vm:start', 'vm:shutdown', 'vm:reboot', 'schedules:skip'],
  admin: PERMISSIONS,
};

/** Permissions that only a person signed in with a password has (never a display or a token). */
export const SESSION_ONLY_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  'tokens:own',
  'tokens:all',
  'users:manage',
  'displays:manage',
]);

/** What a permission lets a person do, for messages: "Your role (viewer) may not shut down VMs". */
export const PERMISSION_WORDS: Readonly<Record<Permission, string>> = {
  'fleet:read': 'see the fleet',
  'vm:start': 'start VMs',
  'vm:shutdown': 'shut down VMs',
  'vm:reboot': 'reboot VMs',
  'vm:force': 'force off, reset or hibernate VMs',
  'vm:place': 'choose the node a VM starts on',
  'tokens:own': 'manage personal access tokens',
  'tokens:all': "manage other people's tokens",
  'users:manage': 'manage users',
  'displays:manage': 'manage display links',
  'audit:read': 'read the audit log',
  'operations:all': "cancel other people's operations",
  'schedules:manage': 'create, edit and delete schedules',
  'schedules:skip': 'skip, pause and resume schedules',
  'plans:manage': 'create, edit and delete power plans',
  'alerts:manage': 'manage alert targets',
};

export function roleMay(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** The lowest role that has a permission (for "that needs helpdesk or admin"). */
export function lowestRoleWith(permission: Permission): Role {
  return ROLES.find((r) => roleMay(r, permission)) ?? 'admin';
}

/** Roles in order of power; a token's role may be no higher than its owner's. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** What a VergeOS power action needs: `reset` with `graceful: true` is a reboot; hard reset, kill and hibernate force. */
export function actionPermissions(
  action: PowerAction,
  params: { graceful?: boolean; preferred_node?: unknown } = {},
): Permission[] {
  switch (action) {
    case 'poweron':
      return params.preferred_node === undefined ? ['vm:start'] : ['vm:start', 'vm:place'];
    case 'poweroff':
      return ['vm:shutdown'];
    case 'reset':
      return params.graceful === true ? ['vm:reboot'] : ['vm:force'];
    case 'kill':
    case 'hibernate':
      return ['vm:force'];
  }
}

/** Helpdesk must say why it shuts down or reboots a VM; everyone else may. */
export function reasonRequired(role: Role, permissions: readonly Permission[]): boolean {
  return role === 'helpdesk' && permissions.some((p) => p === 'vm:shutdown' || p === 'vm:reboot');
}
