// The alert store on both backends (a real SQLite file, a real PostgreSQL database): targets round-trip, list by
// name regardless of case, refuse a taken name (any case) on create and on edit, and take their deliveries with them
// when deleted; deliveries are queued all or none, found when due (oldest first), found again for the cool-down
// (never a failed one), gathered for a digest and merged into it in one transaction (only those still queued);
// each target's counts come from one statement; finished deliveries are pruned. An audit row of kind `alert`
// chains and verifies on both. On PostgreSQL, two servers racing for one name, and two merging the same deliveries.
// And SQLite's migration 009 (audit kind `alert`) keeps a keyed audit chain whole.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database';
import { MIGRATIONS_DIR, readMigrations } from '../src/db/migrate';
import { auditChainOptions, openAuditKey } from '../src/stores/audit-key';
import { auditContent, chainRow, GENESIS_HASH } from '../src/stores/audit-chain';
import { StoreError } from '../src/stores/errors';
import { openSqliteStores } from '../src/stores/sqlite/open';
import type { AlertDeliveryRecord, AlertStore, AlertTargetRecord } from '../src/stores/types';
import { pgServers } from './pg-servers';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';
import { onCleanup, TEST_HASH } from './support';

const T0 = Date.parse('2026-03-02T08:00:00.000Z');
/** The ISO time `s` seconds after T0. */
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

export function targetDraft(id: string, over: Partial<AlertTargetRecord> = {}): AlertTargetRecord {
  return {
    id,
    name: `Target ${id}`,
    kind: 'webhook',
    config: { url: 'https://hooks.example.com/powerdeck' },
    secret: 'v1.sealed.secret',
    events: ['vm_down', 'vm_back'],
    vmFilter: 'tag:prod',
    minSeverity: 'warning',
    cooldownMinutes: 15,
    digestThreshold: 5,
    enabled: true,
    createdBy: 'admin',
    createdAt: at(0),
    updatedAt: at(0),
    ...over,
  };
}

export function deliveryDraft(
  id: string,
  targetId: string,
  over: Partial<AlertDeliveryRecord> = {},
): AlertDeliveryRecord {
  return {
    id,
    targetId,
    event: 'vm_down',
    severity: 'critical',
    title: `VM ${id} is down unexpectedly (stopped)`,
    vmKey: 7,
    payload: JSON.stringify({ event: 'vm_down', title: id }),
    status: 'queued',
    attempts: 0,
    createdAt: at(0),
    nextAttemptAt: at(30),
    lastAttemptAt: null,
    lastError: null,
    sentAt: null,
    mergedInto: null,
    ...over,
  };
}

/** A refusal as [code, message] (or what was thrown otherwise; null when it succeeded). */
const said = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (e instanceof StoreError ? [e.code, e.message] : e),
  );

const ids = (ds: readonly AlertDeliveryRecord[]) => ds.map((d) => d.id);

