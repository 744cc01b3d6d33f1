// Personal access tokens in SQLite. A token is `pd_` + 43 base64url characters (256 random bits),
// returned once by create; only its SHA-256 hash is stored, with its first characters as a label.
// A token acts with its own role, capped by its owner's current role (looked up at every use), until it
// expires or is revoked or its owner is disabled. Disabling the owner revokes it for good (stores/admin.ts).
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { iso, isoOrNull, looksLikeSecret, randomSecret, sha256Hex, TOKEN_PREFIX } from '../secrets';
import type { AccessToken, Clock, NewAccessToken, Principal, Role, TokenStore } from '../types';
import { checkLabel, checkRole, lowerRole, roleAtMost } from '../validation';

export const DEFAULT_TOKEN_MAX_LIFETIME_MS = 366 * 24 * 60 * 60_000;
/** last_used_at is written at most this often per token. */
export const TOUCH_INTERVAL_MS = 60_000;
/** `pd_` and 8 characters of the token: enough to tell tokens apart, far too little to guess the rest. */
export const PREFIX_LENGTH = TOKEN_PREFIX.length + 8;

interface SqliteTokenStoreOptions {
  now?: Clock;
  /** The longest expiry allowed (a year and a day, so that "one year" always fits). */
  maxLifetimeMs?: number;
}

