// Audit log test tools that work on the raw database (a SQLite file, or a PostgreSQL database over a connection of
// their own), as someone with the database (and no more) would: legacy rows as Powerdeck wrote them before the chain
// was keyed (plain SHA-256, format powerdeck-audit-v1, computed here on their own, not with the code under test; SQLite
// only), and rewriting rows with every hash after them recomputed. And where a test's log lives on either backend,
// opened as the server opens it, and the audit CLI run against it.
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { databasePath } from '../src/db/database';
import { createPool } from '../src/db/postgres';
import { auditChainOptions, type AuditChainOptions } from '../src/stores/audit-key';
import { openPostgresStores } from '../src/stores/postgres/open';
import { openSqliteStores } from '../src/stores/sqlite/open';
import type { KeyedAuditStore } from '../src/stores/types';
import { freshDatabase } from './pg-support';
import type { Backend, TestStores } from './store-backends';
import { onCleanup } from './support';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/**
 * `npm run audit -- ARGS` as its own process (through tsx), with the environment of this process minus
 * POWERDECK_DATA_DIR, the audit and the database variables, plus `env`.
 */
export function auditCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv.POWERDECK_DATA_DIR;
    delete childEnv.POWERDECK_AUDIT_KEY_FILE;
    delete childEnv.POWERDECK_AUDIT_ANCHOR_FILE;
    delete childEnv.POWERDECK_DATABASE_URL;
    delete childEnv.POWERDECK_DATABASE_CA_FILE;
    const child = spawn(TSX, ['apps/bff/src/cli/audit.ts', ...args], {
      cwd: ROOT,
      env: { ...childEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RawAuditRow {
  id: number;
  at: number;
  kind: string;
  outcome: string;
  actor: string | null;
  role: string | null;
  auth_kind: string | null;
  source: string | null;
  user_agent: string | null;
  vm_key: number | null;
  vm_name: string | null;
  action: string | null;
  params: string | null;
  reason: string | null;
  target: string | null;
  request_id: string | null;
  operation_id: string | null;
  ref_id: number | null;
  vergeos_status: number | null;
  vergeos_message: string | null;
  latency_ms: number | null;
  prev_hash: string;
  hash: string;
}

/** The canonical form of a row, as documented in audit-chain.ts, for a format. */
export function canonical(format: string, r: Omit<RawAuditRow, 'hash'>): string {
  return JSON.stringify([
    format,
    r.id,
    r.at,
    r.kind,
    r.outcome,
    r.actor,
    r.role,
    r.auth_kind,
    r.source,
    r.user_agent,
    r.vm_key,
    r.vm_name,
    r.action,
    r.params,
    r.reason,
    r.target,
    r.request_id,
    r.operation_id,
    r.ref_id,
    r.vergeos_status,
    r.vergeos_message,
    r.latency_ms,
    r.prev_hash,
  ]);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Appends `count` sign-in rows the way Powerdeck did before the key (powerdeck-audit-v1, plain SHA-256):
 * INSERT without the `chain` column, so it works on a schema from before migration 004 too.
 */
export function insertLegacyRows(
  db: Database.Database,
  count: number,
  at = Date.parse('2025-01-01T00:00:00Z'),
) {
  const last = db
    .prepare<[], { id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1')
    .get();
  let id = last?.id ?? 0;
  let prev = last?.hash ?? '0'.repeat(64);
  const insert = db.prepare(
    `INSERT INTO audit_log (id, at, kind, outcome, actor, auth_kind, prev_hash, hash)
     VALUES (@id, @at, @kind, @outcome, @actor, @auth_kind, @prev_hash, @hash)`,
  );
  for (let i = 0; i < count; i += 1) {
    id += 1;
    const row: Omit<RawAuditRow, 'hash'> = {
      id,
      at: at + id * 1000,
      kind: 'signin',
      outcome: 'accepted',
      actor: `legacy-${id}`,
      role: null,
      auth_kind: 'password',
      source: null,
      user_agent: null,
      vm_key: null,
      vm_name: null,
      action: null,
      params: null,
      reason: null,
      target: null,
      request_id: null,
      operation_id: null,
      ref_id: null,
      vergeos_status: null,
      vergeos_message: null,
      latency_ms: null,
      prev_hash: prev,
    };
    const hash = sha256(canonical('powerdeck-audit-v1', row));
    insert.run({ ...row, hash });
    prev = hash;
  }
}

/** Plain SQL on the database, over a connection of its own; `?` placeholders on both backends. */
export interface RawDb {
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  /**
   * Lifts the append-only triggers, as whoever owns the database can: drops SQLite's trigger against `what`, or
   * disables every user trigger of audit_log (ALTER TABLE ... DISABLE TRIGGER USER, as a superuser would).
   */
  allowChanges(what: 'update' | 'delete'): Promise<void>;
  close(): Promise<void>;
}

/** Runs synchronous work as a promise (a throw becomes a rejection). */
const later = <T>(fn: () => T) => new Promise<T>((resolve) => resolve(fn()));

function rawSqlite(dir: string): RawDb {
  const db = new Database(databasePath(dir));
  return {
    all: <T>(sql: string, params: unknown[] = []) =>
      later(() => db.prepare<unknown[], T>(sql).all(...params)),
    run: (sql, params = []) => later(() => void db.prepare(sql).run(...params)),
    allowChanges: (what) => later(() => void db.exec(`DROP TRIGGER IF EXISTS audit_log_no_${what}`)),
    close: () => later(() => void (db.open && db.close())),
  };
}

function rawPostgres(url: string): RawDb {
  // The product's pool for its number types only (BIGINT as numbers, as the rows are hashed); one connection.
  const pool = createPool(url, { poolSize: 1 });
  const dollars = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${(n += 1)}`);
  };
  return {
    all: async <T>(sql: string, params: unknown[] = []) =>
      (await pool.query(dollars(sql), params)).rows as T[],
    run: async (sql, params = []) => void (await pool.query(dollars(sql), params)),
    allowChanges: async () => void (await pool.query('ALTER TABLE audit_log DISABLE TRIGGER USER')),
    close: async () => {
      if (!pool.ended && !pool.ending) await pool.end();
    },
  };
}

/** Where a test's audit log lives: SQLite in `dir`, or a PostgreSQL database (`url`) with its key and anchors in `dir`. */
export interface AuditPlace {
  backend: Backend;
  dir: string;
  /** The database's URL (PostgreSQL), else null. */
  url: string | null;
}

/** A place on a backend: `dir` as given, and a fresh database (dropped after the test) for PostgreSQL. */
export async function auditPlace(backend: Backend, dir: string): Promise<AuditPlace> {
  return { backend, dir, url: backend === 'postgres' ? await freshDatabase() : null };
}

/** The place of stores opened with openTestStores. */
export function placeOf(stores: TestStores): AuditPlace {
  if (stores.backend === 'sqlite') return { backend: 'sqlite', dir: stores.dir, url: null };
  return { backend: 'postgres', dir: stores.dir, url: stores.pool.options.connectionString ?? null };
}

/** A raw connection to the place's database (closed after the test). */
export function rawAt(place: AuditPlace): RawDb {
  const raw = place.url === null ? rawSqlite(place.dir) : rawPostgres(place.url);
  onCleanup(() => raw.close());
  return raw;
}

/**
 * The audit store on the place's database, opened as the server opens it (what another server, or another process,
 * holds): the key and anchors in its directory unless `audit` says otherwise. Closed after the test, or by `close`.
 */
export async function openAuditAt(
  place: AuditPlace,
  options: { audit?: AuditChainOptions; now?: () => number } = {},
): Promise<{ audit: KeyedAuditStore; close(): Promise<void> }> {
  const audit = options.audit ?? auditChainOptions(place.dir, {});
  const now = options.now ?? Date.now;
  let close: () => Promise<void>;
  let store: KeyedAuditStore;
  if (place.url === null) {
    const stores = openSqliteStores(place.dir, { audit, now });
    store = stores.audit;
    close = () => later(() => stores.close());
  } else {
    const stores = await openPostgresStores(place.url, { audit, now });
    store = stores.audit;
    close = () => stores.close();
  }
  onCleanup(close);
  return { audit: store, close };
}

/** The environment the audit CLI needs to read the place's log (besides --data-dir). */
export function cliEnv(place: AuditPlace): Record<string, string> {
  return place.url === null ? {} : { POWERDECK_DATABASE_URL: place.url };
}

/** How the rewritten rows are hashed: plain SHA-256 (no key) or HMAC-SHA256 with a stolen key. */
export type Rehash =
  { with: 'sha256'; format?: 'powerdeck-audit-v1' | 'powerdeck-audit-v2' } | { with: 'hmac'; key: string };

/**
 * Changes row `id` (after dropping the append-only trigger) and recomputes the hash and link of it and of
 * every row after it: what someone who can write the database does to hide an edit. With
 * `{ with: 'sha256', format: 'powerdeck-audit-v1' }` the rows are also relabelled as legacy rows.
 */
export async function rewriteFrom(
  db: RawDb,
  id: number,
  edit: Partial<RawAuditRow>,
  how: Rehash,
): Promise<void> {
  await db.allowChanges('update');
  const rows = await db.all<RawAuditRow & { chain: string }>(
    'SELECT * FROM audit_log WHERE id >= ? ORDER BY id',
    [id],
  );
  const [before] = await db.all<{ hash: string }>('SELECT hash FROM audit_log WHERE id = ?', [id - 1]);
  let prev = before?.hash ?? '0'.repeat(64);
  for (const r of rows) {
    const { hash: _old, chain: oldChain, ...rest } = r;
    const row = { ...rest, ...(r.id === id ? edit : {}), prev_hash: prev };
    const chain = how.with === 'sha256' ? (how.format ?? oldChain) : 'powerdeck-audit-v2';
    const text = canonical(chain, row);
    const hash =
      how.with === 'sha256' ? sha256(text) : createHmac('sha256', how.key).update(text).digest('hex');
    await db.run(
      `UPDATE audit_log SET actor = ?, reason = ?, outcome = ?, prev_hash = ?, hash = ?, chain = ? WHERE id = ?`,
      [row.actor, row.reason, row.outcome, row.prev_hash, hash, chain, row.id],
    );
    prev = hash;
  }
}
