// Rules on names and passwords shared by every store implementation and the CLIs.
import { StoreError } from './errors';
import { ROLES, type Role } from './types';

const USERNAME_RULE = '1 to 64 characters of a-z, 0-9, dot, underscore, hyphen and @';
export const PASSWORD_MIN = 12;
/** Longer input only costs hashing time. */
export const PASSWORD_MAX = 1024;

const USERNAME = /^[a-z0-9._@-]{1,64}$/;

/** The stored form of a user name (lower case); throws StoreError 'invalid'. */
export function normalizeUsername(name: string): string {
  const n = typeof name === 'string' ? name.trim().toLowerCase() : '';
  if (!USERNAME.test(n)) throw new StoreError('invalid', `a user name must be ${USERNAME_RULE}`);
  return n;
}

/** The lower-case name, or null when it cannot be a user name (no throw: for look-ups). */
export function usernameOrNull(name: string): string | null {
  const n = typeof name === 'string' ? name.trim().toLowerCase() : '';
  return USERNAME.test(n) ? n : null;
}

export function checkPassword(password: string): void {
  if (typeof password !== 'string') throw new StoreError('invalid', 'a password is required');
  const length = [...password].length;
  if (length < PASSWORD_MIN) {
    throw new StoreError('invalid', `a password must have at least ${PASSWORD_MIN} characters`);
  }
  if (length > PASSWORD_MAX) {
    throw new StoreError('invalid', `a password must have at most ${PASSWORD_MAX} characters`);
  }
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function checkRole(value: unknown): Role {
  if (!isRole(value)) throw new StoreError('invalid', `a role must be one of ${ROLES.join(', ')}`);
  return value;
}

const RANK: Record<Role, number> = { viewer: 0, helpdesk: 1, admin: 2 };

/** Whether `role` grants no more than `ceiling`. */
export function roleAtMost(role: Role, ceiling: Role): boolean {
  return RANK[role] <= RANK[ceiling];
}

/** The lower of two roles. */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

/** A display or token name: trimmed, 1 to 100 characters, no control characters. */
export function checkLabel(what: string, name: string): string {
  const n = typeof name === 'string' ? name.trim() : '';
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (n.length < 1 || n.length > 100 || /[\u0000-\u001f\u007f]/.test(n)) {
    throw new StoreError('invalid', `a ${what} name must be 1 to 100 characters without control characters`);
  }
  return n;
}
