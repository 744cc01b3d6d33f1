// Several Powerdeck servers on one PostgreSQL database, for the tests of what only matters with more than one: each
// server is its own `openPostgresStores`, with its own pool (its own connections), as separate processes have. All
// of them are closed after the test, and the database is dropped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStores, type PgStores, type PgStoresOptions } from '../src/stores/postgres/open';
import { freshDatabase, pgServerUrl } from './pg-support';
import { onCleanup } from './support';

export type ServerOptions = Omit<PgStoresOptions, 'audit' | 'migrationsDir'>;

/** Opens one more server on the database at `url` (sharing the audit key in `dir`); closed after the test. */
export async function openServer(url: string, dir: string, options: ServerOptions = {}): Promise<PgStores> {
  const stores = await openPostgresStores(url, {
    ...options,
    audit: { keyFile: join(dir, 'audit.key'), createKey: true, anchorFile: null },
  });
  onCleanup(() => stores.close());
  return stores;
}

/**
 * A fresh database whose collation is ICU's for `locale` (the test server's own is C): for orders that must not
 * depend on it. Dropped after the test.
 */
export async function databaseWithCollation(locale: string): Promise<string> {
  const name = `pd_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: pgServerUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name} LOCALE_PROVIDER icu ICU_LOCALE '${locale}' TEMPLATE template0`);
  onCleanup(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(pgServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * `count` servers on a fresh database (opened one after the other: the first migrates it), its collation ICU's for
 * `locale` when given.
 */
export async function pgServers(
  count: number,
  options: ServerOptions & { locale?: string } = {},
): Promise<PgStores[]> {
  const { locale, ...rest } = options;
  const url = locale === undefined ? await freshDatabase() : await databaseWithCollation(locale);
  const dir = mkdtempSync(join(tmpdir(), 'pd-servers-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const servers: PgStores[] = [];
  for (let i = 0; i < count; i += 1) servers.push(await openServer(url, dir, rest));
  return servers;
}

/** The URL of a server's database (what another server would be configured with). */
export function urlOf(stores: PgStores): string {
  const url = stores.pool.options.connectionString;
  if (!url) throw new Error('this pool was not opened with a URL');
  return url;
}
