// Sessions in PostgreSQL: the same rules as the SQLite store (../sqlite/sessions.ts). Every server reads and writes
// the same rows, so a session made through one server is found, touched, revoked and idled out through any other.
// What SQLite got from its one writer is kept so:
// - A new user session locks its user's row (FOR SHARE) while it is inserted, so a disable on another server waits
//   for it (and the revocation of the user's sessions that follows the disable sees it) or goes first (and the
//   session is refused). Without the lock a session made at the moment of a disable could escape that revocation and
//   come back to life when the user is enabled again.
// - Idling out is written only while the row still shows the idle time (its last-seen time in the UPDATE's WHERE),
//   so a touch by another server in between keeps the session; last-seen never moves back (servers' clocks differ
//   by a little).
import type { PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { looksLikeSecret, randomSecret, sha256Hex } from '../secrets';
import {
  COLUMNS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_TOUCH_INTERVAL_MS,
  positive,
  toInfo,
  type SessionRow,
} from '../sqlite/sessions';
import type { Clock, NewSessionInput, Principal, Role, SessionInfo, SessionStore } from '../types';
import { int4 } from './sql';

interface PgSessionStoreOptions {
  now?: Clock;
  /** Idle timeout of user sessions (30 minutes); display sessions never idle out. */
  idleTimeoutMs?: number;
  /** Last-seen is written at most this often per session (15 s): see ../sqlite/sessions.ts. */
  touchIntervalMs?: number;
  /** The absolute limit of a person's session (12 hours): see ../sqlite/sessions.ts. */
  maxAgeMs?: number;
}

interface LookupRow extends SessionRow {
  username: string | null;
  role: Role | null;
  disabled: boolean | null;
  link_name: string | null;
  link_revoked_at: number | null;
}

export class PgSessionStore implements SessionStore {
  private readonly now: Clock;
  private readonly idleTimeoutMs: number;
  private readonly touchIntervalMs: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly pool: PgPool,
    options: PgSessionStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.idleTimeoutMs = positive('idleTimeoutMs', options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    this.touchIntervalMs = Math.max(0, options.touchIntervalMs ?? DEFAULT_TOUCH_INTERVAL_MS);
    this.maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
  }

  async create(input: NewSessionInput): Promise<{ secret: string; session: SessionInfo }> {
    const now = this.now();
    const secret = randomSecret();
    let row: SessionRow | undefined;
    if (input.kind === 'session') {
      const idle = positive('idleTimeoutMs', input.idleTimeoutMs ?? this.idleTimeoutMs);
      const r = await this.pool.query<SessionRow>(
        `INSERT INTO sessions (id_hash, kind, user_id, display_link_id, created_at, last_seen_at, idle_timeout_ms,
                               sign_in_method, id_token, expires_at)
         SELECT $1, 'session', id, NULL, $2, $2, $3, $5, $6, $7 FROM users WHERE id = $4 AND NOT disabled FOR SHARE
         RETURNING ${COLUMNS}`,
        [
          sha256Hex(secret),
          now,
          idle,
          int4(input.userId),
          input.signInMethod ?? 'password',
          input.idToken ?? null,
          now + this.maxAgeMs,
        ],
      );
      row = r.rows[0];
      if (!row) throw new StoreError('not_found', `no enabled user with id ${input.userId}`);
    } else if (input.kind === 'display') {
      const r = await this.pool.query<SessionRow>(
        `INSERT INTO sessions (id_hash, kind, user_id, display_link_id, created_at, last_seen_at, idle_timeout_ms)
         SELECT $1, 'display', NULL, id, $2, $2, NULL FROM display_links WHERE id = $3 AND revoked_at IS NULL
         FOR SHARE
         RETURNING ${COLUMNS}`,
        [sha256Hex(secret), now, int4(input.displayLinkId)],
      );
      row = r.rows[0];
      if (!row) throw new StoreError('not_found', `no live display link with id ${input.displayLinkId}`);
    } else {
      throw new StoreError('invalid', 'a session kind must be session or display');
    }
    return { secret, session: toInfo(row) };
  }

  async lookup(secret: string, options: { touch?: boolean } = {}): Promise<Principal | null> {
    if (!looksLikeSecret(secret)) return null;
    const found = await this.pool.query<LookupRow>(
      `SELECT s.id, s.kind, s.user_id, s.display_link_id, s.created_at, s.last_seen_at,
              s.idle_timeout_ms, s.revoked_at, s.sign_in_method, s.expires_at,
              u.username, u.role, u.disabled, d.name AS link_name, d.revoked_at AS link_revoked_at
         FROM sessions s
         LEFT JOIN users u ON u.id = s.user_id
         LEFT JOIN display_links d ON d.id = s.display_link_id
        WHERE s.id_hash = $1`,
      [sha256Hex(secret)],
    );
    const r = found.rows[0];
    if (!r || r.revoked_at !== null) return null;
    const now = this.now();
    if (r.expires_at !== null && now >= r.expires_at) {
      // Past the absolute limit: final.
      await this.pool.query('UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [
        now,
        r.id,
      ]);
      return null;
    }
    if (r.idle_timeout_ms !== null && now - r.last_seen_at >= r.idle_timeout_ms + this.touchIntervalMs) {
      // Idling out is final, whatever the clock does next; unless another server saw the session used meanwhile.
      await this.pool.query(
        `UPDATE sessions SET revoked_at = $1
          WHERE id = $2 AND revoked_at IS NULL AND last_seen_at + idle_timeout_ms + $3 <= $1`,
        [now, r.id, this.touchIntervalMs],
      );
      return null;
    }
    let principal: Principal;
    if (r.kind === 'session') {
      if (r.user_id === null || r.username === null || r.role === null || r.disabled !== false) return null;
      principal = {
        authKind: 'session',
        role: r.role,
        user: { id: r.user_id, username: r.username },
        display: null,
        credentialId: r.id,
        actor: r.username,
        signInMethod: r.sign_in_method ?? 'password',
      };
    } else {
      if (r.display_link_id === null || r.link_name === null || r.link_revoked_at !== null) return null;
      principal = {
        authKind: 'display',
        role: 'viewer',
        user: null,
        display: { id: r.display_link_id, name: r.link_name },
        credentialId: r.id,
        actor: `display:${r.link_name}`,
      };
    }
    if (options.touch !== false && now - r.last_seen_at >= this.touchIntervalMs) {
      await this.pool.query('UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1', [
        now,
        r.id,
      ]);
    }
    return principal;
  }

  async revoke(secret: string): Promise<boolean> {
    if (!looksLikeSecret(secret)) return false;
    const r = await this.pool.query(
      'UPDATE sessions SET revoked_at = $1 WHERE id_hash = $2 AND revoked_at IS NULL',
      [this.now(), sha256Hex(secret)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async revokeAllForUser(userId: number): Promise<number> {
    const r = await this.pool.query(
      'UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL',
      [this.now(), int4(userId)],
    );
    return r.rowCount ?? 0;
  }

  async revokePasswordSessionsExcept(userIds: readonly number[]): Promise<number> {
    const r = await this.pool.query(
      `UPDATE sessions SET revoked_at = $1
        WHERE sign_in_method = 'password' AND revoked_at IS NULL AND NOT (user_id = ANY($2::int[]))`,
      [this.now(), userIds.map(int4)],
    );
    return r.rowCount ?? 0;
  }

  async idTokenOf(secret: string): Promise<string | null> {
    if (!looksLikeSecret(secret)) return null;
    const r = await this.pool.query<{ id_token: string | null }>(
      "SELECT id_token FROM sessions WHERE id_hash = $1 AND revoked_at IS NULL AND sign_in_method = 'sso'",
      [sha256Hex(secret)],
    );
    return r.rows[0]?.id_token ?? null;
  }

  async prune(): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM sessions
        WHERE revoked_at IS NOT NULL
           OR (idle_timeout_ms IS NOT NULL AND last_seen_at + idle_timeout_ms + $1 <= $2)
           OR (expires_at IS NOT NULL AND expires_at <= $2)`,
      [this.touchIntervalMs, this.now()],
    );
    return r.rowCount ?? 0;
  }
}
