// Several servers: the store of @fastify/rate-limit's counts in PostgreSQL (`rate_windows`, migrations-postgres/003),
// so that the VergeOS routes' rate per principal is one across servers (the in-memory WindowStore would give a
// principal the rate once per server). The same semantics as WindowStore: one fixed window per key, started at its
// first request, answered as a snapshot. One statement per request: an upsert that starts a new window when the last
// one has ended and counts otherwise, atomically under the row's lock; the database's clock decides, so servers
// whose clocks differ count in the same window.
import type { PgPool } from '../db/postgres';
import { DB_NOW } from './lease';

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

const INCR = `
  INSERT INTO rate_windows AS w (key, started_at, count) VALUES ($1, ${DB_NOW}, 1)
  ON CONFLICT (key) DO UPDATE SET
    started_at = CASE WHEN w.started_at <= ${DB_NOW} - $2 THEN ${DB_NOW} ELSE w.started_at END,
    count = CASE WHEN w.started_at <= ${DB_NOW} - $2 THEN 1 ELSE w.count + 1 END
  RETURNING count, started_at + $2 - ${DB_NOW} AS ttl`;

/** A store class for `@fastify/rate-limit`'s `store` option (it constructs it, then asks each route for a child). */
export function pgWindowStore(pool: PgPool) {
  return class PgWindowStore {
    incr(key: string, callback: IncrCallback, timeWindow: number): void {
      pool.query<{ count: number; ttl: number }>(INCR, [key, timeWindow]).then(
        (r) => {
          const row = r.rows[0]!;
          callback(null, { current: row.count, ttl: Math.max(0, Number(row.ttl)) });
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }

    child(): PgWindowStore {
      return new PgWindowStore();
    }
  };
}

/** Deletes the windows that ended more than a window ago (housekeeping); how many. */
export async function pruneRateWindows(pool: PgPool, olderThanMs = 2 * 60_000): Promise<number> {
  const r = await pool.query(`DELETE FROM rate_windows WHERE started_at < ${DB_NOW} - $1`, [olderThanMs]);
  return r.rowCount ?? 0;
}
