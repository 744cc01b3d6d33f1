// Audit log test tools that work on the raw SQLite file, as someone with the database (and no more) would:
// legacy rows as Powerdeck wrote them before the chain was keyed (plain SHA-256, format powerdeck-audit-v1,
// computed here on their own, not with the code under test), and rewriting rows with every hash after them
// recomputed.
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/**
 * `npm run audit -- ARGS` as its own process (through tsx), with the environment of this process minus
 * POWERDECK_DATA_DIR and the audit variables, plus `env`.
 */
export function auditCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv.POWERDECK_DATA_DIR;
    delete childEnv.POWERDECK_AUDIT_KEY_FILE;
    delete childEnv.POWERDECK_AUDIT_ANCHOR_FILE;
    const child = spawn(TSX, ['apps/bff/src/cli/audit.ts', ...args], {
      cwd: ROOT,
      env: { ...childEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RawAuditRow {
  id: number;
  at: number;
  kind: string;
  outcome: string;
  actor: string | null;
  role: string | null;
  auth_kind: string | null;
  source: string | null;
  user_agent: string | null;
  vm_key: number | null;
  vm_name: string | null;
  action: string | null;
  params: string | null;
  reason: string | null;
  target: string | null;
  request_id: string | null;
  operation_id: string | null;
  ref_id: number | null;
  vergeos_status: number | null;
  vergeos_message: string | null;
  latency_ms: number | null;
  prev_hash: string;
  hash: string;
}

/** The canonical form of a row, as documented in audit-chain.ts, for a format. */
export function canonical(format: string, r: Omit<RawAuditRow, 'hash'>): string {
  return JSON.stringify([
    format,
    r.id,
    r.at,
    r.kind,
    r.outcome,
    r.actor,
    r.role,
    r.auth_kind,
    r.source,
    r.user_agent,
    r.vm_key,
    r.vm_name,
    r.action,
    r.params,
    r.reason,
    r.target,
    r.request_id,
    r.operation_id,
    r.ref_id,
    r.vergeos_status,
    r.vergeos_message,
    r.latency_ms,
    r.prev_hash,
  ]);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Appends `count` sign-in rows the way Powerdeck did before the key (powerdeck-audit-v1, plain SHA-256):
 * INSERT without the `chain` column, so it works on a schema from before migration 004 too.
 */
export function insertLegacyRows(
  db: Database.Database,
  count: number,
  at = Date.parse('2025-01-01T00:00:00Z'),
) {
  const last = db
    .prepare<[], { id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1')
    .get();
  let id = last?.id ?? 0;
  let prev = last?.hash ?? '0'.repeat(64);
  const insert = db.prepare(
    `INSERT INTO audit_log (id, at, kind, outcome, actor, auth_kind, prev_hash, hash)
     VALUES (@id, @at, @kind, @outcome, @actor, @auth_kind, @prev_hash, @hash)`,
  );
  for (let i = 0; i < count; i += 1) {
    id += 1;
    const row: Omit<RawAuditRow, 'hash'> = {
      id,
      at: at + id * 1000,
      kind: 'signin',
      outcome: 'accepted',
      actor: `legacy-${id}`,
      role: null,
      auth_kind: 'password',
      source: null,
      user_agent: null,
      vm_key: null,
      vm_name: null,
      action: null,
      params: null,
      reason: null,
      target: null,
      request_id: null,
      operation_id: null,
      ref_id: null,
      vergeos_status: null,
      vergeos_message: null,
      latency_ms: null,
      prev_hash: prev,
    };
    const hash = sha256(canonical('powerdeck-audit-v1', row));
    insert.run({ ...row, hash });
    prev = hash;
  }
}

/** How the rewritten rows are hashed: plain SHA-256 (no key) or HMAC-SHA256 with a stolen key. */
export type Rehash =
  { with: 'sha256'; format?: 'powerdeck-audit-v1' | 'powerdeck-audit-v2' } | { with: 'hmac'; key: string };

/**
 * Changes row `id` (after dropping the append-only trigger) and recomputes the hash and link of it and of
 * every row after it: what someone who can write the database does to hide an edit. With
 * `{ with: 'sha256', format: 'powerdeck-audit-v1' }` the rows are also relabelled as legacy rows.
 */
export function rewriteFrom(
  db: Database.Database,
  id: number,
  edit: Partial<RawAuditRow>,
  how: Rehash,
): void {
  db.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
  const rows = db
    .prepare<[number], RawAuditRow & { chain: string }>('SELECT * FROM audit_log WHERE id >= ? ORDER BY id')
    .all(id);
  const before = db
    .prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE id = ?')
    .get(id - 1);
  let prev = before?.hash ?? '0'.repeat(64);
  const update = db.prepare(
    `UPDATE audit_log SET actor = @actor, reason = @reason, outcome = @outcome, prev_hash = @prev_hash,
       hash = @hash, chain = @chain WHERE id = @id`,
  );
  for (const r of rows) {
    const { hash: _old, chain: oldChain, ...rest } = r;
    const row = { ...rest, ...(r.id === id ? edit : {}), prev_hash: prev };
    const chain = how.with === 'sha256' ? (how.format ?? oldChain) : 'powerdeck-audit-v2';
    const text = canonical(chain, row);
    const hash =
      how.with === 'sha256' ? sha256(text) : createHmac('sha256', how.key).update(text).digest('hex');
    update.run({ ...row, hash, chain });
    prev = hash;
  }
}
