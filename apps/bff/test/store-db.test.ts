// openDatabase: directory creation, pragmas, and numbered migrations applied once, in order, atomically.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databasePath, openDatabase, type SqliteDatabase } from '../src/db/database';
import { migrate, MIGRATIONS_DIR, readMigrations } from '../src/db/migrate';
import { auditChainOptions } from '../src/stores/audit-key';
import { SqliteAuditStore } from '../src/stores/sqlite/audit';
import { insertLegacyRows } from './audit-support';

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

function shippedVersions(): number[] {
  return readMigrations(MIGRATIONS_DIR).map((m) => m.version);
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
  it('applies every shipped migration (001_init, 002_audit_access_kind) and records it; opening again is a no-op', () => {
    const shipped = readMigrations(MIGRATIONS_DIR).map((m) => m.name);
    expect(shipped.slice(0, 2)).toEqual(['001_init.sql', '002_audit_access_kind.sql']);
    const all = shippedVersions();
    const dir = tempDir();
    const db = open(dir);
    expect(versions(db)).toEqual(all);
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
    expect(versions(again)).toEqual(all);
  });

  it('002 and 004 keep the chain of rows written before them; new rows are keyed', async () => {
    const onlyInit = tempDir();
    copyFileSync(join(MIGRATIONS_DIR, '001_init.sql'), join(onlyInit, '001_init.sql'));
    const dir = tempDir();
    const before = open(dir, { migrationsDir: onlyInit });
    // Two rows as Powerdeck wrote them then (plain SHA-256); kind 'access' did not exist yet.
    insertLegacyRows(before, 2);
    expect(() =>
      before
        .prepare(
          "INSERT INTO audit_log (id, at, kind, outcome, prev_hash, hash) VALUES (3, 0, 'access', 'denied', '', 'x')",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
    before.close();

    const after = open(dir);
    expect(versions(after)).toEqual(shippedVersions());
    const audit = new SqliteAuditStore(after, { chain: auditChainOptions(dir, {}) });
    expect(await audit.verify()).toMatchObject({ ok: true, rows: 2, legacyRows: 2, keyedRows: 0 });
    const denied = await audit.append({
      kind: 'access',
      outcome: 'denied',
      actor: 'ada',
      target: 'users:manage',
    });
    expect(denied).toMatchObject({ id: 3, kind: 'access' });
    expect(await audit.verify()).toMatchObject({ ok: true, rows: 3, legacyRows: 2, keyedRows: 1 });
    // The rebuilt table keeps its append-only triggers.
    expect(() => after.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
    expect(() => after.prepare("UPDATE audit_log SET actor = 'x' WHERE id = 1").run()).toThrow(/append-only/);
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
    // The shipped migrations apply now: the failed run left no trace of 001 or of ok_table.
    expect(versions(db)).toEqual(shippedVersions());
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
