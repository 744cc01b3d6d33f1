// The audit CLI as a child process: verify (and its exit code when the chain is broken) and export, on the
// SQLite file of a data directory, and on PostgreSQL when POWERDECK_DATABASE_URL is set (as the server reads it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS } from '../src/stores/audit-csv';
import { auditCli, auditPlace, cliEnv, openAuditAt, rawAt, type AuditPlace } from './audit-support';
import { freshDatabase } from './pg-support';
import { BACKENDS, type Backend } from './store-backends';

let dir: string;
let place: AuditPlace;
const audit = (args: string[], env: Record<string, string> = {}) =>
  auditCli(args, { ...cliEnv(place), ...env });

/** Three rows, written as the server writes them, on a backend. */
async function seed(backend: Backend) {
  dir = mkdtempSync(join(tmpdir(), 'pd-cli-audit-'));
  place = await auditPlace(backend, dir);
  const s = await openAuditAt(place);
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
    await s.close();
  }
}
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each(BACKENDS)('audit CLI (%s)', { timeout: 60_000 }, (backend) => {
  beforeEach(async () => {
    await seed(backend);
  });

  it('verify says the chain is intact (exit 0)', async () => {
    const r = await audit(['verify', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^audit log intact: 3 rows \(0 legacy unkeyed, 3 keyed\), last hash [0-9a-f]{64}\n {2}key: {5}\S+audit\.key \(fingerprint [0-9a-f]{16}\)\n {2}anchors: none \(no file at \S+audit-anchors\.jsonl\): a cut-off tail, or a chain rewritten with the key, would not show\n$/,
    );
  });

  it('verify names the first broken row (exit 1)', async () => {
    // On PostgreSQL the append-only trigger is disabled first, as a superuser would.
    const raw = rawAt(place);
    await raw.allowChanges('update');
    await raw.run("UPDATE audit_log SET outcome = 'failed' WHERE id = 2");
    await raw.close();
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
    if (backend === 'sqlite') {
      const missing = await audit(['verify', '--data-dir', join(dir, 'none')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^audit: no database at .*powerdeck\.db\n$/);
    } else {
      // A database no server has started on: nothing is created in it.
      const empty = await freshDatabase();
      const missing = await audit(['verify', '--data-dir', dir], { POWERDECK_DATABASE_URL: empty });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(
        'audit: no audit log in the database at POWERDECK_DATABASE_URL: a Powerdeck server creates it at its first start\n',
      );
      const again = await audit(['export', '--data-dir', dir], { POWERDECK_DATABASE_URL: empty });
      expect(again.stderr).toMatch(/^audit: no audit log in the database/);
      // A server that cannot be reached: said in one line, without the URL's password.
      const password = 'not-to-be-shown';
      const down = await audit(['verify', '--data-dir', dir], {
        POWERDECK_DATABASE_URL: `postgres://powerdeck:${password}@127.0.0.1:1/powerdeck`,
      });
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/^audit: cannot read the database at POWERDECK_DATABASE_URL: .+\n$/);
      expect(down.stdout + down.stderr).not.toContain(password);
    }
  });
});

describe('audit CLI without POWERDECK_DATABASE_URL', { timeout: 60_000 }, () => {
  beforeEach(async () => {
    await seed('postgres');
  });

  it('reads SQLite in the data directory, not the database', async () => {
    const r = await auditCli(['verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^audit: no database at .*powerdeck\.db\n$/);
    expect((await audit(['verify', '--data-dir', dir])).code).toBe(0);
  });
});
