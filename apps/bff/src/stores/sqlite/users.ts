// Users in SQLite. Passwords are hashed with argon2id at OWASP's recommended cost (19 MiB, 2 passes,
// 1 lane: about 0.1 s on a 2-core server, and a bounded memory cost per concurrent sign-in) and
// checked with argon2.verify, which compares in constant time. Users of single sign-on (source 'sso') have no
// password: they are made at their first sign-in, found by the provider's subject afterwards, and no password
// sign-in or password change applies to them.
import argon2, { type Options as Argon2Options } from 'argon2';
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { iso, randomSecret } from '../secrets';
import type { Clock, KeepAnAdmin, NewUser, PasswordCheck, Role, SsoSignIn, User, UserStore } from '../types';
import { checkPassword, checkRole, normalizeUsername, usernameOrNull } from '../validation';

/** OWASP Password Storage Cheat Sheet, argon2id: m=19456 KiB, t=2, p=1. */
export const ARGON2_COST = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** A users row (the PostgreSQL store reads the same columns, with a boolean `disabled`). */
export interface UserRow {
  id: number;
  username: string;
  role: Role;
  password_hash: string | null;
  disabled: number | boolean;
  created_at: number;
  updated_at: number;
  source: 'local' | 'sso';
  sso_subject: string | null;
  last_sign_in_at: number | null;
}

export interface SqliteUserStoreOptions {
  now?: Clock;
  /** argon2id cost (default ARGON2_COST). */
  hashOptions?: Omit<Argon2Options, 'type' | 'salt'>;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    disabled: r.disabled === 1 || r.disabled === true,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    source: r.source,
    ssoSubject: r.sso_subject,
    lastSignInAt: r.last_sign_in_at === null ? null : iso(r.last_sign_in_at),
  };
}

export const COLUMNS =
  'id, username, role, password_hash, disabled, created_at, updated_at, source, sso_subject, last_sign_in_at';

/** StoreError 'conflict' for a password change of a single sign-on user (both backends say it). */
export function noPasswordForSso(name: string): StoreError {
  return new StoreError(
    'conflict',
    `${name} signs in with single sign-on and has no Powerdeck password: their identity provider manages it`,
  );
}

/** StoreError 'exists' for a single sign-on whose name a local user holds (both backends say it). */
export function nameTakenByLocal(name: string): StoreError {
  return new StoreError('exists', `a local user named ${name} already exists`);
}

export class SqliteUserStore implements UserStore {
  private readonly now: Clock;
  private readonly hashOptions: Argon2Options;
  private dummyHash: Promise<string> | undefined;
  private readonly byName;
  private readonly byId;
  private readonly all;
  private readonly insert;
  private readonly updatePassword;
  private readonly updateRole;
  private readonly updateDisabled;
  private readonly otherEnabledAdmins;
  private readonly setRoleTx;
  private readonly setDisabledTx;
  private readonly bySubject;
  private readonly insertSso;
  private readonly updateSso;
  private readonly touchSignIn;
  private readonly signInSsoTx;

