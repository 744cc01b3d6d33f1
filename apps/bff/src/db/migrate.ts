// Numbered SQL migrations (`001_init.sql`, `002_...sql`) from apps/bff/migrations, applied in order
// inside one IMMEDIATE transaction and recorded in `schema_migrations`; applying again is a no-op.
// IMMEDIATE takes the write lock before reading what was applied, so a CLI and the server starting
// together cannot both apply the same file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE = /^(\d{3,})_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migration files of a directory, in order; throws on a duplicate number. */
export function readMigrations(dir: string): Migration[] {
  const out: Migration[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = FILE.exec(name);
    if (!m?.[1]) continue;
    out.push({ version: Number(m[1]), name, sql: readFileSync(join(dir, name), 'utf8') });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i += 1) {
    if (out[i]?.version === out[i - 1]?.version) {
      throw new Error(`two migrations numbered ${out[i]?.version} in ${dir}`);
    }
  }
  return out;
}

/** Applies the pending migrations of `dir`; returns the names it applied. */
export function migrate(db: Database.Database, dir: string): string[] {
  const migrations = readMigrations(dir);
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const done = new Set(db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all());
    const applied: string[] = [];
    const record = db.prepare<[number, string, number]>(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        db.exec(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      record.run(m.version, m.name, Date.now());
      applied.push(m.name);
    }
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`migrations left ${broken.length} broken foreign keys`);
    return applied;
  });
  // Foreign keys are off while migrations run (a table rebuild drops and renames tables: SQLite's
  // documented procedure) and checked above before the transaction commits. The pragma cannot change
  // inside a transaction, hence here.
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  if (enforced) db.pragma('foreign_keys = OFF');
  try {
    return apply.immediate();
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
}
