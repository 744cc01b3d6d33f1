// Single sign-on in SQLite: sign-ins under way (state, nonce, PKCE verifier, where to go back), refusals kept for the
// refusal page, and the sign-in settings. A sign-in under way is bound to the browser that started it by a cookie of
// which only the SHA-256 hash is stored, and is consumed once: the UPDATE that marks it used is the check (a replayed
// callback finds it used). The PostgreSQL store (../postgres/sso.ts) does the same with the same statements' meaning.
import type { SqliteDatabase } from '../../db/database';
import { settle } from '../errors';
import { iso, randomSecret, sha256Hex } from '../secrets';
import type { Clock, PendingSignIn, SignInSettingsRecord, SsoStore } from '../types';

interface PendingRow {
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: number;
}

export function toPending(r: PendingRow): PendingSignIn {
  return {
    state: r.state,
    nonce: r.nonce,
    codeVerifier: r.code_verifier,
    returnTo: r.return_to,
    createdAt: iso(r.created_at),
  };
}

export const DEFAULT_SIGN_IN_SETTINGS: SignInSettingsRecord = {
  passwordSignIn: 'everyone',
  breakGlassAdmins: [],
};

/** The stored settings document, or the default when there is none or it cannot be read. */
export function parseSignInSettings(value: string | undefined): SignInSettingsRecord {
  if (value === undefined) return DEFAULT_SIGN_IN_SETTINGS;
  try {
    const v = JSON.parse(value) as Partial<SignInSettingsRecord>;
    return {
      passwordSignIn: v.passwordSignIn === 'break-glass' ? 'break-glass' : 'everyone',
      breakGlassAdmins: Array.isArray(v.breakGlassAdmins) ? v.breakGlassAdmins.map(String) : [],
    };
  } catch {
    return DEFAULT_SIGN_IN_SETTINGS;
  }
}

export class SqliteSsoStore implements SsoStore {
  private readonly now: Clock;
  private readonly insertPending;
  private readonly usePending;
  private readonly insertRefusal;
  private readonly findRefusal;
  private readonly deletePending;
  private readonly deleteRefusals;
  private readonly readSetting;
  private readonly writeSetting;

  constructor(db: SqliteDatabase, options: { now?: Clock } = {}) {
    this.now = options.now ?? Date.now;
    this.insertPending = db.prepare<[string, string, string, string, string, number]>(
      `INSERT INTO sso_pending (state, browser_hash, nonce, code_verifier, return_to, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.usePending = db.prepare<[number, string, string, number], PendingRow>(
      `UPDATE sso_pending SET used_at = ?
        WHERE state = ? AND browser_hash = ? AND used_at IS NULL AND created_at >= ?
        RETURNING state, nonce, code_verifier, return_to, created_at`,
    );
    this.insertRefusal = db.prepare<[string, string, string, number]>(
      'INSERT INTO sso_refusals (id, browser_hash, body, created_at) VALUES (?, ?, ?, ?)',
    );
    this.findRefusal = db
      .prepare<[string, string, number], string>(
        'SELECT body FROM sso_refusals WHERE id = ? AND browser_hash = ? AND created_at >= ?',
      )
      .pluck();
    this.deletePending = db.prepare<[number]>(
      'DELETE FROM sso_pending WHERE used_at IS NOT NULL OR created_at < ?',
    );
    this.deleteRefusals = db.prepare<[number]>('DELETE FROM sso_refusals WHERE created_at < ?');
    this.readSetting = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();
    this.writeSetting = db.prepare<[string, string, number]>(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  createPending(browserSecret: string, p: Omit<PendingSignIn, 'createdAt'>): Promise<void> {
    return settle(() => {
      this.insertPending.run(
        p.state,
        sha256Hex(browserSecret),
        p.nonce,
        p.codeVerifier,
        p.returnTo,
        this.now(),
      );
    });
  }

  consumePending(browserSecret: string, state: string, maxAgeMs: number): Promise<PendingSignIn | null> {
    return settle(() => {
      const now = this.now();
      const row = this.usePending.get(now, state, sha256Hex(browserSecret), now - maxAgeMs);
      return row ? toPending(row) : null;
    });
  }

  addRefusal(browserSecret: string, body: unknown): Promise<string> {
    return settle(() => {
      const id = randomSecret().slice(0, 22);
      this.insertRefusal.run(id, sha256Hex(browserSecret), JSON.stringify(body), this.now());
      return id;
    });
  }

  getRefusal(id: string, browserSecret: string, maxAgeMs: number): Promise<unknown> {
    return settle(() => {
      const body = this.findRefusal.get(id, sha256Hex(browserSecret), this.now() - maxAgeMs);
      return body === undefined ? null : (JSON.parse(body) as unknown);
    });
  }

  prune(pendingMaxAgeMs: number, refusalMaxAgeMs: number): Promise<{ signIns: number; refusals: number }> {
    return settle(() => {
      const now = this.now();
      return {
        signIns: this.deletePending.run(now - pendingMaxAgeMs).changes,
        refusals: this.deleteRefusals.run(now - refusalMaxAgeMs).changes,
      };
    });
  }

  getSignInSettings(): Promise<SignInSettingsRecord> {
    return settle(() => parseSignInSettings(this.readSetting.get('sign-in')));
  }

  putSignInSettings(settings: SignInSettingsRecord): Promise<void> {
    return settle(() => {
      this.writeSetting.run('sign-in', JSON.stringify(settings), this.now());
    });
  }
}