  constructor(db: SqliteDatabase, options: SqliteUserStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.hashOptions = { ...ARGON2_COST, ...options.hashOptions, type: argon2.argon2id };
    this.byName = db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = ?`);
    this.byId = db.prepare<[number], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.all = db.prepare<[], UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY username`);
    this.insert = db.prepare<[string, Role, string, number, number], UserRow>(
      `INSERT INTO users (username, role, password_hash, disabled, created_at, updated_at)
       VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
    );
    this.updatePassword = db.prepare<[string, number, string], UserRow>(
      `UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ? RETURNING ${COLUMNS}`,
    );
    this.updateRole = db.prepare<[Role, number, string], UserRow>(
      `UPDATE users SET role = ?, updated_at = ? WHERE username = ? RETURNING ${COLUMNS}`,
    );
    this.updateDisabled = db.prepare<[number, number, string], UserRow>(
      `UPDATE users SET disabled = ?, updated_at = ? WHERE username = ? RETURNING ${COLUMNS}`,
    );
    this.otherEnabledAdmins = db
      .prepare<[string], number>(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND username != ?",
      )
      .pluck();
    this.setRoleTx = db.transaction((name: string, role: Role, keepAnAdmin: boolean): UserRow | undefined => {
      if (keepAnAdmin && role !== 'admin') this.keepAnAdmin(name);
      return this.updateRole.get(role, this.now(), name);
    });
    this.bySubject = db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE sso_subject = ?`);
    this.insertSso = db.prepare<[string, Role, number, number, string, number], UserRow>(
      `INSERT INTO users (username, role, password_hash, disabled, created_at, updated_at, source, sso_subject,
                          last_sign_in_at)
       VALUES (?, ?, NULL, 0, ?, ?, 'sso', ?, ?) RETURNING ${COLUMNS}`,
    );
    this.updateSso = db.prepare<[{ role: Role; now: number; id: number }], UserRow>(
      `UPDATE users SET updated_at = CASE WHEN role = @role THEN updated_at ELSE @now END, role = @role,
                        last_sign_in_at = @now
        WHERE id = @id RETURNING ${COLUMNS}`,
    );
    this.touchSignIn = db.prepare<[number, number]>('UPDATE users SET last_sign_in_at = ? WHERE id = ?');
    this.signInSsoTx = db.transaction((input: SsoSignIn): UserRow => {
      const now = this.now();
      const known = this.bySubject.get(input.subject);
      if (known) {
        if (known.disabled === 1) return known;
        return this.updateSso.get({ role: checkRole(input.role), now, id: known.id }) ?? known;
      }
      const name = normalizeUsername(input.username);
      if (this.byName.get(name)) throw nameTakenByLocal(name);
      const row = this.insertSso.get(name, checkRole(input.role), now, now, input.subject, now);
      if (!row) throw new Error('user insert returned nothing');
      return row;
    });
    this.setDisabledTx = db.transaction(
      (name: string, disabled: boolean, keepAnAdmin: boolean): UserRow | undefined => {
        if (keepAnAdmin && disabled) this.keepAnAdmin(name);
        return this.updateDisabled.get(disabled ? 1 : 0, this.now(), name);
      },
    );
  }

  /** Throws StoreError 'conflict' when `name` is an enabled admin and no other enabled admin exists. */
  private keepAnAdmin(name: string): void {
    const row = this.byName.get(name);
    if (row?.role !== 'admin' || row.disabled !== 0) return;
    if (this.otherEnabledAdmins.get(name) === 0) {
      throw new StoreError(
        'conflict',
        `${name} is the last enabled admin: make another user an admin first, so that someone can still manage Powerdeck`,
      );
    }
  }

  private hash(password: string): Promise<string> {
    return argon2.hash(password, this.hashOptions);
  }

  async create(input: NewUser): Promise<User> {
    const username = normalizeUsername(input.username);
    const role = checkRole(input.role);
    checkPassword(input.password);
    if (this.byName.get(username)) throw new StoreError('exists', `user ${username} already exists`);
    const hash = await this.hash(input.password);
    const now = this.now();
    const row = this.insert.get(username, role, hash, now, now);
    if (!row) throw new StoreError('exists', `user ${username} already exists`);
    return toUser(row);
  }

  get(username: string): Promise<User | null> {
    return settle(() => {
      const name = usernameOrNull(username);
      const row = name === null ? undefined : this.byName.get(name);
      return row ? toUser(row) : null;
    });
  }

  getById(id: number): Promise<User | null> {
    return settle(() => {
      const row = this.byId.get(id);
      return row ? toUser(row) : null;
    });
  }

  list(): Promise<User[]> {
    return settle(() => this.all.all().map(toUser));
  }

  async setPassword(username: string, password: string): Promise<User> {
    const name = normalizeUsername(username);
    checkPassword(password);
    const found = this.byName.get(name);
    if (!found) throw new StoreError('not_found', `no user ${name}`);
    if (found.source === 'sso') throw noPasswordForSso(name);
    const hash = await this.hash(password);
    const row = this.updatePassword.get(hash, this.now(), name);
    if (!row) throw new StoreError('not_found', `no user ${name}`);
    return toUser(row);
  }

  setRole(username: string, role: Role, options: KeepAnAdmin = {}): Promise<User> {
    return settle(() => {
      const name = normalizeUsername(username);
      const row = this.setRoleTx.immediate(name, checkRole(role), options.keepAnAdmin === true);
      if (!row) throw new StoreError('not_found', `no user ${name}`);
      return toUser(row);
    });
  }

  setDisabled(username: string, disabled: boolean, options: KeepAnAdmin = {}): Promise<User> {
    return settle(() => {
      const name = normalizeUsername(username);
      const row = this.setDisabledTx.immediate(name, disabled, options.keepAnAdmin === true);
      if (!row) throw new StoreError('not_found', `no user ${name}`);
      return toUser(row);
    });
  }

  async verifyPassword(username: string, password: string): Promise<PasswordCheck> {
    const name = usernameOrNull(username);
    const row = name === null ? undefined : this.byName.get(name);
    const candidate = typeof password === 'string' ? password.slice(0, 4 * 1024) : '';
    if (!row || row.password_hash === null) {
      // Same cost as a real check, so the time taken does not tell that the name does not exist.
      await argon2.verify(await this.dummy(), candidate).catch(() => false);
      return { ok: false, reason: row ? 'sso_user' : 'unknown_user' };
    }
    const ok = await argon2.verify(row.password_hash, candidate).catch(() => false);
    if (!ok) return { ok: false, reason: 'bad_password' };
    if (row.disabled === 1) return { ok: false, reason: 'disabled' };
    // Hashes made with older cost settings are upgraded at the next successful sign-in.
    if (argon2.needsRehash(row.password_hash, this.hashOptions)) {
      const fresh = await this.hash(candidate);
      this.updatePassword.get(fresh, this.now(), row.username);
    }
    return { ok: true, user: toUser(row) };
  }

  signInSso(input: SsoSignIn): Promise<User> {
    return settle(() => toUser(this.signInSsoTx.immediate(input)));
  }

  recordSignIn(userId: number): Promise<void> {
    return settle(() => {
      this.touchSignIn.run(this.now(), userId);
    });
  }

  /** A hash of a random password, made once, with the same cost as real ones. */
  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash(randomSecret());
    return this.dummyHash;
  }
}
