// The embedded SQLite database: one file, powerdeck.db, in POWERDECK_DATA_DIR. Opening it sets the
// pragmas every connection needs and applies the pending migrations. Only the stores in
// src/stores/sqlite run SQL against it.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS_DIR } from './migrate';

export type SqliteDatabase = Database.Database;

const DATABASE_FILE = 'powerdeck.db';

export interface OpenDatabaseOptions {
  /** Where the numbered .sql files live (tests point this elsewhere). */
  migrationsDir?: string;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY, in ms. */
  busyTimeoutMs?: number;
  /** Fail instead of creating the file (e.g. `audit verify` on a data dir that has none). */
  mustExist?: boolean;
}

class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** The path of the database file in a data directory. */
export function databasePath(dataDir: string): string {
  return join(resolve(dataDir), DATABASE_FILE);
}

/**
 * Opens (creating the directory and the file if needed) `powerdeck.db` in `dataDir`, in WAL mode
 * with `synchronous=FULL` (a committed write is on disk: the audit log relies on it),
 * `foreign_keys=ON` and a busy timeout, then applies pending migrations. The caller closes it.
 */
export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const file = databasePath(dataDir);
  if (options.mustExist && !existsSync(file)) {
    throw new DatabaseError(`no database at ${file}`);
  }
  // The database holds password hashes and token hashes: keep it private to the service user.
  mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
  const created = !existsSync(file);
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    if (created) chmodSync(file, 0o600);
    configure(db, options.busyTimeoutMs ?? 5000);
    migrate(db, options.migrationsDir ?? MIGRATIONS_DIR);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function configure(db: SqliteDatabase, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (String(mode).toLowerCase() !== 'wal') {
    throw new DatabaseError(`cannot switch ${db.name} to WAL mode (got ${String(mode)})`);
  }
  // FULL: every commit syncs the WAL, so a record the audit log has written survives a power cut.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Schema objects may not call functions with side effects (defence against a tampered file).
  db.pragma('trusted_schema = OFF');
}
