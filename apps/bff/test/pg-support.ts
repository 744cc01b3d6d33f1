// Test support for PostgreSQL: a fresh database of its own for each test (created on the run's server, dropped
// after the test), so that tests neither see nor disturb one another.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { onCleanup } from './support';

/** The run's server, as a superuser (its `postgres` database). */
export function pgServerUrl(): string {
  return inject('pgUrl');
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database and answers its URL; it is dropped after the current test. */
export async function freshDatabase(): Promise<string> {
  const name = `pd_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  onCleanup(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  return withDatabase(pgServerUrl(), name);
}
