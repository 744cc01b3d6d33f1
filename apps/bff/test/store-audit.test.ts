// The audit log on both backends (a real SQLite file, a real PostgreSQL database): append-only, hash-chained with
// the audit key, durable before append resolves; and, on PostgreSQL, one gapless chain while several servers append
// at once. (Attacks on the chain, anchors and legacy rows: audit-chain.test.ts.)
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  auditRowHash,
  canonicalAuditRow,
  GENESIS_HASH,
  type StoredAuditRow,
} from '../src/stores/audit-chain';
import type { AuditInput, AuditRecord } from '../src/stores/types';
import { openAuditAt, placeOf, rawAt, type RawDb } from './audit-support';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';

let stores: TestStores;
let dir: string;
let now: number;

/** A second, independent connection to the same database (what another process would see). */
function rawConnection(): RawDb {
  return rawAt(placeOf(stores));
}

const request: AuditInput = {
  kind: 'power',
  outcome: 'requested',
  actor: 'hal',
  role: 'helpdesk',
  authKind: 'session',
  source: '10.1.2.3',
  userAgent: 'Mozilla/5.0',
  vmKey: 42,
  vmName: 'web-01',
  action: 'poweron',
  params: { b: 1, a: [true, null] },
  reason: 'caller #1234 asked',
  requestId: 'req-1',
};

async function sample(): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  out.push(await stores.audit.append(request));
  now += 1000;
  out.push(
    await stores.audit.append({
      ...request,
      outcome: 'accepted',
      refId: out[0]!.id,
      vergeosStatus: 200,
      vergeosMessage: 'ok',
      latencyMs: 123.4,
    }),
  );
  now += 1000;
  out.push(
    await stores.audit.append({ kind: 'signin', outcome: 'accepted', actor: 'ada', authKind: 'password' }),
  );
  now += 1000;
  out.push(
    await stores.audit.append({
      kind: 'signin_failed',
      outcome: 'denied',
      actor: 'mallory',
      authKind: 'password',
      reason: 'unknown_user',
      source: '203.0.113.9',
    }),
  );
  return out;
}

