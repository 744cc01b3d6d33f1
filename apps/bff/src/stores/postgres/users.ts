// Users in PostgreSQL: the same rules as the SQLite store (./../sqlite/users.ts), argon2id at the same cost. Role
// and disable changes that must keep an enabled admin run under one transaction-scoped advisory lock, so that two
// servers demoting the last two admins at the same moment cannot both succeed (SQLite gets this from its one writer).
// A single sign-on is one statement (INSERT ... ON CONFLICT (sso_subject) DO UPDATE), so two servers signing the
// same person in at once make one user; a local user's name is kept by the username UNIQUE constraint.
import argon2, { type Options as Argon2Options } from 'argon2';
import { inTransaction, type PgClient, type PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { randomSecret } from '../secrets';
import {
  ARGON2_COST,
  COLUMNS,
  nameTakenByLocal,
  noPasswordForSso,
  toUser,
  type UserRow,
} from '../sqlite/users';
import type { Clock, KeepAnAdmin, NewUser, PasswordCheck, Role, SsoSignIn, User, UserStore } from '../types';
import { checkPassword, checkRole, normalizeUsername, usernameOrNull } from '../validation';
import { int4, isUniqueViolation, LOCKS } from './sql';

export interface PgUserStoreOptions {
  now?: Clock;
  /** argon2id cost (default ARGON2_COST). */
  hashOptions?: Omit<Argon2Options, 'type' | 'salt'>;
}

export class PgUserStore implements UserStore {
  private readonly now: Clock;
  private readonly hashOptions: Argon2Options;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly pool: PgPool,
    options: PgUserStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.hashOptions = { ...ARGON2_COST, ...options.hashOptions, type: argon2.argon2id };
  }

  private async byName(name: string, client: PgPool | PgClient = this.pool): Promise<UserRow | undefined> {
    const r = await client.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [name]);
    return r.rows[0];
  }

  private hash(password: string): Promise<string> {
    return argon2.hash(password, this.hashOptions);
  }

  async create(input: NewUser): Promise<User> {
    const username = normalizeUsername(input.username);
    const role = checkRole(input.role);
    checkPassword(input.password);
    if (await this.byName(username)) throw new StoreError('exists', `user ${username} already exists`);
    const hash = await this.hash(input.password);
    const now = this.now();
    try {
      const r = await this.pool.query<UserRow>(
        `INSERT INTO users (username, role, password_hash, disabled, created_at, updated_at)
         VALUES ($1, $2, $3, FALSE, $4, $4) RETURNING ${COLUMNS}`,
        [username, role, hash, now],
      );
      return toUser(r.rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreError('exists', `user ${username} already exists`);
      throw err;
    }
  }

  async get(username: string): Promise<User | null> {
    const name = usernameOrNull(username);
    const row = name === null ? undefined : await this.byName(name);
    return row ? toUser(row) : null;
  }

  async getById(id: number): Promise<User | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) return null;
    const r = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return r.rows[0] ? toUser(r.rows[0]) : null;
  }

  async list(): Promise<User[]> {
    const r = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY username`);
    return r.rows.map(toUser);
  }

  async setPassword(username: string, password: string): Promise<User> {
    const name = normalizeUsername(username);
    checkPassword(password);
    const found = await this.byName(name);
    if (!found) throw new StoreError('not_found', `no user ${name}`);
    if (found.source === 'sso') throw noPasswordForSso(name);
    const hash = await this.hash(password);
    const r = await this.pool.query<UserRow>(
      `UPDATE users SET password_hash = $1, updated_at = $2 WHERE username = $3 RETURNING ${COLUMNS}`,
      [hash, this.now(), name],
    );
    if (!r.rows[0]) throw new StoreError('not_found', `no user ${name}`);
    return toUser(r.rows[0]);
  }

  /** Throws StoreError 'conflict' when `name` is an enabled admin and no other enabled admin exists. */
  private async keepAnAdmin(client: PgClient, name: string): Promise<void> {
    const row = await this.byName(name, client);
    if (row?.role !== 'admin' || row.disabled) return;
    const r = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled AND username <> $1",
      [name],
    );
    if (r.rows[0]?.n === 0) {
      throw new StoreError(
        'conflict',
        `${name} is the last enabled admin: make another user an admin first, so that someone can still manage Powerdeck`,
      );
    }
  }

  private change(
    name: string,
    keep: boolean,
    column: 'role' | 'disabled',
    value: Role | boolean,
  ): Promise<User> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.adminRoles]);
      if (keep) await this.keepAnAdmin(client, name);
      const r = await client.query<UserRow>(
        `UPDATE users SET ${column} = $1, updated_at = $2 WHERE username = $3 RETURNING ${COLUMNS}`,
        [value, this.now(), name],
      );
      if (!r.rows[0]) throw new StoreError('not_found', `no user ${name}`);
      return toUser(r.rows[0]);
    });
  }

  async setRole(username: string, role: Role, options: KeepAnAdmin = {}): Promise<User> {
    const name = normalizeUsername(username);
    const checked = checkRole(role);
    return this.change(name, options.keepAnAdmin === true && checked !== 'admin', 'role', checked);
  }

  async setDisabled(username: string, disabled: boolean, options: KeepAnAdmin = {}): Promise<User> {
    const name = normalizeUsername(username);
    return this.change(name, options.keepAnAdmin === true && disabled, 'disabled', disabled);
  }

  async verifyPassword(username: string, password: string): Promise<PasswordCheck> {
    const name = usernameOrNull(username);
    const row = name === null ? undefined : await this.byName(name);
    const candidate = typeof password === 'string' ? password.slice(0, 4 * 1024) : '';
    if (!row || row.password_hash === null) {
      // Same cost as a real check, so the time taken does not tell that the name does not exist.
      await argon2.verify(await this.dummy(), candidate).catch(() => false);
      return { ok: false, reason: row ? 'sso_user' : 'unknown_user' };
    }
    const ok = await argon2.verify(row.password_hash, candidate).catch(() => false);
    if (!ok) return { ok: false, reason: 'bad_password' };
    if (row.disabled) return { ok: false, reason: 'disabled' };
    // Hashes made with older cost settings are upgraded at the next successful sign-in.
    if (argon2.needsRehash(row.password_hash, this.hashOptions)) {
      const fresh = await this.hash(candidate);
      await this.pool.query('UPDATE users SET password_hash = $1, updated_at = $2 WHERE username = $3', [
        fresh,
        this.now(),
        row.username,
      ]);
    }
    return { ok: true, user: toUser(row) };
  }

  async signInSso(input: SsoSignIn): Promise<User> {
    const name = normalizeUsername(input.username);
    const role = checkRole(input.role);
    const now = this.now();
    try {
      const r = await this.pool.query<UserRow>(
        `INSERT INTO users AS u (username, role, password_hash, disabled, created_at, updated_at, source, sso_subject,
                                 last_sign_in_at)
         VALUES ($1, $2, NULL, FALSE, $3, $3, 'sso', $4, $3)
         ON CONFLICT (sso_subject) DO UPDATE
           SET updated_at = CASE WHEN u.role = EXCLUDED.role THEN u.updated_at ELSE EXCLUDED.updated_at END,
               role = EXCLUDED.role, last_sign_in_at = EXCLUDED.last_sign_in_at
           WHERE NOT u.disabled
         RETURNING ${COLUMNS}`,
        [name, role, now, input.subject],
      );
      if (r.rows[0]) return toUser(r.rows[0]);
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTakenByLocal(name);
      throw err;
    }
    // A disabled user: answered unchanged.
    const found = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE sso_subject = $1`, [
      input.subject,
    ]);
    if (!found.rows[0]) throw new StoreError('not_found', `no user for ${input.subject}`);
    return toUser(found.rows[0]);
  }

  async recordSignIn(userId: number): Promise<void> {
    await this.pool.query('UPDATE users SET last_sign_in_at = $1 WHERE id = $2', [this.now(), int4(userId)]);
  }

  /** A hash of a random password, made once, with the same cost as real ones. */
  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash(randomSecret());
    return this.dummyHash;
  }
}
