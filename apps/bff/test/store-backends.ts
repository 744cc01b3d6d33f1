// The store test suite runs against both backends: `describe.each(BACKENDS)` and `openTestStores(backend)` give a
// test the stores on a fresh SQLite file (a temporary directory) or a fresh PostgreSQL database (test/pg-support.ts),
// closed and removed after the test. `rows(stores, sql)` reads with plain SQL (no parameters) on either, for the
// checks that look at what is stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditChainOptions } from '../src/stores/audit-key';
import type { PgStores, PgStoresOptions } from '../src/stores/postgres/open';
import { openPostgresStores } from '../src/stores/postgres/open';
import { openSqliteStores, type SqliteStores, type SqliteStoresOptions } from '../src/stores/sqlite/open';
import { freshDatabase } from './pg-support';
import { onCleanup } from './support';

export const BACKENDS = ['sqlite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * What both backends' openers take. The audit chain defaults, on both, to what SQLite's opener defaults to: a fresh key
 * (generated) and the anchor file in the test's temporary directory.
 */
export type TestStoreOptions = Omit<SqliteStoresOptions & Partial<PgStoresOptions>, 'migrationsDir'>;

export type TestStores =
  (SqliteStores & { backend: 'sqlite'; dir: string }) | (PgStores & { backend: 'postgres'; dir: string });

/** Opens every store on a fresh database of `backend`; closed and removed after the current test. */
export async function openTestStores(backend: Backend, options: TestStoreOptions = {}): Promise<TestStores> {
  const dir = mkdtempSync(join(tmpdir(), `pd-store-${backend}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  if (backend === 'sqlite') {
    const stores = openSqliteStores(dir, options);
    onCleanup(() => stores.close());
    return Object.assign(stores, { backend, dir } as const);
  }
  const url = await freshDatabase();
  const stores = await openPostgresStores(url, {
    ...options,
    audit: options.audit ?? auditChainOptions(dir, {}),
  });
  onCleanup(() => stores.close());
  return Object.assign(stores, { backend, dir } as const);
}

/** The rows of a read-only query without parameters, on either backend. */
export async function rows<T = Record<string, unknown>>(stores: TestStores, sql: string): Promise<T[]> {
  if (stores.backend === 'sqlite') return stores.db.prepare<[], T>(sql).all();
  // T is the caller's word for the columns, as better-sqlite3's generic is on the other backend.
  return (await stores.pool.query(sql)).rows as T[];
}