describe.each(BACKENDS)('alert store (%s)', (backend) => {
  let stores: TestStores;
  let s: AlertStore;
  beforeEach(async () => {
    stores = await openTestStores(backend);
    s = stores.alerts;
  });

  it('a target round-trips with every setting; lists by name regardless of case; unknown ids are null', async () => {
    const email = targetDraft('e', {
      name: 'ops mail',
      kind: 'email',
      config: { host: 'smtp.example.com', port: 587, security: 'starttls', username: null, to: ['a@b.c'] },
      secret: null,
      events: [],
      vmFilter: '',
      minSeverity: 'info',
      cooldownMinutes: 0,
      digestThreshold: 1000,
      enabled: false,
    });
    expect(await s.createTarget(email)).toEqual(email);
    expect(await s.getTarget('e')).toEqual(email);
    await s.createTarget(targetDraft('w', { name: 'Webhook' }));
    await s.createTarget(
      targetDraft('a', { name: 'Alpha', kind: 'slack', config: { host: 'hooks.slack.com' } }),
    );
    await s.createTarget(targetDraft('z', { name: 'zulu' }));
    expect((await s.listTargets()).map((t) => t.name)).toEqual(['Alpha', 'ops mail', 'Webhook', 'zulu']);
    expect(await s.getTarget('nope')).toBeNull();
  });

  it('refuses a name taken in any case, on create and on edit, in the same words; an id is taken once', async () => {
    await s.createTarget(targetDraft('a', { name: 'On-call Slack' }));
    await s.createTarget(targetDraft('b', { name: 'Mail' }));
    expect(await said(s.createTarget(targetDraft('c', { name: 'ON-CALL slack' })))).toEqual([
      'exists',
      'An alert target named "ON-CALL slack" exists already: choose another name.',
    ]);
    expect(await said(s.createTarget(targetDraft('a', { name: 'Other' })))).toEqual([
      'exists',
      'an alert target with the id a exists',
    ]);
    expect(await said(s.updateTarget('b', { name: 'on-call SLACK' }, at(60)))).toEqual([
      'exists',
      'An alert target named "on-call SLACK" exists already: choose another name.',
    ]);
    expect((await s.getTarget('b'))!.name).toBe('Mail');
    // Its own name in another case is no clash.
    expect((await s.updateTarget('a', { name: 'ON-CALL SLACK' }, at(60))).name).toBe('ON-CALL SLACK');
    expect(await said(s.updateTarget('nope', { name: 'x' }, at(60)))).toEqual([
      'not_found',
      'No alert target nope',
    ]);
    expect(await said(s.updateTarget('a', { name: 'x' }, 'later'))).toEqual([
      'invalid',
      'updatedAt is not an ISO 8601 time',
    ]);
    expect((await s.listTargets()).map((t) => t.id)).toEqual(['b', 'a']);
  });

  it('an update changes the named fields and updatedAt, nothing else; a secret can be dropped', async () => {
    await s.createTarget(targetDraft('a'));
    const patch = {
      name: 'Renamed',
      config: { url: 'https://other.example.com/x' },
      events: ['operation_failed' as const],
      vmFilter: 'web',
      minSeverity: 'critical' as const,
      cooldownMinutes: 60,
      digestThreshold: 2,
      enabled: false,
    };
    const updated = await s.updateTarget('a', patch, at(120));
    expect(updated).toEqual(targetDraft('a', { ...patch, updatedAt: at(120) }));
    expect(await s.getTarget('a')).toEqual(updated);
    expect(await s.updateTarget('a', { secret: null }, at(180))).toEqual(
      targetDraft('a', { ...patch, secret: null, updatedAt: at(180) }),
    );
    expect((await s.updateTarget('a', { secret: 'v1.new' }, at(240))).secret).toBe('v1.new');
  });

  it('deleting a target takes its deliveries with it, and only its own', async () => {
    await s.createTarget(targetDraft('a'));
    await s.createTarget(targetDraft('b'));
    await s.enqueue([deliveryDraft('d1', 'a'), deliveryDraft('d2', 'a'), deliveryDraft('d3', 'b')]);
    expect(await s.deleteTarget('a')).toBe(true);
    expect(await s.deleteTarget('a')).toBe(false);
    expect(await s.getTarget('a')).toBeNull();
    expect(await s.getDelivery('d1')).toBeNull();
    expect(await rows(stores, "SELECT id FROM alert_deliveries WHERE target_id = 'a'")).toEqual([]);
    expect(ids(await s.listDeliveries('b', 50))).toEqual(['d3']);
    expect((await s.counts()).has('a')).toBe(false);
  });

  it('queues deliveries all or none; one for an unknown target or with a taken id stores nothing', async () => {
    await s.createTarget(targetDraft('a'));
    const d1 = deliveryDraft('d1', 'a', { vmKey: null, event: 'leader_changed', severity: 'info' });
    await s.enqueue([d1]);
    expect(await s.getDelivery('d1')).toEqual(d1);
    await expect(s.enqueue([deliveryDraft('d2', 'a'), deliveryDraft('d1', 'a')])).rejects.toThrow();
    await expect(s.enqueue([deliveryDraft('d3', 'a'), deliveryDraft('d4', 'gone')])).rejects.toThrow();
    expect(ids(await s.listDeliveries('a', 50))).toEqual(['d1']);
    await s.enqueue([]);
    // A waiting delivery must say when to try it (or no worker would ever find it).
    expect(await said(s.enqueue([deliveryDraft('d5', 'a', { nextAttemptAt: null })]))).toEqual([
      'invalid',
      'a queued delivery needs nextAttemptAt (when to try it)',
    ]);
    expect(await s.getDelivery('d5')).toBeNull();
  });

  it('due: waiting deliveries whose time has come, oldest first, at most `limit`', async () => {
    await s.createTarget(targetDraft('a'));
    await s.createTarget(targetDraft('b'));
    await s.enqueue([
      deliveryDraft('late', 'a', { createdAt: at(5), nextAttemptAt: at(35) }),
      deliveryDraft('old', 'b', { createdAt: at(1), nextAttemptAt: at(31) }),
      deliveryDraft('retry', 'a', {
        status: 'retrying',
        attempts: 1,
        createdAt: at(3),
        nextAttemptAt: at(10),
        lastAttemptAt: at(4),
        lastError: 'HTTP 500 from hooks.example.com',
      }),
      deliveryDraft('sent', 'a', { status: 'sent', createdAt: at(0), nextAttemptAt: null, sentAt: at(1) }),
      deliveryDraft('failed', 'a', { status: 'failed', createdAt: at(0), nextAttemptAt: null }),
      deliveryDraft('future', 'a', { createdAt: at(0), nextAttemptAt: at(3600) }),
    ]);
    expect(ids(await s.due(at(34), 100))).toEqual(['old', 'retry']);
    expect(ids(await s.due(at(35), 100))).toEqual(['old', 'retry', 'late']);
    expect(ids(await s.due(at(35), 2))).toEqual(['old', 'retry']);
    expect(ids(await s.due(at(9), 100))).toEqual([]);
  });

  it('lastDelivery: the newest of one event for one target and VM that did not fail', async () => {
    await s.createTarget(targetDraft('a'));
    await s.createTarget(targetDraft('b'));
    await s.enqueue([
      deliveryDraft('down-1', 'a', { createdAt: at(0), status: 'sent', nextAttemptAt: null, sentAt: at(30) }),
      deliveryDraft('down-2', 'a', { createdAt: at(100) }),
      deliveryDraft('down-3', 'a', { createdAt: at(200), status: 'failed', nextAttemptAt: null }),
      deliveryDraft('other-vm', 'a', { createdAt: at(300), vmKey: 8 }),
      deliveryDraft('other-target', 'b', { createdAt: at(300) }),
      deliveryDraft('back', 'a', { createdAt: at(300), event: 'vm_back', severity: 'info' }),
      deliveryDraft('leader', 'a', { createdAt: at(50), vmKey: null, event: 'leader_changed' }),
    ]);
    expect((await s.lastDelivery('a', 'vm_down', 7))?.id).toBe('down-2');
    expect((await s.lastDelivery('a', 'vm_down', 8))?.id).toBe('other-vm');
    expect((await s.lastDelivery('b', 'vm_down', 7))?.id).toBe('other-target');
    expect((await s.lastDelivery('a', 'vm_back', 7))?.id).toBe('back');
    expect((await s.lastDelivery('a', 'leader_changed', null))?.id).toBe('leader');
    expect(await s.lastDelivery('a', 'vm_down', null)).toBeNull();
    expect(await s.lastDelivery('a', 'vm_down', 9)).toBeNull();
    // Only failed ones: none.
    await s.enqueue([deliveryDraft('f', 'a', { vmKey: 9, status: 'failed', nextAttemptAt: null })]);
    expect(await s.lastDelivery('a', 'vm_down', 9)).toBeNull();
  });

  it('queuedDowns: a target`s untried vm_down in a window (both ends), oldest first', async () => {
    await s.createTarget(targetDraft('a'));
    await s.createTarget(targetDraft('b'));
    await s.enqueue([
      deliveryDraft('w2', 'a', { createdAt: at(60), vmKey: 2 }),
      deliveryDraft('w0', 'a', { createdAt: at(0), vmKey: 0 }),
      deliveryDraft('w1', 'a', { createdAt: at(30), vmKey: 1 }),
      deliveryDraft('after', 'a', { createdAt: at(61) }),
      deliveryDraft('before', 'a', { createdAt: at(-1) }),
      deliveryDraft('tried', 'a', {
        createdAt: at(10),
        status: 'retrying',
        attempts: 1,
        lastAttemptAt: at(40),
        lastError: 'no answer within 10 s',
      }),
      deliveryDraft('back', 'a', { createdAt: at(10), event: 'vm_back', severity: 'info' }),
      deliveryDraft('elsewhere', 'b', { createdAt: at(10) }),
    ]);
    expect(ids(await s.queuedDowns('a', at(0), at(60)))).toEqual(['w0', 'w1', 'w2']);
    expect(ids(await s.queuedDowns('b', at(0), at(60)))).toEqual(['elsewhere']);
  });

  it('recordAttempt writes a try`s result; an unknown delivery is not_found; contradictions are refused', async () => {
    await s.createTarget(targetDraft('a'));
    await s.enqueue([deliveryDraft('d', 'a')]);
    const retry = {
      status: 'retrying' as const,
      attempts: 1,
      lastAttemptAt: at(30),
      lastError: 'HTTP 500 from hooks.example.com: oops',
      nextAttemptAt: at(60),
      sentAt: null,
    };
    await s.recordAttempt('d', retry);
    expect(await s.getDelivery('d')).toEqual(deliveryDraft('d', 'a', retry));
    const sent = {
      status: 'sent' as const,
      attempts: 2,
      lastAttemptAt: at(60),
      lastError: null,
      nextAttemptAt: null,
      sentAt: at(61),
    };
    await s.recordAttempt('d', sent);
    expect(await s.getDelivery('d')).toEqual(deliveryDraft('d', 'a', sent));
    expect(await said(s.recordAttempt('nope', sent))).toEqual(['not_found', 'No alert delivery nope']);
    expect(await said(s.recordAttempt('d', { ...sent, sentAt: null }))).toEqual([
      'invalid',
      'sentAt is set exactly when a delivery is sent',
    ]);
    expect(await said(s.recordAttempt('d', { ...sent, status: 'merged', sentAt: null }))).toEqual([
      'invalid',
      'a delivery is merged only by merge()',
    ]);
    expect(await s.getDelivery('d')).toEqual(deliveryDraft('d', 'a', sent));
  });

  it('merge: queues the digest and marks only the deliveries still queued, in one transaction', async () => {
    await s.createTarget(targetDraft('a'));
    await s.enqueue([
      deliveryDraft('d1', 'a', { vmKey: 1 }),
      deliveryDraft('d2', 'a', { vmKey: 2 }),
      deliveryDraft('d3', 'a', { vmKey: 3 }),
    ]);
    // A worker tried d3 meanwhile: it is no longer queued, and stays as it is.
    const tried = {
      status: 'retrying' as const,
      attempts: 1,
      lastAttemptAt: at(30),
      lastError: 'connection refused by 127.0.0.1:1234',
      nextAttemptAt: at(60),
      sentAt: null,
    };
    await s.recordAttempt('d3', tried);
    const digest = deliveryDraft('digest', 'a', {
      event: 'vm_down_digest',
      vmKey: null,
      title: '3 VMs down unexpectedly',
      createdAt: at(31),
      nextAttemptAt: at(31),
    });
    expect(await s.merge(['d1', 'd2', 'd3'], digest)).toBe(2);
    expect(await s.getDelivery('digest')).toEqual(digest);
    for (const id of ['d1', 'd2']) {
      expect(await s.getDelivery(id)).toMatchObject({
        status: 'merged',
        mergedInto: 'digest',
        nextAttemptAt: null,
      });
    }
    expect(await s.getDelivery('d3')).toEqual(deliveryDraft('d3', 'a', { vmKey: 3, ...tried }));
    expect(ids(await s.due(at(100), 10))).toEqual(['d3', 'digest']);

    // A digest that cannot be stored (its id is taken) merges nothing.
    await s.enqueue([deliveryDraft('d4', 'a', { vmKey: 4 })]);
    await expect(s.merge(['d4'], { ...digest, id: 'd1' })).rejects.toThrow();
    expect(await s.getDelivery('d4')).toMatchObject({ status: 'queued', mergedInto: null });
    expect(await s.merge([], deliveryDraft('alone', 'a', { event: 'vm_down_digest' }))).toBe(0);
    expect(await s.getDelivery('alone')).not.toBeNull();
  });

  it('counts: every target`s waiting and failed deliveries and its newest, from one statement', async () => {
    await s.createTarget(targetDraft('a'));
    await s.createTarget(targetDraft('b'));
    await s.createTarget(targetDraft('c'));
    await s.enqueue([
      deliveryDraft('q', 'a', { createdAt: at(1) }),
      deliveryDraft('r', 'a', { createdAt: at(2), status: 'retrying', attempts: 1, lastAttemptAt: at(3) }),
      deliveryDraft('f1', 'a', { createdAt: at(3), status: 'failed', nextAttemptAt: null }),
      deliveryDraft('s', 'a', { createdAt: at(4), status: 'sent', nextAttemptAt: null, sentAt: at(5) }),
      deliveryDraft('f2', 'b', {
        createdAt: at(9),
        status: 'failed',
        nextAttemptAt: null,
        lastError: 'gone',
      }),
    ]);
    const counts = await s.counts();
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(counts.get('a')).toMatchObject({ pending: 2, failed: 1, last: { id: 's', status: 'sent' } });
    expect(counts.get('b')).toEqual({
      pending: 0,
      failed: 1,
      last: deliveryDraft('f2', 'b', {
        createdAt: at(9),
        status: 'failed',
        nextAttemptAt: null,
        lastError: 'gone',
      }),
    });
    expect(counts.get('c')).toEqual({ pending: 0, failed: 0, last: null });
  });

  it('listDeliveries: newest first, at most `limit`', async () => {
    await s.createTarget(targetDraft('a'));
    await s.enqueue([3, 1, 4, 0, 2].map((n) => deliveryDraft(`d${n}`, 'a', { createdAt: at(n), vmKey: n })));
    expect(ids(await s.listDeliveries('a', 50))).toEqual(['d4', 'd3', 'd2', 'd1', 'd0']);
    expect(ids(await s.listDeliveries('a', 2))).toEqual(['d4', 'd3']);
    expect(await s.listDeliveries('nope', 50)).toEqual([]);
  });

  it('prune deletes sent, merged and failed deliveries created before a time; waiting ones stay', async () => {
    await s.createTarget(targetDraft('a'));
    await s.enqueue([
      deliveryDraft('old-sent', 'a', { status: 'sent', nextAttemptAt: null, sentAt: at(1) }),
      deliveryDraft('old-failed', 'a', { status: 'failed', nextAttemptAt: null }),
      deliveryDraft('old-queued', 'a'),
      deliveryDraft('old-retrying', 'a', { status: 'retrying', attempts: 3 }),
      deliveryDraft('new-sent', 'a', {
        createdAt: at(100),
        status: 'sent',
        nextAttemptAt: null,
        sentAt: at(101),
      }),
    ]);
    await s.merge(
      ['old-queued'],
      deliveryDraft('digest', 'a', { createdAt: at(200), event: 'vm_down_digest' }),
    );
    await s.enqueue([deliveryDraft('old-queued-2', 'a')]);
    expect(await s.prune(at(100))).toBe(3);
    expect(ids(await s.listDeliveries('a', 50)).sort()).toEqual([
      'digest',
      'new-sent',
      'old-queued-2',
      'old-retrying',
    ]);
    expect(await s.prune(at(100))).toBe(0);
  });

  it('an audit row of kind alert is chained, and the chain verifies', async () => {
    const row = await stores.audit.append({
      kind: 'alert',
      outcome: 'accepted',
      actor: 'admin',
      role: 'admin',
      authKind: 'session',
      action: 'alert:create',
      target: 'alert-target:a',
      params: { name: 'On-call', kind: 'slack' },
    });
    expect(row).toMatchObject({ kind: 'alert', target: 'alert-target:a' });
    expect(await stores.audit.verify()).toMatchObject({ ok: true, rows: 1 });
    expect((await stores.audit.query({ kind: 'alert' })).rows.map((r) => r.action)).toEqual(['alert:create']);
  });
});

