// Another server on the same database: for the store tests of what several Powerdeck servers share. On PostgreSQL it
// is a second store set with a pool of its own (its own connections, as another process would have) on the test's
// database; on SQLite, a second connection to the same file (a restart, or the CLI next to the server). Closed after
// the test.
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { openPostgresStores } from '../src/stores/postgres/open';
import { openSqliteStores } from '../src/stores/sqlite/open';
import type { Stores } from '../src/stores/types';
import type { TestStoreOptions, TestStores } from './store-backends';
import { onCleanup } from './support';

/** The stores as another server opens them on `stores`' database, with its own options (the same audit key). */
export async function anotherServer(stores: TestStores, options: TestStoreOptions = {}): Promise<Stores> {
  if (stores.backend === 'sqlite') {
    const other = openSqliteStores(stores.dir, options);
    onCleanup(() => other.close());
    return other;
  }
  const url = stores.pool.options.connectionString;
  if (!url) throw new Error('the test stores have no database URL');
  const other = await openPostgresStores(url, {
    ...options,
    audit: options.audit ?? { keyFile: join(stores.dir, 'audit.key'), createKey: true, anchorFile: null },
  });
  onCleanup(() => other.close());
  return other;
}

/**
 * PostgreSQL: runs `act` while another connection holds uncommitted changes (`hold`, run in an open transaction), and
 * commits them once `act` has either settled or is waiting for a lock (seen in pg_stat_activity): what a change
 * committed by another server at that very moment does. Answers how `act` settled.
 */
export async function whileUncommitted<T>(
  url: string,
  hold: readonly string[],
  act: () => Promise<T>,
): Promise<PromiseSettledResult<T>> {
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  try {
    await holder.query('BEGIN');
    for (const sql of hold) await holder.query(sql);
    let settled = false;
    const outcome = Promise.allSettled([act()]).then(([r]) => {
      settled = true;
      return r;
    });
    const waiting = async () =>
      (
        await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      ).rows[0]?.n ?? 0;
    await expect.poll(async () => settled || (await waiting()) > 0).toBe(true);
    await holder.query('COMMIT');
    return await outcome;
  } finally {
    await holder.end();
    await watcher.end();
  }
}
