// The audit log on a real SQLite file: append-only, hash-chained with the audit key, durable before
// append resolves. (Attacks on the chain, anchors and legacy rows: audit-chain.test.ts.)
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databasePath } from '../src/db/database';
import {
  auditRowHash,
  canonicalAuditRow,
  GENESIS_HASH,
  type StoredAuditRow,
} from '../src/stores/audit-chain';
import { openSqliteStores, type SqliteStores } from '../src/stores/sqlite/open';
import type { AuditInput, AuditRecord } from '../src/stores/types';

let dir: string;
let stores: SqliteStores;
let now: number;
const raws: Database.Database[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pd-store-audit-'));
  now = Date.parse('2025-03-01T08:00:00Z');
  stores = openSqliteStores(dir, { now: () => now });
});
afterEach(() => {
  for (const r of raws.splice(0)) if (r.open) r.close();
  stores.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A second, independent connection to the same file (what another process would see). */
function rawConnection(): Database.Database {
  const db = new Database(databasePath(dir));
  raws.push(db);
  return db;
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

describe('audit log', () => {
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
    expect(stores.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const other = rawConnection();
    const row = await stores.audit.append(request);
    // No await, no timer between the append and this read on a second connection.
    const seen = other.prepare('SELECT id, outcome, vm_key, hash FROM audit_log WHERE id = ?').get(row.id);
    expect(seen).toEqual({ id: row.id, outcome: 'requested', vm_key: 42, hash: row.hash });
    expect(stores.db.inTransaction).toBe(false);
  });

  it('refuses UPDATE and DELETE through its triggers', async () => {
    await sample();
    const other = rawConnection();
    expect(() => other.prepare("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 1").run()).toThrow(
      /append-only: UPDATE refused/,
    );
    expect(() => other.prepare('DELETE FROM audit_log WHERE id = 4').run()).toThrow(
      /append-only: DELETE refused/,
    );
    expect(() => stores.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(await stores.audit.verify()).toMatchObject({ ok: true, rows: 4 });
  });

  it('names the first edited row when the triggers are dropped and a row is changed', async () => {
    await sample();
    const other = rawConnection();
    other.exec('DROP TRIGGER audit_log_no_update');
    other.prepare("UPDATE audit_log SET reason = 'routine' WHERE id = 2").run();
    other.prepare("UPDATE audit_log SET actor = 'nobody' WHERE id = 3").run();
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
    other.exec('DROP TRIGGER audit_log_no_update');
    const forged: Omit<StoredAuditRow, 'hash'> = {
      ...rows[1]!,
      at: Date.parse(rows[1]!.at),
      outcome: 'failed',
      format: 'powerdeck-audit-v2',
    };
    const hash = auditRowHash(forged, stores.audit.key.key);
    other.prepare("UPDATE audit_log SET outcome = 'failed', hash = ? WHERE id = 2").run(hash);
    expect(await stores.audit.verify()).toMatchObject({
      ok: false,
      brokenId: 3,
      reason: expect.stringMatching(/does not link to row 2/),
    });
  });

  it('catches a deleted row', async () => {
    await sample();
    const other = rawConnection();
    other.exec('DROP TRIGGER audit_log_no_delete');
    other.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(await stores.audit.verify()).toMatchObject({
      ok: false,
      brokenId: 3,
      reason: expect.stringMatching(/rows between were removed/),
    });
    other.prepare('DELETE FROM audit_log WHERE id = 1').run();
    expect(await stores.audit.verify()).toMatchObject({
      ok: false,
      brokenId: 3,
      reason: expect.stringMatching(/starts at row 3/),
    });
  });

  it('keeps one chain when two connections append in turn', async () => {
    const second = openSqliteStores(dir, { now: () => now });
    try {
      for (let i = 0; i < 10; i += 1) {
        await (i % 2 ? second : stores).audit.append({ ...request, requestId: `r${i}` });
      }
      expect(await second.audit.verify()).toMatchObject({ ok: true, rows: 10 });
    } finally {
      second.close();
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
});
