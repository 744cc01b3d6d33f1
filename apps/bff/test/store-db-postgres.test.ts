// migratePostgres, the PostgreSQL counterpart of store-db.test.ts's migrations: the shipped files applied once and
// recorded, applying again is a no-op (on this server or another), new files go in numeric order, a failing file
// leaves no trace of itself, and servers starting together on a fresh database all start, each file applied once
// (the advisory lock: the first migrates, the others wait and find nothing left to do).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMigrations } from '../src/db/migrate';
import { createPool, migratePostgres, PG_MIGRATIONS_DIR, type PgPool } from '../src/db/postgres';
import { freshDatabase } from './pg-support';
import { onCleanup } from './support';

/** A pool on `url` (a server's own connections), ended after the test. */
function pool(url: string): PgPool {
  const p = createPool(url, { poolSize: 2 });
  onCleanup(() => p.end());
  return p;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pd-pg-migrations-'));
  onCleanup(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function applied(p: PgPool): Promise<{ version: number; name: string }[]> {
  return (
    await p.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    )
  ).rows;
}

/** Migrations: the shipped 001_init.sql and `files` (name: SQL). */
function migrationsWith(files: Record<string, string>): string {
  const dir = tempDir();
  copyFileSync(join(PG_MIGRATIONS_DIR, '001_init.sql'), join(dir, '001_init.sql'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('migratePostgres', () => {
  it('applies every shipped migration and records it; applying again, here or on another server, is a no-op', async () => {
    const url = await freshDatabase();
    const shipped = readMigrations(PG_MIGRATIONS_DIR);
    expect(shipped[0]?.name).toBe('001_init.sql');
    const first = pool(url);
    expect(await migratePostgres(first)).toEqual(shipped.map((m) => m.name));
    expect(await applied(first)).toEqual(shipped.map((m) => ({ version: m.version, name: m.name })));
    const tables = (
      await first.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
      )
    ).rows.map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'users',
        'sessions',
        'display_links',
        'access_tokens',
        'signin_throttle',
        'audit_log',
        'operations',
        'operation_vms',
        'schedules',
        'schedule_skips',
        'schedule_runs',
        'plans',
      ]),
    );
    expect(await migratePostgres(first)).toEqual([]);
    // Another server, while the first is still up: the lock was given back, and there is nothing left to do.
    const second = pool(url);
    expect(await migratePostgres(second)).toEqual([]);
    expect(await applied(second)).toHaveLength(shipped.length);
  });

  it('applies new files in numeric order, each once', async () => {
    const url = await freshDatabase();
    const dir = migrationsWith({
      '010_later.sql': 'ALTER TABLE notes ADD COLUMN body TEXT;',
      '002_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);',
      'README.md': 'not a migration',
    });
    const p = pool(url);
    expect(await migratePostgres(p, dir)).toEqual(['001_init.sql', '002_notes.sql', '010_later.sql']);
    expect((await applied(p)).map((m) => m.version)).toEqual([1, 2, 10]);
    expect(await migratePostgres(p, dir)).toEqual([]);
    writeFileSync(join(dir, '011_more.sql'), 'CREATE TABLE more (id INTEGER PRIMARY KEY);');
    expect(await migratePostgres(p, dir)).toEqual(['011_more.sql']);
    expect((await applied(p)).map((m) => m.version)).toEqual([1, 2, 10, 11]);
  });

  it('a failing file leaves no trace of itself and is named; once fixed, the next start applies it', async () => {
    const url = await freshDatabase();
    const dir = migrationsWith({ '002_broken.sql': 'CREATE TABLE ok_table (id INTEGER); NOT SQL;' });
    const p = pool(url);
    await expect(migratePostgres(p, dir)).rejects.toThrow(/migration 002_broken.sql failed/);
    expect((await applied(p)).map((m) => m.version)).not.toContain(2);
    const okTable = await p.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'ok_table'");
    expect(okTable.rowCount).toBe(0);
    writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE ok_table (id INTEGER);');
    expect(await migratePostgres(p, dir)).toContain('002_broken.sql');
    expect((await applied(p)).map((m) => m.version)).toEqual([1, 2]);
  });

  it('servers starting together on a fresh database all start, and each file is applied once', async () => {
    // Several rounds, each on a fresh database, four servers at once. A file applied twice would fail (its tables
    // exist) or count twice (the row it inserts).
    for (let round = 0; round < 3; round += 1) {
      const url = await freshDatabase();
      const dir = migrationsWith({
        '002_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY); INSERT INTO notes VALUES (1);',
        '003_more_notes.sql': 'INSERT INTO notes SELECT max(id) + 1 FROM notes;',
      });
      const servers = Array.from({ length: 4 }, () => pool(url));
      const results = await Promise.all(servers.map((p) => migratePostgres(p, dir)));
      // Between them, each file once.
      expect(results.flat().sort()).toEqual(['001_init.sql', '002_notes.sql', '003_more_notes.sql']);
      expect(await applied(servers[0]!)).toEqual([
        { version: 1, name: '001_init.sql' },
        { version: 2, name: '002_notes.sql' },
        { version: 3, name: '003_more_notes.sql' },
      ]);
      expect((await servers[3]!.query('SELECT id FROM notes ORDER BY id')).rows).toEqual([
        { id: 1 },
        { id: 2 },
      ]);
    }
  });
});
