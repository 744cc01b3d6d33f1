// PostgreSQL, for several Powerdeck servers sharing one database (POWERDECK_DATABASE_URL). A node-postgres pool whose
// BIGINT columns (times in ms, audit ids) read as numbers, and the numbered migrations of
// apps/bff/migrations-postgres applied under an advisory lock, so that servers starting together apply each file
// once: the first takes the lock and migrates, the others wait for it and find nothing left to do. Only the stores
// in src/stores/postgres run SQL against it.
//
// A transaction is never left waiting on its client: every one is a few statements the server sends back to back. A
// session idle inside one for long is a server that was stopped (SIGSTOP, a paused VM) or cut off mid-transaction,
// and its locks (the lease row a step's fence holds, the audit chain's lock) would stop every other server for as
// long as its connection stays open, a takeover included. So the database ends such a session
// (idle_in_transaction_session_timeout); the server, when it goes on, finds its transaction gone: the statement it
// sends next fails, and it is not brought down by the connection's end (a client in a transaction listens for it).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readMigrations } from './migrate';

export const PG_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations-postgres/', import.meta.url));

/** The advisory lock key migrations hold (any constant, the same in every Powerdeck server). */
const MIGRATION_LOCK = 0x5044_0001;

const INT8_OID = 20;
/** BIGINT as a JS number: times in ms and row ids stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return (v: string) => Number(v);
    // pg's own parser for every other type (its declared return type is `any`: what a column holds varies).
    const parse: unknown = pg.types.getTypeParser(oid, format ?? 'text');
    return parse;
  }) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  /** Connections in the pool (10). */
  poolSize?: number;
  /** A PEM file of the CA that signed the database server's certificate: TLS, verified against it. */
  caFile?: string;
  /** Where the numbered .sql files live (tests point this elsewhere). */
  migrationsDir?: string;
  /** How long a connection attempt may take, in ms (10 s). */
  connectTimeoutMs?: number;
  /**
   * How long a session may sit idle inside a transaction before the database ends it and frees its locks, in ms
   * (IDLE_IN_TRANSACTION_MS; several servers: at most half the lease, so that a leader stopped inside its step's
   * transaction is cut off before its lease runs out, and does not delay the takeover).
   */
  idleInTransactionMs?: number;
}

/** The default of `idleInTransactionMs`: far beyond the gaps between the statements of a Powerdeck transaction. */
export const IDLE_IN_TRANSACTION_MS = 5000;

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

/**
 * A pool on the database. TLS: the URL's `sslmode` (`require`, `verify-full`; node-postgres verifies the
 * certificate), or a CA file, which turns TLS on and verifies against that CA only.
 */
export function createPool(url: string, options: PostgresOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS,
    application_name: 'powerdeck',
    types,
    ...(options.caFile
      ? { ssl: { ca: readFileSync(options.caFile, 'utf8'), rejectUnauthorized: true } }
      : {}),
  });
  // An idle client whose connection drops emits 'error' on the pool; without a listener that would end the process.
  // The next query gets a fresh connection (or fails and says so).
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A connection of the pool for a transaction (or any run of statements), and what to call when done. While it is
 * out, the end of its session between two statements (idleInTransactionMs, the database restarting) is an error of
 * the next statement, not an 'error' event nobody listens to (which would end the process); the pool drops the
 * connection when it comes back.
 */
export async function checkOut(pool: PgPool): Promise<{ client: PgClient; done: () => void }> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on('error', ignore);
  return {
    client,
    done: () => {
      client.off('error', ignore);
      client.release();
    },
  };
}

/** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const { client, done } = await checkOut(pool);
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    done();
  }
}

/** Applies the pending migrations of `dir` under the migration lock; returns the names it applied. */
export async function migratePostgres(pool: PgPool, dir = PG_MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir);
  const { client, done } = await checkOut(pool);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`);
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [m.version, m.name, Date.now()],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.name);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    done();
  }
}

/** Opens a pool and migrates the database; the caller ends the pool. */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PgPool> {
  const pool = createPool(url, options);
  try {
    await migratePostgres(pool, options.migrationsDir);
    return pool;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}
