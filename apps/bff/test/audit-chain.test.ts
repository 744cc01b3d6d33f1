// Attacks on the audit chain by someone who can write the database, caught by the keyed chain and its
// anchors, as `npm run audit -- verify` (its own process) reports them, on both backends (on PostgreSQL the
// append-only triggers are disabled first, as a superuser would). The log is written as the server
// writes it: through the anchoring store, with an anchor at start, every 10 rows and at shutdown. Legacy
// (unkeyed) rows exist only in old SQLite files: those tests are SQLite's.
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database';
import { MIGRATIONS_DIR } from '../src/db/migrate';
import { anchoredAuditStore, AuditAnchorer, readAnchors } from '../src/stores/audit-anchor';
import { openAuditKey, type AuditChainOptions } from '../src/stores/audit-key';
import {
  auditCli,
  auditPlace,
  cliEnv,
  insertLegacyRows,
  openAuditAt,
  rawAt,
  rewriteFrom,
  type AuditPlace,
} from './audit-support';
import { BACKENDS } from './store-backends';

let dir: string;
/** Where this test's log lives (set by each suite's beforeEach). */
let place: AuditPlace;
const dirs: string[] = [];
const tempDir = (prefix = 'pd-audit-chain-') => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const keyFile = () => join(dir, 'audit.key');
const anchorFile = () => join(dir, 'audit-anchors.jsonl');
const verify = (extra: string[] = [], env: Record<string, string> = {}) =>
  auditCli(['verify', '--data-dir', dir, ...extra], { ...cliEnv(place), ...env });

/** `count` rows appended as the server appends them, anchored every `everyRows`, at start and at shutdown. */
async function serverWrites(count: number, options: { everyRows?: number; audit?: AuditChainOptions } = {}) {
  const stores = await openAuditAt(place, options.audit ? { audit: options.audit } : {});
  try {
    const key = stores.audit.key.key!;
    const anchorer = new AuditAnchorer({
      store: stores.audit,
      key,
      file: stores.audit.anchorFile!,
      everyRows: options.everyRows ?? 10,
      everyMs: 0,
    });
    const failures: unknown[] = [];
    await anchorer.start(
      () => {},
      (err) => failures.push(err),
    );
    const audit = anchoredAuditStore(stores.audit, anchorer);
    for (let i = 1; i <= count; i += 1) {
      await audit.append({ kind: 'signin', outcome: 'accepted', actor: `user-${i}`, authKind: 'password' });
    }
    await anchorer.close();
    expect(failures).toEqual([]);
  } finally {
    await stores.close();
  }
}

async function deleteFrom(id: number) {
  const db = rawAt(place);
  try {
    await db.allowChanges('delete');
    await db.run('DELETE FROM audit_log WHERE id >= ?', [id]);
  } finally {
    await db.close();
  }
}

async function rewrite(...args: Parameters<typeof rewriteFrom> extends [unknown, ...infer R] ? R : never) {
  const db = rawAt(place);
  try {
    await rewriteFrom(db, ...args);
  } finally {
    await db.close();
  }
}

const keyText = () => readFileSync(keyFile(), 'utf8').trim();

