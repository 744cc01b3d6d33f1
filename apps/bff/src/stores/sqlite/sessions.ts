// Sessions in SQLite: browser sessions of users, and wall-display sessions of display links.
// Only the SHA-256 hash of a session id is stored. A lookup joins the user or the display link,
// so disabling a user or revoking a link ends its sessions at once. A person's session (password or single sign-on)
// also ends at an absolute limit from its start (POWERDECK_SESSION_MAX_HOURS), however active; displays have none.
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { iso, looksLikeSecret, randomSecret, sha256Hex } from '../secrets';
import type { Clock, NewSessionInput, Principal, Role, SessionInfo, SessionStore } from '../types';

export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
/**
 * Last-seen is written at most this often per session (each write is a synced commit). Requests in between are
 * not written, so the idle limit counts from the last write plus this slack: a session never ends before its
 * idle limit after the person's last request, and at most this much after it.
 */
export const DEFAULT_TOUCH_INTERVAL_MS = 15_000;
/** The absolute limit of a person's session from its start (12 hours). */
export const DEFAULT_MAX_AGE_MS = 12 * 3600_000;

interface SqliteSessionStoreOptions {
  now?: Clock;
  /** Idle timeout of user sessions (30 minutes); display sessions never idle out. */
  idleTimeoutMs?: number;
  touchIntervalMs?: number;
  /** The absolute limit of a person's session (12 hours); display sessions have none. */
  maxAgeMs?: number;
}

/** A sessions row (both backends read the same columns: ../postgres/sessions.ts). */
export interface SessionRow {
  id: number;
  kind: 'session' | 'display';
  user_id: number | null;
  display_link_id: number | null;
  created_at: number;
  last_seen_at: number;
  idle_timeout_ms: number | null;
  revoked_at: number | null;
  sign_in_method: 'password' | 'sso' | null;
  expires_at: number | null;
}

interface LookupRow extends SessionRow {
  username: string | null;
  role: Role | null;
  disabled: number | null;
  link_name: string | null;
  link_revoked_at: number | null;
}

export const COLUMNS =
  'id, kind, user_id, display_link_id, created_at, last_seen_at, idle_timeout_ms, revoked_at, sign_in_method, expires_at';

export function toInfo(r: SessionRow): SessionInfo {
  return {
    id: r.id,
    kind: r.kind,
    userId: r.user_id,
    displayLinkId: r.display_link_id,
    createdAt: iso(r.created_at),
    lastSeenAt: iso(r.last_seen_at),
    idleTimeoutMs: r.idle_timeout_ms,
    signInMethod: r.sign_in_method,
    expiresAt: r.expires_at === null ? null : iso(r.expires_at),
  };
}

export class SqliteSessionStore implements SessionStore {
  private readonly now: Clock;
  private readonly idleTimeoutMs: number;
  private readonly touchIntervalMs: number;
  private readonly maxAgeMs: number;
  private readonly liveUser;
  private readonly revokePassword;
  private readonly idToken;
  private readonly liveLink;
  private readonly insert;
  private readonly find;
  private readonly touch;
  private readonly expire;
  private readonly revokeOne;
  private readonly revokeUser;
  private readonly deleteDead;

