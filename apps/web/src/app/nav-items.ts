// The header's links, by permission: a person sees a link only to a page their role may open (the BFF enforces;
// this only hides). Pure (tested in test/app-nav.test.ts).
import type { AuthKind, Permission, Role } from '@powerdeck/contracts/roles';

interface NavItem {
  href: string;
  /** The link's accessible name (docs/ui-contract.md). */
  label: string;
  /** What the page needs; null: everyone signed in. */
  permission: Permission | null;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/', label: 'Fleet', permission: null },
  { href: '/operations', label: 'Operations', permission: 'fleet:read' },
  { href: '/schedules', label: 'Schedules', permission: 'fleet:read' },
  { href: '/plans', label: 'Plans', permission: 'fleet:read' },
  { href: '/audit', label: 'Audit log', permission: 'audit:read' },
  { href: '/admin/users', label: 'Users', permission: 'users:manage' },
  { href: '/admin/sign-in', label: 'Sign-in', permission: 'users:manage' },
  { href: '/admin/displays', label: 'Display links', permission: 'displays:manage' },
  { href: '/admin/alerts', label: 'Alerts', permission: 'alerts:manage' },
  { href: '/tokens', label: 'Tokens', permission: 'tokens:own' },
];

export function navItems(permissions: readonly Permission[]): NavItem[] {
  return NAV_ITEMS.filter((i) => i.permission === null || permissions.includes(i.permission));
}

/** Whether a link is the current page: `/` also for a VM's page, the others for their own subpaths. */
export function isCurrent(href: string, pathname: string): boolean {
  if (href === '/') return pathname === '/' || pathname.startsWith('/vms/');
  return pathname === href || pathname.startsWith(`${href}/`);
}

/** Who is signed in, for the header: "alice · helpdesk", or "Display: Lobby wall" for a wall display. */
export function sessionLabel(s: {
  authKind: AuthKind;
  role: Role;
  username: string | null;
  display: string | null;
}): string {
  if (s.authKind === 'display') return `Display: ${s.display ?? 'unnamed'}`;
  return `${s.username ?? 'unknown'} · ${s.role}`;
}

/** A display signs out by having its link revoked, not with a button on the wall. */
export const canSignOut = (s: { authKind: AuthKind }): boolean => s.authKind !== 'display';
