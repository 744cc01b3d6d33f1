// The audit CLI as a child process: verify (and its exit code when the chain is broken) and export.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databasePath } from '../src/db/database';
import { AUDIT_CSV_COLUMNS } from '../src/stores/audit-csv';
import { openSqliteStores } from '../src/stores/sqlite/open';
import { auditCli as audit } from './audit-support';

let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pd-cli-audit-'));
  const s = openSqliteStores(dir);
  try {
    const req = await s.audit.append({
      kind: 'power',
      outcome: 'requested',
      actor: 'hal',
      role: 'helpdesk',
      authKind: 'session',
      vmKey: 3,
      vmName: '=evil()',
      action: 'poweron',
      reason: 'ticket, "urgent"',
    });
    await s.audit.append({
      kind: 'power',
      outcome: 'accepted',
      actor: 'hal',
      vmKey: 3,
      action: 'poweron',
      refId: req.id,
    });
    await s.audit.append({ kind: 'signin', outcome: 'accepted', actor: 'ada', authKind: 'password' });
  } finally {
    s.close();
  }
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('audit CLI', { timeout: 60_000 }, () => {
  it('verify says the chain is intact (exit 0)', async () => {
    const r = await audit(['verify', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^audit log intact: 3 rows \(0 legacy unkeyed, 3 keyed\), last hash [0-9a-f]{64}\n {2}key: {5}\S+audit\.key \(fingerprint [0-9a-f]{16}\)\n {2}anchors: none \(no file at \S+audit-anchors\.jsonl\): a cut-off tail, or a chain rewritten with the key, would not show\n$/,
    );
  });

  it('verify names the first broken row (exit 1)', async () => {
    const raw = new Database(databasePath(dir));
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.prepare("UPDATE audit_log SET outcome = 'failed' WHERE id = 2").run();
    raw.close();
    const r = await audit(['verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      'audit log BROKEN at row 2: row 2 does not match its hash: it was changed after it was written',
      '  checked: 2 rows (0 legacy unkeyed, 2 keyed)',
    ]);
  });

  it('exports CSV with filters, escaped', async () => {
    const r = await audit(['export', '--csv', '--vm', '3', '--data-dir', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(4); // header, two rows, and the empty string after the last CRLF
    expect(lines[1]).toContain(`'=evil()`);
    expect(lines[1]).toContain('"ticket, ""urgent"""');
  });

  it('exports JSON lines, filtered by kind and user', async () => {
    const r = await audit(['export', '--kind', 'signin', '--user', 'ada', '--data-dir', dir]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; actor: string });
    expect(rows.map((x) => [x.id, x.actor])).toEqual([[3, 'ada']]);
    const outcome = await audit([
      'export',
      '--outcome',
      'accepted',
      '--from',
      '2000-01-01',
      '--data-dir',
      dir,
    ]);
    expect(outcome.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('refuses wrong usage with exit 2, and a missing database with exit 1', async () => {
    const cases = [
      [],
      ['nonsense'],
      ['verify', 'extra'],
      ['export', '--kind', 'nope'],
      ['export', '--vm', 'x'],
      ['export', '--from', 'yesterday'],
      ['verify', '--csv'],
    ];
    const results = await Promise.all(cases.map((args) => audit([...args, '--data-dir', dir])));
    for (const [i, r] of results.entries()) {
      expect(r.code, cases[i]!.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^audit: .+\n\nusage: npm run audit/);
    }
    const missing = await audit(['verify', '--data-dir', join(dir, 'none')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^audit: no database at .*powerdeck\.db\n$/);
  });
});