// What only matters with several servers on one PostgreSQL database (each its own pool, as separate processes).
describe('alert targets and deliveries on two servers sharing PostgreSQL', () => {
  it('two servers creating targets with one name (in different cases) at once: one stores it', async () => {
    const [a, b] = await pgServers(2);
    for (let round = 0; round < 10; round += 1) {
      const results = await Promise.allSettled([
        a!.alerts.createTarget(targetDraft(`a${round}`, { name: `Pager ${round}` })),
        b!.alerts.createTarget(targetDraft(`b${round}`, { name: `PAGER ${round}` })),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'exists' });
    }
    expect(await a!.alerts.listTargets()).toHaveLength(10);
  });

  it('two servers merging the same deliveries at once: each is merged into one digest only', async () => {
    const [a, b] = await pgServers(2);
    await a!.alerts.createTarget(targetDraft('t'));
    for (let round = 0; round < 10; round += 1) {
      const downs = [0, 1, 2, 3].map((n) => deliveryDraft(`r${round}-${n}`, 't', { vmKey: n }));
      await a!.alerts.enqueue(downs);
      const merged = await Promise.all([
        a!.alerts.merge(ids(downs), deliveryDraft(`r${round}-da`, 't', { event: 'vm_down_digest' })),
        b!.alerts.merge(ids(downs), deliveryDraft(`r${round}-db`, 't', { event: 'vm_down_digest' })),
      ]);
      expect(merged[0] + merged[1]).toBe(4);
      for (const d of downs) expect((await a!.alerts.getDelivery(d.id))?.status).toBe('merged');
    }
  });

  it('lists names regardless of case, as SQLite does, on a database whose collation would sort otherwise', async () => {
    const [server] = await pgServers(1, { locale: 'en' });
    for (const [id, name] of [
      ['t1', 'b-side'],
      ['t2', 'B_side'],
      ['t3', 'apple'],
      ['t4', 'Émile'],
      ['t5', 'Zed'],
    ]) {
      await server!.alerts.createTarget(targetDraft(id!, { name: name! }));
    }
    expect((await server!.alerts.listTargets()).map((t) => t.name)).toEqual([
      'apple',
      'b-side',
      'B_side',
      'Zed',
      'Émile',
    ]);
  });
});

