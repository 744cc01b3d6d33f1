// A personal access token's row, the same on both backends (read with its owner's name, role and disabled flag):
// its columns, how it reads back into a record and a principal, and the rules both stores apply to a new token and to
// a token presented. The backends differ only in the owner's disabled flag (SQLite 0/1, PostgreSQL true/false: see
// ./columns.ts, Flag). Only ../sqlite/tokens.ts and ../postgres/tokens.ts use it.
import { StoreError } from '../errors';
import { iso, isoOrNull, TOKEN_PREFIX } from '../secrets';
import type { AccessToken, NewAccessToken, Principal, Role } from '../types';
import { checkLabel, checkRole, lowerRole, roleAtMost } from '../validation';
import { isSet, type Flag } from './columns';

export const DEFAULT_TOKEN_MAX_LIFETIME_MS = 366 * 24 * 60 * 60_000;
/** last_used_at is written at most this often per token. */
export const TOUCH_INTERVAL_MS = 60_000;
/** `pd_` and 8 characters of the token: enough to tell tokens apart, far too little to guess the rest. */
export const PREFIX_LENGTH = TOKEN_PREFIX.length + 8;

export interface TokenRow {
  id: number;
  user_id: number;
  username: string;
  name: string;
  role: Role;
  prefix: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A token with its owner's role and disabled flag, as TOKEN_SELECT reads it. */
export interface LookupRow extends TokenRow {
  owner_role: Role;
  owner_disabled: Flag;
}

/** A token's columns and its owner's (`t`: access_tokens, `u`: users). */
export const TOKEN_COLUMNS = `t.id, t.user_id, u.username, t.name, t.role, t.prefix, t.created_at, t.expires_at,
  t.last_used_at, t.revoked_at, u.role AS owner_role, u.disabled AS owner_disabled`;

/** Tokens with their owners: `WHERE` and `ORDER BY` follow. */
export const TOKEN_SELECT = `SELECT ${TOKEN_COLUMNS} FROM access_tokens t JOIN users u ON u.id = t.user_id`;

export function toToken(r: TokenRow): AccessToken {
  return {
    id: r.id,
    user: { id: r.user_id, username: r.username },
    name: r.name,
    role: r.role,
    prefix: r.prefix,
    createdAt: iso(r.created_at),
    expiresAt: iso(r.expires_at),
    lastUsedAt: isoOrNull(r.last_used_at),
    revokedAt: isoOrNull(r.revoked_at),
  };
}

/**
 * A new token's name, role and expiry (ms), checked: StoreError 'invalid' for a bad name or role, or an expiry
 * missing, past or further than `maxLifetimeMs` from `now`.
 */
export function checkNewToken(
  input: NewAccessToken,
  now: number,
  maxLifetimeMs: number,
): { name: string; role: Role; expires: number } {
  const name = checkLabel('token', input.name);
  const role = checkRole(input.role);
  const expires = input.expiresAt instanceof Date ? input.expiresAt.getTime() : Number.NaN;
  if (!Number.isFinite(expires)) throw new StoreError('invalid', 'a token needs an expiry date');
  if (expires <= now) throw new StoreError('invalid', 'a token must expire in the future');
  if (expires - now > maxLifetimeMs) {
    const days = Math.floor(maxLifetimeMs / 86_400_000);
    throw new StoreError('invalid', `a token may live at most ${days} days`);
  }
  return { name, role, expires };
}

/**
 * Refuses a token of `role` for this owner (undefined: none with that id): StoreError 'not_found' unless the owner
 * is there and enabled, 'forbidden' when the role is above the owner's.
 */
export function checkOwner(
  owner: { role: Role; disabled: Flag } | undefined,
  role: Role,
  userId: number,
): void {
  if (!owner || isSet(owner.disabled)) {
    throw new StoreError('not_found', `no enabled user with id ${userId}`);
  }
  if (!roleAtMost(role, owner.role)) {
    throw new StoreError('forbidden', `a ${owner.role} cannot create a ${role} token`);
  }
}

/** Whether a token presented now acts: not revoked, not expired, its owner enabled. */
export function usable(r: LookupRow, now: number): boolean {
  return r.revoked_at === null && r.expires_at > now && !isSet(r.owner_disabled);
}

/** Whether a use now is to be written (the last one written is TOUCH_INTERVAL_MS old, or none is). */
export function touchDue(r: TokenRow, now: number): boolean {
  return r.last_used_at === null || now - r.last_used_at >= TOUCH_INTERVAL_MS;
}

/** Who a usable token acts as: its own role, capped by its owner's current role. */
export function tokenPrincipal(r: LookupRow): Principal {
  return {
    authKind: 'token',
    role: lowerRole(r.role, r.owner_role),
    user: { id: r.user_id, username: r.username },
    display: null,
    credentialId: r.id,
    actor: r.username,
  };
}
