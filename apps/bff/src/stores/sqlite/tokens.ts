// Personal access tokens in SQLite. A token is `pd_` + 43 base64url characters (256 random bits),
// returned once by create; only its SHA-256 hash is stored, with its first characters as a label.
// A token acts with its own role, capped by its owner's current role (looked up at every use), until it
// expires or is revoked or its owner is disabled. Disabling the owner revokes it for good (stores/admin.ts).
import type { SqliteDatabase } from '../../db/database';
import { settle } from '../errors';
import type { Flag } from '../rows/columns';
import {
  checkNewToken,
  checkOwner,
  DEFAULT_TOKEN_MAX_LIFETIME_MS,
  PREFIX_LENGTH,
  TOKEN_SELECT as SELECT,
  tokenPrincipal,
  toToken,
  touchDue,
  usable,
  type LookupRow,
} from '../rows/tokens';
import { looksLikeSecret, randomSecret, sha256Hex, TOKEN_PREFIX } from '../secrets';
import type { AccessToken, Clock, NewAccessToken, Principal, Role, TokenStore } from '../types';

interface SqliteTokenStoreOptions {
  now?: Clock;
  /** The longest expiry allowed (a year and a day, so that "one year" always fits). */
  maxLifetimeMs?: number;
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
    this.owner = db.prepare<[number], { role: Role; disabled: Flag }>(
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
      const now = this.now();
      const { name, role, expires } = checkNewToken(input, now, this.maxLifetimeMs);
      checkOwner(this.owner.get(input.userId), role, input.userId);
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
      if (!r || !usable(r, now)) return null;
      if (touchDue(r, now)) this.touch.run(now, r.id);
      return tokenPrincipal(r);
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
