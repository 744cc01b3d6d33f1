// Personal access tokens in PostgreSQL: the same rules as the SQLite store (../sqlite/tokens.ts). A new token is
// checked against its owner and inserted in one transaction holding the owner's row (FOR SHARE): a disable on another
// server waits for the insert, and the revocation of the owner's tokens that follows it sees the new token; or the
// disable goes first and the token is refused. Without the lock a token made at the moment of a disable could escape
// that revocation and work again once the owner is enabled. Every other write is one statement.
import { inTransaction, type PgPool } from '../../db/postgres';
import {
  checkNewToken,
  checkOwner,
  DEFAULT_TOKEN_MAX_LIFETIME_MS,
  PREFIX_LENGTH,
  TOKEN_COLUMNS,
  TOKEN_SELECT as SELECT,
  tokenPrincipal,
  toToken,
  touchDue,
  usable,
  type LookupRow,
} from '../rows/tokens';
import { looksLikeSecret, randomSecret, sha256Hex, TOKEN_PREFIX } from '../secrets';
import type { AccessToken, Clock, NewAccessToken, Principal, Role, TokenStore } from '../types';
import { int4 } from './sql';

interface PgTokenStoreOptions {
  now?: Clock;
  /** The longest expiry allowed (a year and a day, so that "one year" always fits). */
  maxLifetimeMs?: number;
}

export class PgTokenStore implements TokenStore {
  private readonly now: Clock;
  private readonly maxLifetimeMs: number;

  constructor(
    private readonly pool: PgPool,
    options: PgTokenStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxLifetimeMs = options.maxLifetimeMs ?? DEFAULT_TOKEN_MAX_LIFETIME_MS;
  }

  private async byId(id: number): Promise<LookupRow | undefined> {
    return (await this.pool.query<LookupRow>(`${SELECT} WHERE t.id = $1`, [int4(id)])).rows[0];
  }

  private async byHash(token: string): Promise<LookupRow | undefined> {
    return (await this.pool.query<LookupRow>(`${SELECT} WHERE t.token_hash = $1`, [sha256Hex(token)]))
      .rows[0];
  }

  async create(input: NewAccessToken): Promise<{ token: string; info: AccessToken }> {
    const now = this.now();
    const { name, role, expires } = checkNewToken(input, now, this.maxLifetimeMs);
    const token = randomSecret(TOKEN_PREFIX);
    const id = await inTransaction(this.pool, async (client) => {
      const owner = (
        await client.query<{ role: Role; disabled: boolean }>(
          'SELECT role, disabled FROM users WHERE id = $1 FOR SHARE',
          [int4(input.userId)],
        )
      ).rows[0];
      checkOwner(owner, role, input.userId);
      const r = await client.query<{ id: number }>(
        `INSERT INTO access_tokens (user_id, name, role, token_hash, prefix, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [input.userId, name, role, sha256Hex(token), token.slice(0, PREFIX_LENGTH), now, expires],
      );
      return r.rows[0]?.id;
    });
    const row = id === undefined ? undefined : await this.byId(id);
    if (!row) throw new Error('token insert returned nothing');
    return { token, info: toToken(row) };
  }

  async lookup(token: string): Promise<Principal | null> {
    if (!looksLikeSecret(token, TOKEN_PREFIX)) return null;
    const r = await this.byHash(token);
    const now = this.now();
    if (!r || !usable(r, now)) return null;
    if (touchDue(r, now)) {
      // Forwards only: another server may have written a later use meanwhile.
      await this.pool.query(
        'UPDATE access_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)',
        [now, r.id],
      );
    }
    return tokenPrincipal(r);
  }

  async get(id: number): Promise<AccessToken | null> {
    const row = await this.byId(id);
    return row ? toToken(row) : null;
  }

  async find(token: string): Promise<AccessToken | null> {
    if (!looksLikeSecret(token, TOKEN_PREFIX)) return null;
    const row = await this.byHash(token);
    return row ? toToken(row) : null;
  }

  async list(filter: { userId?: number }): Promise<AccessToken[]> {
    const r =
      filter.userId === undefined
        ? await this.pool.query<LookupRow>(`${SELECT} ORDER BY t.id DESC`)
        : await this.pool.query<LookupRow>(`${SELECT} WHERE t.user_id = $1 ORDER BY t.id DESC`, [
            int4(filter.userId),
          ]);
    return r.rows.map(toToken);
  }

  async revoke(id: number, opts: { userId?: number } = {}): Promise<boolean> {
    const now = this.now();
    const r =
      opts.userId === undefined
        ? await this.pool.query(
            'UPDATE access_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
            [now, int4(id)],
          )
        : await this.pool.query(
            'UPDATE access_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL',
            [now, int4(id), int4(opts.userId)],
          );
    return (r.rowCount ?? 0) > 0;
  }

  async revokeAllOfUser(userId: number): Promise<AccessToken[]> {
    const now = this.now();
    // One statement: the tokens it revoked, read back with their owner, as they are now.
    const r = await this.pool.query<LookupRow>(
      `WITH revoked AS (
         UPDATE access_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1
         RETURNING *
       )
       SELECT ${TOKEN_COLUMNS} FROM revoked t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC`,
      [now, int4(userId)],
    );
    return r.rows.map(toToken);
  }

  async activeCountByUser(): Promise<Map<number, number>> {
    const r = await this.pool.query<{ user_id: number; n: number }>(
      `SELECT user_id, count(*)::int AS n FROM access_tokens WHERE revoked_at IS NULL AND expires_at > $1
       GROUP BY user_id`,
      [this.now()],
    );
    return new Map(r.rows.map((row) => [row.user_id, row.n]));
  }

  async prune(keptAfterExpiryMs: number): Promise<number> {
    const r = await this.pool.query('DELETE FROM access_tokens WHERE expires_at + $1 <= $2', [
      Math.max(0, keptAfterExpiryMs),
      this.now(),
    ]);
    return r.rowCount ?? 0;
  }
}
