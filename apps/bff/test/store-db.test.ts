// openDatabase: directory creation, pragmas, and numbered migrations applied once, in order, atomically.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databasePath, openDatabase, type SqliteDatabase } from '../src/db/database';
import { migrate, MIGRATIONS_DIR, readMigrations } from '../src/db/migrate';

const dirs: string[] = [];
const dbs: SqliteDatabase[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pd-store-db-'));
  dirs.push(d);
  return d;
}
function open(...args: Parameters<typeof openDatabase>): SqliteDatabase {
  const db = openDatabase(...args);
  dbs.push(db);
  return db;
}
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function versions(db: SqliteDatabase): number[] {
  return db.prepare<[], number>('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
}

describe('openDatabase', () => {
  it('creates the data directory and powerdeck.db, private to the owner', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    open(dataDir);
    expect(existsSync(join(dataDir, 'powerdeck.db'))).toBe(true);
    expect(databasePath(dataDir)).toBe(join(dataDir, 'powerdeck.db'));
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'powerdeck.db')).mode & 0o777).toBe(0o600);
  });

  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const db = open(tempDir());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('refuses to create a database when told it must exist', () => {
    const dir = tempDir();
    expect(() => open(dir, { mustExist: true })).toThrow(/no database at/);
    expect(existsSync(join(dir, 'powerdeck.db'))).toBe(false);
  });
});

describe('migrations', () => {
  it('applies 001_init and records it; opening again is a no-op', () => {
    const dir = tempDir();
    const db = open(dir);
    expect(versions(db)).toEqual([1]);
    const tables = db
      .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining(['users', 'sessions', 'display_links', 'access_tokens', 'audit_log']),
    );
    expect(migrate(db, MIGRATIONS_DIR)).toEqual([]);
    db.close();
    const again = open(dir);
    expect(versions(again)).toEqual([1]);
  });

  it('applies new files in numeric order, each once', () => {
    const migrations = tempDir();
    copyFileSync(join(MIGRATIONS_DIR, '001_init.sql'), join(migrations, '001_init.sql'));
    writeFileSync(join(migrations, '010_later.sql'), 'ALTER TABLE notes ADD COLUMN body TEXT;');
    writeFileSync(join(migrations, '002_notes.sql'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY);');
    writeFileSync(join(migrations, 'README.md'), 'not a migration');
    expect(readMigrations(migrations).map((m) => m.name)).toEqual([
      '001_init.sql',
      '002_notes.sql',
      '010_later.sql',
    ]);
    const dir = tempDir();
    const db = open(dir, { migrationsDir: migrations });
    expect(versions(db)).toEqual([1, 2, 10]);
    expect(migrate(db, migrations)).toEqual([]);
    writeFileSync(join(migrations, '011_more.sql'), 'CREATE TABLE more (id INTEGER PRIMARY KEY);');
    expect(migrate(db, migrations)).toEqual(['011_more.sql']);
    expect(versions(db)).toEqual([1, 2, 10, 11]);
  });

  it('applies nothing when one pending migration fails (one transaction)', () => {
    const migrations = tempDir();
    copyFileSync(join(MIGRATIONS_DIR, '001_init.sql'), join(migrations, '001_init.sql'));
    writeFileSync(join(migrations, '002_broken.sql'), 'CREATE TABLE ok_table (id INTEGER); NOT SQL;');
    const dir = tempDir();
    expect(() => open(dir, { migrationsDir: migrations })).toThrow(/migration 002_broken.sql failed/);
    const db = open(dir, { migrationsDir: MIGRATIONS_DIR });
    // 001 applies now, on its own: the failed run left no trace of 001 or of ok_table.
    expect(versions(db)).toEqual([1]);
    const okTable = db.prepare("SELECT name FROM sqlite_schema WHERE name = 'ok_table'").get();
    expect(okTable).toBeUndefined();
  });

  it('refuses two migrations with the same number', () => {
    const migrations = tempDir();
    mkdirSync(migrations, { recursive: true });
    writeFileSync(join(migrations, '001_a.sql'), 'SELECT 1;');
    writeFileSync(join(migrations, '001_b.sql'), 'SELECT 1;');
    expect(() => readMigrations(migrations)).toThrow(/two migrations numbered 1/);
  });

  it('keeps user names lower case and well formed even against raw SQL', () => {
    const db = open(tempDir());
    const insert = db.prepare(
      "INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES (?, 'viewer', 'x', 0, 0)",
    );
    insert.run('ok.name_1-2');
    expect(() => insert.run('Bad')).toThrow(/CHECK/);
    expect(() => insert.run('a b')).toThrow(/CHECK/);
    expect(() => insert.run('')).toThrow(/CHECK/);
  });
});