describe.each(BACKENDS)('audit log (%s)', (backend) => {
  beforeEach(async () => {
    now = Date.parse('2025-03-01T08:00:00Z');
    stores = await openTestStores(backend, { now: () => now });
    dir = stores.dir;
  });

  it('chains each row to the one before with HMAC-SHA256 under the key file over its canonical form', async () => {
    const [first, second, third] = await sample();
    expect(first).toMatchObject({
      id: 1,
      at: '2025-03-01T08:00:00.000Z',
      kind: 'power',
      outcome: 'requested',
      params: '{"a":[true,null],"b":1}',
      prevHash: GENESIS_HASH,
      refId: null,
      operationId: null,
    });
    expect(second).toMatchObject({ id: 2, refId: 1, latencyMs: 123, prevHash: first!.hash, vmKey: 42 });
    expect(third!.prevHash).toBe(second!.hash);
    const stored: Omit<StoredAuditRow, 'hash'> = {
      ...first!,
      at: Date.parse(first!.at),
      format: 'powerdeck-audit-v2',
    };
    const canonical = canonicalAuditRow(stored);
    expect(canonical.startsWith('["powerdeck-audit-v2",1,1740816000000,"power","requested","hal"')).toBe(
      true,
    );
    // The key is the text of audit.key, generated in the data directory (64 hex digits, private).
    const keyText = readFileSync(join(dir, 'audit.key'), 'utf8').trim();
    expect(keyText).toMatch(/^[0-9a-f]{64}$/);
    expect(first!.hash).toBe(createHmac('sha256', keyText).update(canonical).digest('hex'));
    expect(await stores.audit.verify()).toEqual({
      ok: true,
      rows: 4,
      legacyRows: 0,
      keyedRows: 4,
      lastHash: (await stores.audit.get(4))!.hash,
      key: { file: join(dir, 'audit.key'), fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) },
      anchors: { file: join(dir, 'audit-anchors.jsonl'), exists: false, count: 0, latest: null },
    });
    expect(await stores.audit.get(2)).toEqual(second);
    expect(await stores.audit.get(99)).toBeNull();
  });

  it('has the requested row committed and synced before append resolves', async () => {
    if (stores.backend === 'sqlite') expect(stores.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const other = rawConnection();
    const row = await stores.audit.append(request);
    // Read at once on a second connection (on SQLite the read runs synchronously: no await, no timer between the
    // append and it; on PostgreSQL the append committed, with synchronous_commit on, before it resolved).
    expect(await other.all('SELECT id, outcome, vm_key, hash FROM audit_log WHERE id = ?', [row.id])).toEqual(
      [{ id: row.id, outcome: 'requested', vm_key: 42, hash: row.hash }],
    );
    if (stores.backend === 'sqlite') expect(stores.db.inTransaction).toBe(false);
    // No connection is left inside the append's transaction.
    else expect(stores.pool.idleCount).toBe(stores.pool.totalCount);
  });

  it('refuses UPDATE and DELETE through its triggers', async () => {
    await sample();
    const other = rawConnection();
    await expect(other.run("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 1")).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(other.run('DELETE FROM audit_log WHERE id = 4')).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    if (stores.backend === 'sqlite') {
      const db = stores.db;
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    } else {
      // The store's own connections, a superuser's (the tests connect as one), and TRUNCATE too.
      await expect(stores.pool.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      await expect(other.run('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
      await expect(other.run("UPDATE audit_key SET fingerprint = 'x'")).rejects.toThrow(
        /audit_key is append-only: UPDATE refused/,
      );
    }
    expect(await stores.audit.verify()).toMatchObject({ ok: true, rows: 4 });
  });

  it('names the first edited row when the triggers are dropped and a row is changed', async () => {
    await sample();
    const other = rawConnection();
    await other.allowChanges('update');
    await other.run("UPDATE audit_log SET reason = 'routine' WHERE id = 2");
    await other.run("UPDATE audit_log SET actor = 'nobody' WHERE id = 3");
    expect(await stores.audit.verify()).toMatchObject({
      ok: false,
      rows: 2,
      brokenId: 2,
      reason: expect.stringMatching(/row 2 does not match its hash/),
    });
  });

  it('catches a row rewritten with a recomputed hash (even with the key) at the next link', async () => {
    const rows = await sample();
    const other = rawConnection();
    await other.allowChanges('update');
    const forged: Omit<StoredAuditRow, 'hash'> = {
      ...rows[1]!,
      at: Date.parse(rows[1]!.at),
      outcome: 'failed',
      format: 'powerdeck-audit-v2',
    };
    const hash = auditRowHash(forged, stores.audit.key.key);
    await other.run("UPDATE audit_log SET outcome = 'failed', hash = ? WHERE id = 2", [hash]);
    expect(await stores.audit.verify()).toMatchObject({
      ok: false,
      brokenId: 3,
      reason: expect.stringMatching(/does not link to row 2/),
    });
  });

  it('catches a deleted row', async () => {
    await sample();
    const other = rawConnection();
    await other.allowChanges('delete');
    await other.run('DELETE FROM audit_log WHERE id = 2');
    expect(await stores.audit.verify()).toMatchObject({
      ok: false,
      brokenId: 3,
      reason: expect.stringMatching(/rows between were removed/),
    });
    await other.run('DELETE FROM audit_log WHERE id = 1');
    expect(await stores.audit.verify()).toMatchObject({
      ok: false,
      brokenId: 3,
      reason: expect.stringMatching(/starts at row 3/),
    });
  });

  it('keeps one chain when two connections append in turn', async () => {
    const second = await openAuditAt(placeOf(stores), { now: () => now });
    try {
      for (let i = 0; i < 10; i += 1) {
        await (i % 2 ? second : stores).audit.append({ ...request, requestId: `r${i}` });
      }
      expect(await second.audit.verify()).toMatchObject({ ok: true, rows: 10 });
    } finally {
      await second.close();
    }
  });

  it('checks what it is given', async () => {
    await expect(stores.audit.append({ ...request, outcome: 'maybe' as 'accepted' })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(stores.audit.append({ ...request, kind: 'other' as 'power' })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(stores.audit.append({ ...request, refId: 77 })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/refId 77/),
    });
    await expect(stores.audit.append({ ...request, params: { x: Number.NaN } })).rejects.toMatchObject({
      code: 'invalid',
    });
    const long = await stores.audit.append({
      ...request,
      userAgent: 'x'.repeat(5000),
      reason: 'y'.repeat(5000),
    });
    expect(long.userAgent).toHaveLength(512);
    expect(long.reason).toHaveLength(1000);
    expect(await stores.audit.verify()).toMatchObject({ ok: true, rows: 1 });
  });

  it('filters by VM, user, action, outcome, kind and time, and pages both ways', async () => {
    await sample();
    now += 1000;
    await stores.audit.append({ ...request, vmKey: 7, vmName: 'db-01', action: 'kill', actor: 'ada' });
    const q = async (f: Parameters<typeof stores.audit.query>[0]) =>
      (await stores.audit.query(f)).rows.map((r) => r.id);
    expect(await q({})).toEqual([5, 4, 3, 2, 1]);
    expect(await q({ vmKey: 42 })).toEqual([2, 1]);
    expect(await q({ actor: 'ada' })).toEqual([5, 3]);
    expect(await q({ action: 'kill' })).toEqual([5]);
    expect(await q({ outcome: 'denied' })).toEqual([4]);
    expect(await q({ kind: 'signin_failed' })).toEqual([4]);
    expect(await q({ kind: 'power', outcome: 'requested' })).toEqual([5, 1]);
    const t0 = Date.parse('2025-03-01T08:00:00Z');
    expect(await q({ from: new Date(t0 + 1000), to: new Date(t0 + 3000) })).toEqual([3, 2]);
    await expect(stores.audit.query({ from: new Date('nope') })).rejects.toMatchObject({ code: 'invalid' });

    const p1 = await stores.audit.query({ limit: 2 });
    expect([p1.rows.map((r) => r.id), p1.next]).toEqual([[5, 4], 4]);
    const p2 = await stores.audit.query({ limit: 2, cursor: p1.next! });
    expect([p2.rows.map((r) => r.id), p2.next]).toEqual([[3, 2], 2]);
    const p3 = await stores.audit.query({ limit: 2, cursor: p2.next! });
    expect([p3.rows.map((r) => r.id), p3.next]).toEqual([[1], null]);
    const asc = await stores.audit.query({ order: 'asc', limit: 3, cursor: 1 });
    expect([asc.rows.map((r) => r.id), asc.next]).toEqual([[2, 3, 4], 4]);
  });

  it('stores text as it hashed it: lone surrogates and NUL become U+FFFD, and a cut never splits a pair', async () => {
    const row = await stores.audit.append({
      kind: 'signin_failed',
      outcome: 'denied',
      // A name tried at sign-in is whatever the client sent.
      actor: 'a\ud800b\u0000c\udfff',
      authKind: 'password',
      // 600 UTF-16 units: cut at 512, where a plain cut would split the 256th pair.
      userAgent: '\u{1f600}'.repeat(300),
    });
    expect(row.actor).toBe('a\ufffdb\ufffdc\ufffd');
    expect(row.userAgent).toBe(`${'\u{1f600}'.repeat(255)}…`);
    expect(await stores.audit.get(row.id)).toEqual(row);
    expect(await stores.audit.verify()).toMatchObject({ ok: true, rows: 1 });
  });

  it('keeps VM keys and numbers wider than 32 bits, and finds nothing for a key no row can have', async () => {
    const big = 2 ** 40 + 3;
    const row = await stores.audit.append({
      ...request,
      vmKey: big,
      vergeosStatus: 2 ** 33,
      latencyMs: 2 ** 35,
    });
    expect(row).toMatchObject({ vmKey: big, vergeosStatus: 2 ** 33, latencyMs: 2 ** 35 });
    expect((await stores.audit.query({ vmKey: big })).rows.map((r) => r.id)).toEqual([row.id]);
    expect((await stores.audit.powerAttempts(big, 5)).map((r) => r.id)).toEqual([row.id]);
    for (const vmKey of [1.5, 2 ** 64, Number.NaN]) {
      expect((await stores.audit.query({ vmKey })).rows).toEqual([]);
      expect(await stores.audit.powerAttempts(vmKey, 5)).toEqual([]);
      expect(await stores.audit.lastAcceptedStop(vmKey, new Date(0))).toBeNull();
    }
    expect(await stores.audit.get(1.5)).toBeNull();
    expect((await stores.audit.query({ order: 'asc', cursor: 0.5 })).rows.map((r) => r.id)).toEqual([1]);
    expect((await stores.audit.query({ cursor: 1.5 })).rows.map((r) => r.id)).toEqual([1]);
    expect(await stores.audit.verify()).toMatchObject({ ok: true, rows: 1 });
  });

  it("answers a VM's attempts, their outcomes, and the last stop VergeOS accepted", async () => {
    const t0 = now;
    const append = async (input: AuditInput) => {
      now += 1000;
      return stores.audit.append(input);
    };
    const accepted = (of: AuditRecord, extra: Partial<AuditInput> = {}) =>
      append({ ...request, action: of.action, outcome: 'accepted', refId: of.id, ...extra });
    const on = await append({ ...request, action: 'poweron' }); // 1
    await accepted(on); // 2
    await append({ ...request, outcome: 'denied', action: 'kill' }); // 3: refused before VergeOS, no outcome
    const off = await append({ ...request, action: 'poweroff' }); // 4
    await accepted(off); // 5
    const reboot = await append({ ...request, action: 'reset', params: { graceful: true } }); // 6
    await accepted(reboot, { params: { graceful: true } }); // 7
    await append({ ...request, vmKey: 7, action: 'kill' }); // 8: another VM, never accepted
    expect((await stores.audit.powerAttempts(42, 10)).map((r) => r.id)).toEqual([6, 4, 3, 1]);
    expect((await stores.audit.powerAttempts(42, 2)).map((r) => r.id)).toEqual([6, 4]);
    expect((await stores.audit.outcomesOf([1, 4, 6, 99, 1.5])).map((r) => [r.id, r.refId])).toEqual([
      [2, 1],
      [5, 4],
      [7, 6],
    ]);
    expect(await stores.audit.outcomesOf([])).toEqual([]);
    // A graceful reset is a reboot, not a stop (true, or 1 as SQLite's json_extract reads it).
    expect((await stores.audit.lastAcceptedStop(42, new Date(t0)))?.id).toBe(5);
    const one = await append({ ...request, action: 'reset', params: { graceful: 1 } });
    await accepted(one, { params: { graceful: 1 } });
    expect((await stores.audit.lastAcceptedStop(42, new Date(t0)))?.id).toBe(5);
    // A reset that is not graceful is a stop, with params saying so or none at all.
    const hard = await append({ ...request, action: 'reset', params: { graceful: false } });
    const hardOk = await accepted(hard, { params: { graceful: false } });
    expect((await stores.audit.lastAcceptedStop(42, new Date(t0)))?.id).toBe(hardOk.id);
    const bare = await append({ ...request, action: 'reset' });
    const bareOk = await accepted(bare);
    expect((await stores.audit.lastAcceptedStop(42, new Date(t0)))?.id).toBe(bareOk.id);
    // Params that are not an object have no graceful field.
    const odd = await append({ ...request, action: 'reset', params: ['graceful'] });
    const oddOk = await accepted(odd, { params: 'graceful' });
    expect((await stores.audit.lastAcceptedStop(42, new Date(t0)))?.id).toBe(oddOk.id);
    expect(await stores.audit.lastAcceptedStop(42, new Date(now + 1))).toBeNull();
    expect(await stores.audit.lastAcceptedStop(7, new Date(t0))).toBeNull();
    await expect(stores.audit.lastAcceptedStop(42, new Date('nope'))).rejects.toMatchObject({
      code: 'invalid',
    });
  });
});

describe('audit log on PostgreSQL shared by several servers', () => {
  const signin = (actor: string): AuditInput => ({
    kind: 'signin',
    outcome: 'accepted',
    actor,
    authKind: 'password',
  });

  it(
    'keeps one chain, ids 1 to 400 without a gap, while two servers append 200 rows each at once',
    { timeout: 60_000 },
    async () => {
      const first = await openTestStores('postgres');
      // Another server: its own pool on the same database, a copy of the same key file.
      const second = await openAuditAt(placeOf(first), {
        audit: { keyFile: join(first.dir, 'audit.key'), createKey: false, anchorFile: null },
      });
      const one = Array.from({ length: 200 }, (_, i) => `one-${i}`);
      const two = Array.from({ length: 200 }, (_, i) => `two-${i}`);
      const results = await Promise.allSettled(
        one.flatMap((a, i) => [first.audit.append(signin(a)), second.audit.append(signin(two[i]!))]),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const stored = await rows<{ id: number; actor: string }>(
        first,
        'SELECT id, actor FROM audit_log ORDER BY id',
      );
      expect(stored.map((r) => r.id)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      // Every row of both is there once, and what each append answered is what was stored.
      expect(stored.map((r) => r.actor).sort()).toEqual([...one, ...two].sort());
      const answered = results.map((r) => (r as PromiseFulfilledResult<AuditRecord>).value);
      expect(answered.map((r) => r.id).sort((a, b) => a - b)).toEqual(stored.map((r) => r.id));
      for (const r of answered) expect(stored[r.id - 1]!.actor).toBe(r.actor);
      // They did append at the same time: the servers' rows interleave.
      const switches = stored.filter((r, i) => i > 0 && r.actor[0] !== stored[i - 1]!.actor[0]).length;
      expect(switches).toBeGreaterThan(1);
      expect(await first.audit.verify()).toMatchObject({ ok: true, rows: 400, keyedRows: 400 });
      expect(await second.audit.verify()).toMatchObject({ ok: true, rows: 400, keyedRows: 400 });
    },
  );

  it('refuses a server whose key file holds another key: at its first append, and at open', async () => {
    const first = await openTestStores('postgres');
    const place = placeOf(first);
    const wrongFile = join(first.dir, 'wrong.key');
    writeFileSync(wrongFile, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const wrong = { keyFile: wrongFile, createKey: false, anchorFile: null };
    // Both started on an empty log: nothing tells them apart yet.
    const second = await openAuditAt(place, { audit: wrong });
    expect(second.audit.key.problem).toBeNull();
    // The first row records the first server's key; the other's first append is refused, and writes nothing.
    await first.audit.append(signin('ada'));
    const fingerprint = first.audit.key.key!.fingerprint;
    const refusal = await second.audit.append(signin('bob')).catch((err: unknown) => err);
    expect(refusal).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(
        new RegExp(
          `^cannot write to the audit log without its key: the audit log in this database is keyed with another key \\(fingerprint ${fingerprint}\\) than the one in ${wrongFile} \\(fingerprint (?!${fingerprint})[0-9a-f]{16}\\): give every server sharing the database a copy of the same key file$`,
        ),
      ),
    });
    // Started again, it finds no key it may append with (the server refuses to start), and says why.
    const again = await openAuditAt(place, { audit: wrong });
    expect(again.audit.key).toMatchObject({
      key: null,
      problem: expect.stringMatching(/keyed with another key .* give every server sharing the database/),
    });
    await expect(again.audit.append(signin('bob'))).rejects.toMatchObject({ code: 'conflict' });
    // A copy of the right key appends on the same chain.
    const copy = await openAuditAt(place, {
      audit: { keyFile: join(first.dir, 'audit.key'), createKey: false, anchorFile: null },
    });
    expect(copy.audit.key.problem).toBeNull();
    expect((await copy.audit.append(signin('cy'))).id).toBe(2);
    expect(await first.audit.verify()).toMatchObject({ ok: true, rows: 2 });
  });
});