describe.each(BACKENDS)(
  'audit verify against the key and the anchors (%s)',
  { timeout: 60_000 },
  (backend) => {
    beforeEach(async () => {
      place = await auditPlace(backend, dir);
    });

    it('says what it checked against when the chain holds', async () => {
      await serverWrites(100);
      const r = await verify();
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toMatch(
        /^audit log intact: 100 rows \(0 legacy unkeyed, 100 keyed\), last hash [0-9a-f]{64}$/,
      );
      expect(lines[1]).toMatch(new RegExp(`^  key: +${keyFile()} \\(fingerprint [0-9a-f]{16}\\)$`));
      // start (0 rows), every 10 rows, shutdown
      expect(lines[2]).toMatch(
        new RegExp(
          `^  anchors: ${anchorFile()}: 12 checked, the latest of \\S+ \\(shutdown\\) at row 100, hash [0-9a-f]{12}$`,
        ),
      );
      expect(r.stdout + r.stderr).not.toContain(keyText());
    });

    it('catches the last row deleted', async () => {
      await serverWrites(100);
      await deleteFrom(100);
      const r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN at row 100: the log was cut: 1 row after row 99 is missing \(the anchor of \S+ recorded 100 rows, last hash [0-9a-f]{12}\)\n {2}checked: 99 rows \(0 legacy unkeyed, 99 keyed\)\n/,
      );
    });

    it('catches the last 50 rows deleted', async () => {
      await serverWrites(100);
      await deleteFrom(51);
      const r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN at row 51: the log was cut: 50 rows after row 50 are missing/,
      );
    });

    it('catches a row edited and every hash after it recomputed with plain SHA-256 (no key)', async () => {
      await serverWrites(100);
      await rewrite(45, { actor: 'someone-else' }, { with: 'sha256' });
      const r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN at row 45: row 45 does not match its hash: it was changed after it was written\n/,
      );
    });

    it('catches rows relabelled as legacy (plain SHA-256) after keyed ones, and the whole chain relabelled', async () => {
      await serverWrites(100);
      await rewrite(45, { actor: 'someone-else' }, { with: 'sha256', format: 'powerdeck-audit-v1' });
      let r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN at row 45: row 45 is unkeyed \(plain SHA-256\) but follows keyed rows/,
      );

      await rewrite(1, {}, { with: 'sha256', format: 'powerdeck-audit-v1' });
      r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN at row 1: row 1 is unkeyed \(plain SHA-256\), but the anchors say keying began after row 0/,
      );
    });

    it('catches a row edited and every hash after it recomputed with the key, by the anchors', async () => {
      await serverWrites(100);
      await rewrite(45, { outcome: 'denied' }, { with: 'hmac', key: keyText() });
      const r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN at row 50: row 50 is not the row anchored at \S+ \(anchored hash [0-9a-f]{12}, now [0-9a-f]{12}\): the chain was rewritten after row 40, and every hash after recomputed\n/,
      );
    });

    it('refuses an anchor file with a forged line', async () => {
      await serverWrites(20);
      const last = readFileSync(anchorFile(), 'utf8').trim().split('\n').at(-1)!;
      const forged = { ...(JSON.parse(last) as Record<string, unknown>), rows: 15 };
      appendFileSync(anchorFile(), `${JSON.stringify(forged)}\n`);
      const r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN: the anchors cannot be trusted: line 5 of the anchor file does not match its signature: it was forged or changed\n/,
      );
    });

    it('says it cannot verify keyed rows without the key, or with another key', async () => {
      await serverWrites(20);
      const key = keyText();
      renameSync(keyFile(), join(dir, 'moved.key'));
      let r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        new RegExp(
          `^audit log NOT VERIFIED at row 1: cannot verify keyed rows without the key: no key file at ${keyFile()}, and the audit log has keyed rows: restore the key file it was written with\\n  checked: 1 rows \\(0 legacy unkeyed, 0 keyed\\)\\n  key: +none \\(${keyFile()}\\)\\n`,
        ),
      );
      // verify never generates a key
      expect(existsSync(keyFile())).toBe(false);

      writeFileSync(keyFile(), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
      r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log NOT VERIFIED: cannot verify keyed rows without the key: the key in \S+audit\.key \(fingerprint ([0-9a-f]{16})\) is not the one the log was anchored with \(fingerprint (?!\1)[0-9a-f]{16}\)\n/,
      );

      // Without anchors, a wrong key shows at the first keyed row.
      rmSync(anchorFile());
      r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^audit log BROKEN at row 1: row 1 does not match its keyed hash: it was changed after it was written, or the key \(fingerprint [0-9a-f]{16}\) is not the one it was written with\n/,
      );

      // The right key, named by --key-file, and the output never shows it.
      r = await verify(['--key-file', join(dir, 'moved.key')]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(key);
    });

    it('finds the key and the anchors where the server does: the variables, else the data directory', async () => {
      const secrets = tempDir('pd-audit-secrets-');
      const env = {
        POWERDECK_AUDIT_KEY_FILE: join(secrets, 'powerdeck.key'),
        POWERDECK_AUDIT_ANCHOR_FILE: join(secrets, 'anchors.jsonl'),
      };
      writeFileSync(env.POWERDECK_AUDIT_KEY_FILE, `${'7f'.repeat(32)}\n`, { mode: 0o600 });
      await serverWrites(30, {
        audit: {
          keyFile: env.POWERDECK_AUDIT_KEY_FILE,
          createKey: false,
          anchorFile: env.POWERDECK_AUDIT_ANCHOR_FILE,
        },
      });
      expect(existsSync(keyFile())).toBe(false);
      const r = await verify([], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`key:     ${env.POWERDECK_AUDIT_KEY_FILE} (fingerprint`);
      expect(r.stdout).toContain(`anchors: ${env.POWERDECK_AUDIT_ANCHOR_FILE}: 5 checked`);
      const without = await verify();
      expect(without.code).toBe(1);
      expect(without.stdout).toMatch(
        /^audit log NOT VERIFIED at row 1: cannot verify keyed rows without the key/,
      );
    });
  },
);

