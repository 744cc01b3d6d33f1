// Single sign-on in PostgreSQL: the same rules as the SQLite store (../sqlite/sso.ts). Consuming a sign-in under way
// is one UPDATE ... WHERE used_at IS NULL RETURNING: of two servers that get the same callback at once, exactly one
// gets the row (the other's UPDATE waits for the row lock, then finds it used), so a replay is refused everywhere.
import type { PgPool } from '../../db/postgres';
import { randomSecret, sha256Hex } from '../secrets';
import { parseSignInSettings, toPending } from '../sqlite/sso';
import type { Clock, PendingSignIn, SignInSettingsRecord, SsoStore } from '../types';

interface PendingRow {
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: number;
}

export class PgSsoStore implements SsoStore {
  private readonly now: Clock;

  constructor(
    private readonly pool: PgPool,
    options: { now?: Clock } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async createPending(browserSecret: string, p: Omit<PendingSignIn, 'createdAt'>): Promise<void> {
    await this.pool.query(
      `INSERT INTO sso_pending (state, browser_hash, nonce, code_verifier, return_to, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [p.state, sha256Hex(browserSecret), p.nonce, p.codeVerifier, p.returnTo, this.now()],
    );
  }

  async consumePending(
    browserSecret: string,
    state: string,
    maxAgeMs: number,
  ): Promise<PendingSignIn | null> {
    const now = this.now();
    const r = await this.pool.query<PendingRow>(
      `UPDATE sso_pending SET used_at = $1
        WHERE state = $2 AND browser_hash = $3 AND used_at IS NULL AND created_at >= $4
        RETURNING state, nonce, code_verifier, return_to, created_at`,
      [now, state, sha256Hex(browserSecret), now - maxAgeMs],
    );
    return r.rows[0] ? toPending(r.rows[0]) : null;
  }

  async addRefusal(browserSecret: string, body: unknown): Promise<string> {
    const id = randomSecret().slice(0, 22);
    await this.pool.query(
      'INSERT INTO sso_refusals (id, browser_hash, body, created_at) VALUES ($1, $2, $3, $4)',
      [id, sha256Hex(browserSecret), JSON.stringify(body), this.now()],
    );
    return id;
  }

  async getRefusal(id: string, browserSecret: string, maxAgeMs: number): Promise<unknown> {
    const r = await this.pool.query<{ body: string }>(
      'SELECT body FROM sso_refusals WHERE id = $1 AND browser_hash = $2 AND created_at >= $3',
      [id, sha256Hex(browserSecret), this.now() - maxAgeMs],
    );
    return r.rows[0] ? (JSON.parse(r.rows[0].body) as unknown) : null;
  }

  async prune(
    pendingMaxAgeMs: number,
    refusalMaxAgeMs: number,
  ): Promise<{ signIns: number; refusals: number }> {
    const now = this.now();
    const a = await this.pool.query('DELETE FROM sso_pending WHERE used_at IS NOT NULL OR created_at < $1', [
      now - pendingMaxAgeMs,
    ]);
    const b = await this.pool.query('DELETE FROM sso_refusals WHERE created_at < $1', [
      now - refusalMaxAgeMs,
    ]);
    return { signIns: a.rowCount ?? 0, refusals: b.rowCount ?? 0 };
  }

  async getSignInSettings(): Promise<SignInSettingsRecord> {
    const r = await this.pool.query<{ value: string }>("SELECT value FROM settings WHERE key = 'sign-in'");
    return parseSignInSettings(r.rows[0]?.value);
  }

  async putSignInSettings(settings: SignInSettingsRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ('sign-in', $1, $2)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [JSON.stringify(settings), this.now()],
    );
  }
}