interface TokenRow {
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

interface LookupRow extends TokenRow {
  owner_role: Role;
  owner_disabled: number;
}

const SELECT = `SELECT t.id, t.user_id, u.username, t.name, t.role, t.prefix, t.created_at, t.expires_at,
  t.last_used_at, t.revoked_at, u.role AS owner_role, u.disabled AS owner_disabled
  FROM access_tokens t JOIN users u ON u.id = t.user_id`;

function toToken(r: TokenRow): AccessToken {
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

export class SqliteTokenStore implements TokenStore {
  private readonly now: Clock;
  private readonly maxLifetimeMs: number;
  private readonly owner;
  private readonly insert;
  private readonly byId;
  private readonly byHash;
  private readonly all;
  private readonly ofUser;
  private readonly touch;
  private readonly revokeAny;
  private readonly revokeOwn;
  private readonly revokeOfUser;
  private readonly activeCounts;
  private readonly deleteExpired;

  constructor(db: SqliteDatabase, options: SqliteTokenStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxLifetimeMs = options.maxLifetimeMs ?? DEFAULT_TOKEN_MAX_LIFETIME_MS;
    this.owner = db.prepare<[number], { role: Role; disabled: number }>(
      'SELECT role, disabled FROM users WHERE id = ?',
    );
    this.insert = db
      .prepare<[number, string, Role, string, string, number, number], number>(
        `INSERT INTO access_tokens (user_id, name, role, token_hash, prefix, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .pluck();
    this.byId = db.prepare<[number], LookupRow>(`${SELECT} WHERE t.id = ?`);
    this.byHash = db.prepare<[string], LookupRow>(`${SELECT} WHERE t.token_hash = ?`);
    this.all = db.prepare<[], LookupRow>(`${SELECT} ORDER BY t.id DESC`);
    this.ofUser = db.prepare<[number], LookupRow>(`${SELECT} WHERE t.user_id = ? ORDER BY t.id DESC`);
    this.touch = db.prepare<[number, number]>('UPDATE access_tokens SET last_used_at = ? WHERE id = ?');
    this.revokeAny = db.prepare<[number, number]>(
      'UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.revokeOwn = db.prepare<[number, number, number]>(
      'UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
    );
    this.revokeOfUser = db
      .prepare<[number, number, number], number>(
        `UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
         RETURNING id`,
      )
      .pluck();
    this.activeCounts = db.prepare<[number], { user_id: number; n: number }>(
      `SELECT user_id, count(*) AS n FROM access_tokens WHERE revoked_at IS NULL AND expires_at > ?
       GROUP BY user_id`,
    );
    this.deleteExpired = db.prepare<[number, number]>('DELETE FROM access_tokens WHERE expires_at + ? <= ?');
  }

  create(input: NewAccessToken): Promise<{ token: string; info: AccessToken }> {
    return settle(() => {
      const name = checkLabel('token', input.name);
      const role = checkRole(input.role);
      const expires = input.expiresAt instanceof Date ? input.expiresAt.getTime() : Number.NaN;
      const now = this.now();
      if (!Number.isFinite(expires)) throw new StoreError('invalid', 'a token needs an expiry date');
      if (expires <= now) throw new StoreError('invalid', 'a token must expire in the future');
      if (expires - now > this.maxLifetimeMs) {
        const days = Math.floor(this.maxLifetimeMs / 86_400_000);
        throw new StoreError('invalid', `a token may live at most ${days} days`);
      }
      const owner = this.owner.get(input.userId);
      if (!owner || owner.disabled !== 0) {
        throw new StoreError('not_found', `no enabled user with id ${input.userId}`);
      }
      if (!roleAtMost(role, owner.role)) {
        throw new StoreError('forbidden', `a ${owner.role} cannot create a ${role} token`);
      }
      const token = randomSecret(TOKEN_PREFIX);
      const id = this.insert.get(
        input.userId,
        name,
        role,
        sha256Hex(token),
        token.slice(0, PREFIX_LENGTH),
        now,
        expires,
      );
      const row = id === undefined ? undefined : this.byId.get(id);
      if (!row) throw new Error('token insert returned nothing');
      return { token, info: toToken(row) };
    });
  }

  lookup(token: string): Promise<Principal | null> {
    return settle(() => {
      if (!looksLikeSecret(token, TOKEN_PREFIX)) return null;
      const r = this.byHash.get(sha256Hex(token));
      const now = this.now();
      if (!r || r.revoked_at !== null || r.expires_at <= now || r.owner_disabled !== 0) return null;
      if (r.last_used_at === null || now - r.last_used_at >= TOUCH_INTERVAL_MS) this.touch.run(now, r.id);
      return {
        authKind: 'token',
        role: lowerRole(r.role, r.owner_role),
        user: { id: r.user_id, username: r.username },
        display: null,
        credentialId: r.id,
        actor: r.username,
      };
    });
  }

  get(id: number): Promise<AccessToken | null> {
    return settle(() => {
      const row = this.byId.get(id);
      return row ? toToken(row) : null;
    });
  }

  find(token: string): Promise<AccessToken | null> {
    return settle(() => {
      if (!looksLikeSecret(token, TOKEN_PREFIX)) return null;
      const row = this.byHash.get(sha256Hex(token));
      return row ? toToken(row) : null;
    });
  }

  list(filter: { userId?: number }): Promise<AccessToken[]> {
    return settle(() =>
      (filter.userId === undefined ? this.all.all() : this.ofUser.all(filter.userId)).map(toToken),
    );
  }

  revoke(id: number, opts: { userId?: number } = {}): Promise<boolean> {
    return settle(() => {
      const now = this.now();
      const result =
        opts.userId === undefined ? this.revokeAny.run(now, id) : this.revokeOwn.run(now, id, opts.userId);
      return result.changes > 0;
    });
  }

  revokeAllOfUser(userId: number): Promise<AccessToken[]> {
    return settle(() => {
      const now = this.now();
      const ids = this.revokeOfUser.all(now, userId, now).sort((a, b) => b - a);
      return ids.flatMap((id) => {
        const row = this.byId.get(id);
        return row ? [toToken(row)] : [];
      });
    });
  }

  activeCountByUser(): Promise<Map<number, number>> {
    return settle(() => new Map(this.activeCounts.all(this.now()).map((r) => [r.user_id, r.n])));
  }

  prune(keptAfterExpiryMs: number): Promise<number> {
    return settle(() => this.deleteExpired.run(Math.max(0, keptAfterExpiryMs), this.now()).changes);
  }
}