  constructor(db: SqliteDatabase, options: SqliteSessionStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.idleTimeoutMs = positive('idleTimeoutMs', options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    this.touchIntervalMs = Math.max(0, options.touchIntervalMs ?? DEFAULT_TOUCH_INTERVAL_MS);
    this.maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
    this.revokePassword = db.prepare<[number, string]>(
      `UPDATE sessions SET revoked_at = ?
        WHERE sign_in_method = 'password' AND revoked_at IS NULL
          AND user_id NOT IN (SELECT value FROM json_each(?))`,
    );
    this.idToken = db
      .prepare<[string], string | null>(
        "SELECT id_token FROM sessions WHERE id_hash = ? AND revoked_at IS NULL AND sign_in_method = 'sso'",
      )
      .pluck();
    this.liveUser = db
      .prepare<[number], number>('SELECT id FROM users WHERE id = ? AND disabled = 0')
      .pluck();
    this.liveLink = db
      .prepare<[number], number>('SELECT id FROM display_links WHERE id = ? AND revoked_at IS NULL')
      .pluck();
    this.insert = db.prepare<
      [
        string,
        string,
        number | null,
        number | null,
        number,
        number,
        number | null,
        string | null,
        string | null,
        number | null,
      ],
      SessionRow
    >(
      `INSERT INTO sessions (id_hash, kind, user_id, display_link_id, created_at, last_seen_at, idle_timeout_ms,
                             sign_in_method, id_token, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    );
    this.find = db.prepare<[string], LookupRow>(
      `SELECT s.id, s.kind, s.user_id, s.display_link_id, s.created_at, s.last_seen_at,
              s.idle_timeout_ms, s.revoked_at, s.sign_in_method, s.expires_at,
              u.username, u.role, u.disabled, d.name AS link_name, d.revoked_at AS link_revoked_at
         FROM sessions s
         LEFT JOIN users u ON u.id = s.user_id
         LEFT JOIN display_links d ON d.id = s.display_link_id
        WHERE s.id_hash = ?`,
    );
    this.touch = db.prepare<[number, number]>('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
    this.expire = db.prepare<[number, number]>(
      'UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.revokeOne = db.prepare<[number, string]>(
      'UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL',
    );
    this.revokeUser = db.prepare<[number, number]>(
      'UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
    );
    this.deleteDead = db.prepare<[{ slack: number; now: number }]>(
      `DELETE FROM sessions
        WHERE revoked_at IS NOT NULL
           OR (idle_timeout_ms IS NOT NULL AND last_seen_at + idle_timeout_ms + @slack <= @now)
           OR (expires_at IS NOT NULL AND expires_at <= @now)`,
    );
  }

  create(input: NewSessionInput): Promise<{ secret: string; session: SessionInfo }> {
    return settle(() => {
      const now = this.now();
      const secret = randomSecret();
      let row: SessionRow | undefined;
      if (input.kind === 'session') {
        if (this.liveUser.get(input.userId) === undefined) {
          throw new StoreError('not_found', `no enabled user with id ${input.userId}`);
        }
        const idle = positive('idleTimeoutMs', input.idleTimeoutMs ?? this.idleTimeoutMs);
        row = this.insert.get(
          sha256Hex(secret),
          'session',
          input.userId,
          null,
          now,
          now,
          idle,
          input.signInMethod ?? 'password',
          input.idToken ?? null,
          now + this.maxAgeMs,
        );
      } else if (input.kind === 'display') {
        if (this.liveLink.get(input.displayLinkId) === undefined) {
          throw new StoreError('not_found', `no live display link with id ${input.displayLinkId}`);
        }
        row = this.insert.get(
          sha256Hex(secret),
          'display',
          null,
          input.displayLinkId,
          now,
          now,
          null,
          null,
          null,
          null,
        );
      } else {
        throw new StoreError('invalid', 'a session kind must be session or display');
      }
      if (!row) throw new Error('session insert returned nothing');
      return { secret, session: toInfo(row) };
    });
  }

  lookup(secret: string, options: { touch?: boolean } = {}): Promise<Principal | null> {
    return settle(() => {
      if (!looksLikeSecret(secret)) return null;
      const r = this.find.get(sha256Hex(secret));
      if (!r || r.revoked_at !== null) return null;
      const now = this.now();
      const idle =
        r.idle_timeout_ms !== null && now - r.last_seen_at >= r.idle_timeout_ms + this.touchIntervalMs;
      if (idle || (r.expires_at !== null && now >= r.expires_at)) {
        // Idling out is final, whatever the clock does next.
        this.expire.run(now, r.id);
        return null;
      }
      let principal: Principal;
      if (r.kind === 'session') {
        if (r.user_id === null || r.username === null || r.role === null || r.disabled !== 0) return null;
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
      if (options.touch !== false && now - r.last_seen_at >= this.touchIntervalMs) this.touch.run(now, r.id);
      return principal;
    });
  }

  revoke(secret: string): Promise<boolean> {
    return settle(() => {
      if (!looksLikeSecret(secret)) return false;
      return this.revokeOne.run(this.now(), sha256Hex(secret)).changes > 0;
    });
  }

  revokeAllForUser(userId: number): Promise<number> {
    return settle(() => this.revokeUser.run(this.now(), userId).changes);
  }

  revokePasswordSessionsExcept(userIds: readonly number[]): Promise<number> {
    return settle(() => this.revokePassword.run(this.now(), JSON.stringify(userIds)).changes);
  }

  idTokenOf(secret: string): Promise<string | null> {
    return settle(() => (looksLikeSecret(secret) ? (this.idToken.get(sha256Hex(secret)) ?? null) : null));
  }

  prune(): Promise<number> {
    return settle(() => this.deleteDead.run({ slack: this.touchIntervalMs, now: this.now() }).changes);
  }
}

/** A whole number of milliseconds above 0; StoreError 'invalid' otherwise (PostgreSQL's store says the same). */
export function positive(name: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new StoreError('invalid', `${name} must be a whole number of milliseconds above 0`);
  }
  return ms;
}