describe('migration 009 on a database that has keyed audit rows', () => {
  it('keeps the keyed chain whole; rows of kind alert are chained too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-009-'));
    const old = mkdtempSync(join(tmpdir(), 'pd-009-migrations-'));
    onCleanup(() => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(old, { recursive: true, force: true });
    });
    for (const m of readMigrations(MIGRATIONS_DIR).filter((x) => x.version < 9)) {
      copyFileSync(join(MIGRATIONS_DIR, m.name), join(old, m.name));
    }
    // Rows as the previous version wrote them (a plan's and a single sign-on among them), keyed with the same key.
    const before = openDatabase(dir, { migrationsDir: old });
    const key = openAuditKey(auditChainOptions(dir, {}), false).key!;
    let prev = GENESIS_HASH;
    const kinds = ['power', 'plan', 'signin'] as const;
    for (let id = 1; id <= 3; id += 1) {
      const content = auditContent({
        kind: kinds[id - 1]!,
        outcome: 'accepted',
        actor: 'admin',
        authKind: id === 3 ? 'sso' : 'session',
        ...(id === 2 ? { target: 'plan:p-1' } : { vmKey: id }),
      });
      const row = chainRow(content, id, 1_700_000_000_000 + id, prev, key);
      before
        .prepare(
          `INSERT INTO audit_log (id, at, kind, outcome, actor, auth_kind, vm_key, target, prev_hash, hash, chain)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.id,
          row.at,
          row.kind,
          row.outcome,
          row.actor,
          row.authKind,
          row.vmKey,
          row.target,
          row.prevHash,
          row.hash,
          row.format,
        );
      prev = row.hash;
    }
    expect(() =>
      before
        .prepare(
          "INSERT INTO audit_log (id, at, kind, outcome, prev_hash, hash) VALUES (9, 0, 'alert', 'accepted', '', 'x')",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
    before.close();

    const after = openSqliteStores(dir, { hashOptions: TEST_HASH });
    onCleanup(() => after.close());
    await after.audit.append({
      kind: 'alert',
      outcome: 'accepted',
      actor: 'admin',
      authKind: 'session',
      action: 'alert:create',
      target: 'alert-target:t-1',
    });
    expect(await after.audit.verify()).toMatchObject({ ok: true, rows: 4, keyedRows: 4 });
    const all = (await after.audit.query({ order: 'asc' })).rows;
    expect(all.map((r) => [r.kind, r.authKind, r.target])).toEqual([
      ['power', 'session', null],
      ['plan', 'session', 'plan:p-1'],
      ['signin', 'sso', null],
      ['alert', 'session', 'alert-target:t-1'],
    ]);
    // The append-only triggers came back with the table.
    expect(() => after.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
  });
});