describe('legacy rows (plain SHA-256, written before the key)', { timeout: 60_000 }, () => {
  beforeEach(async () => {
    place = await auditPlace('sqlite', dir);
  });

  /** A database as the previous version left it: migrations 001 to 003 and three plain SHA-256 rows. */
  function legacyDatabase() {
    const old = tempDir('pd-audit-old-migrations-');
    for (const name of ['001_init.sql', '002_audit_access_kind.sql', '003_operations.sql']) {
      copyFileSync(join(MIGRATIONS_DIR, name), join(old, name));
    }
    const db = openDatabase(dir, { migrationsDir: old });
    try {
      insertLegacyRows(db, 3);
    } finally {
      db.close();
    }
  }

  it('still verify, without a key, and the chain continues keyed across the switch', async () => {
    legacyDatabase();
    let r = await verify();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit log intact: 3 rows \(3 legacy unkeyed, 0 keyed\)/);
    expect(r.stdout).toContain('no row is keyed yet');
    expect(existsSync(keyFile())).toBe(false);

    await serverWrites(5);
    r = await verify();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit log intact: 8 rows \(3 legacy unkeyed, 5 keyed\)/);
    expect(r.stdout).toContain("the 3 legacy rows are plain SHA-256; the first keyed row's hash covers them");
    const anchors = readAnchors(anchorFile(), null).anchors;
    expect(anchors.map((a) => [a.reason, a.rows, a.legacyRows])).toEqual([
      ['start', 3, 3],
      ['shutdown', 8, 3],
    ]);
  });

  it('an edited legacy row, with the hashes after it recomputed, is caught by the anchors, else at the first keyed row', async () => {
    legacyDatabase();
    await serverWrites(5);
    await rewrite(2, { actor: 'someone-else' }, { with: 'sha256' });
    let r = await verify();
    expect(r.code).toBe(1);
    // The start anchor recorded the legacy head (row 3).
    expect(r.stdout).toMatch(/^audit log BROKEN at row 3: row 3 is not the row anchored at /);
    rmSync(anchorFile());
    r = await verify();
    expect(r.code).toBe(1);
    // Without anchors: the first keyed row's HMAC covered the legacy head, and cannot be recomputed.
    expect(r.stdout).toMatch(/^audit log BROKEN at row 4: row 4 does not match its keyed hash/);
  });

  it('a keyed row relabelled as legacy inside the legacy range is caught by the anchored boundary', async () => {
    legacyDatabase();
    await serverWrites(5);
    // Rows 4 to 8 rehashed as legacy: the chain alone would hold (8 unkeyed rows), the anchors say 3.
    await rewrite(4, {}, { with: 'sha256', format: 'powerdeck-audit-v1' });
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^audit log BROKEN at row 4: row 4 is unkeyed \(plain SHA-256\), but the anchors say keying began after row 3: it was rehashed without the key\n/,
    );
  });
});

describe.each(BACKENDS)('appends and anchors at the same time (%s)', { timeout: 60_000 }, (backend) => {
  beforeEach(async () => {
    place = await auditPlace(backend, dir);
  });

  it('do not corrupt each other: the server, a CLI on a second connection, anchors on a timer', async () => {
    const server = await openAuditAt(place);
    const cli = await openAuditAt(place);
    try {
      const anchorer = new AuditAnchorer({
        store: server.audit,
        key: server.audit.key.key!,
        file: anchorFile(),
        everyRows: 3,
        // Long enough that row-count anchors still come while appends take real time (PostgreSQL): an interval
        // anchor that lands first leaves a row-count anchor nothing to do.
        everyMs: 250,
      });
      const failures: unknown[] = [];
      await anchorer.start(
        () => {},
        (err) => failures.push(err),
      );
      const audit = anchoredAuditStore(server.audit, anchorer);
      const row = (actor: string) => ({ kind: 'signin' as const, outcome: 'accepted' as const, actor });
      for (let round = 0; round < 5; round += 1) {
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            i % 3 === 0 ? cli.audit.append(row(`cli-${round}-${i}`)) : audit.append(row(`app-${round}-${i}`)),
          ),
        );
      }
      // Rows of the CLI alone move the head too: the timer anchors them.
      for (let i = 0; i < 7; i += 1) await cli.audit.append(row(`cli-late-${i}`));
      await expect
        .poll(() => readAnchors(anchorFile(), null).anchors.some((a) => a.rows === 157), { timeout: 10_000 })
        .toBe(true);
      await anchorer.close();
      expect(failures).toEqual([]);

      const read = readAnchors(anchorFile(), server.audit.key.key);
      expect(read.problem).toBeNull();
      const reasons = read.anchors.map((a) => a.reason);
      expect(reasons.filter((r) => r === 'rows').length).toBeGreaterThanOrEqual(5);
      expect(reasons).toContain('interval');
      expect(reasons.at(-1)).toBe('shutdown');
      // Each anchor names a row as it is, and anchors never go back.
      for (const [i, a] of read.anchors.entries()) {
        if (a.rows > 0) expect((await server.audit.get(a.rows))!.hash).toBe(a.hash);
        if (i > 0) expect(a.rows).toBeGreaterThanOrEqual(read.anchors[i - 1]!.rows);
      }
      expect(await server.audit.verify()).toMatchObject({ ok: true, rows: 157, keyedRows: 157 });
    } finally {
      await cli.close();
      await server.close();
    }
  });

  it('verify in another process, while the server appends and anchors each row, sees no false cut', async () => {
    const stores = await openAuditAt(place);
    try {
      // Enough rows that walking them takes the CLI a while: anchors keep coming meanwhile.
      for (let i = 0; i < 3000; i += 1) {
        await stores.audit.append({ kind: 'signin', outcome: 'accepted', actor: `seed-${i}` });
      }
      const anchorer = new AuditAnchorer({
        store: stores.audit,
        key: stores.audit.key.key!,
        file: anchorFile(),
        everyRows: 1,
        everyMs: 0,
      });
      await anchorer.start(
        () => {},
        () => {},
      );
      const audit = anchoredAuditStore(stores.audit, anchorer);
      let done = false;
      let appended = 0;
      const writer = (async () => {
        while (!done) {
          await audit.append({ kind: 'signin', outcome: 'accepted', actor: 'busy' });
          appended += 1;
          // Let the event loop breathe between appends (child process output, the CLI's exit).
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const results = [];
      for (let i = 0; i < 3; i += 1) results.push(await verify());
      done = true;
      await writer;
      await anchorer.close();
      expect(appended).toBeGreaterThan(0);
      for (const r of results) {
        expect(r.stdout).toMatch(/^audit log intact: \d+ rows/);
        expect(r.code).toBe(0);
      }
    } finally {
      await stores.close();
    }
  });
});

describe('the key file', () => {
  const options = (file: string, createKey = true) => ({ keyFile: file, createKey, anchorFile: null });

  it('is generated private, shows only its fingerprint, and is refused when short; a readable one is warned about', () => {
    const file = join(dir, 'keys', 'audit.key');
    const made = openAuditKey(options(file), false);
    expect(made).toMatchObject({ created: true, problem: null, warning: null });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8').trim();
    const key = made.key!;
    for (const shown of [
      JSON.stringify(made),
      inspect(made, { depth: 5 }),
      inspect(key, { showHidden: true }),
    ]) {
      expect(shown).not.toContain(secret);
    }
    expect(JSON.stringify(key)).toBe(JSON.stringify({ file, fingerprint: key.fingerprint }));
    // Loaded again, the same key.
    expect(openAuditKey(options(file), true).key!.fingerprint).toBe(key.fingerprint);

    chmodSync(file, 0o644);
    expect(openAuditKey(options(file), true).warning).toMatch(
      /may be read by others \(mode 0644\): chmod 600 it/,
    );

    const short = join(dir, 'short.key');
    writeFileSync(short, 'too-short\n', { mode: 0o600 });
    expect(openAuditKey(options(short), false)).toMatchObject({
      key: null,
      problem: expect.stringMatching(/must hold at least 32 characters/),
    });
  });

  it('is not generated when named, nor when the log already has keyed rows', () => {
    expect(openAuditKey(options(join(dir, 'a.key'), false), false)).toMatchObject({
      key: null,
      problem: `no key file at ${join(dir, 'a.key')}`,
    });
    expect(openAuditKey(options(join(dir, 'b.key')), true)).toMatchObject({
      key: null,
      problem: expect.stringMatching(/and the audit log has keyed rows: restore the key file/),
    });
    expect(existsSync(join(dir, 'a.key')) || existsSync(join(dir, 'b.key'))).toBe(false);
  });
});
