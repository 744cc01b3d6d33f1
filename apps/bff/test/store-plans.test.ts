// The plan store on both backends (a real SQLite file, a real PostgreSQL database): a plan round-trips with its tiers
// (every setting), lists by name, counts; an edit changes the named fields and moves updatedAt, nothing else;
// deleting says whether there was one. On PostgreSQL, two servers taking the same id at once and a database whose
// collation would order names otherwise. And SQLite's migration 007 (audit kind `plan`) keeps a keyed audit chain
// whole.
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
import type { PlanRecord, PlanStore } from '../src/stores/types';
import { pgServers } from './pg-servers';
import { BACKENDS, openTestStores } from './store-backends';
import { onCleanup, TEST_HASH } from './support';

export function planDraft(id: string, over: Partial<PlanRecord> = {}): PlanRecord {
  return {
    id,
    name: `Site ${id}`,
    tiers: [
      {
        name: 'Domain controllers',
        targets: { kind: 'vms', vms: [3, 1] },
        upWhen: 'agent',
        timeoutS: 300,
        delayAfterS: 30,
        onFailure: 'stop',
        escalate: false,
      },
      {
        name: 'Web',
        targets: { kind: 'filter', filter: 'web status:stopped' },
        upWhen: 'running',
        timeoutS: 180,
        delayAfterS: 0,
        onFailure: 'continue',
        escalate: true,
      },
    ],
    helpdesk: 'start',
    parallelism: 4,
    owner: 'admin',
    createdAt: '2026-03-02T08:00:00.000Z',
    updatedAt: '2026-03-02T08:00:00.000Z',
    ...over,
  };
}

describe.each(BACKENDS)('plan store (%s)', (backend) => {
  let s: PlanStore;
  beforeEach(async () => {
    s = (await openTestStores(backend)).plans;
  });

  it('a plan round-trips with its tiers in order; lists by name; counts; an id is taken once', async () => {
    expect(await s.create(planDraft('b', { name: 'Site back' }))).toEqual(
      planDraft('b', { name: 'Site back' }),
    );
    expect(await s.get('b')).toEqual(planDraft('b', { name: 'Site back' }));
    await s.create(planDraft('a', { name: 'Lab', helpdesk: 'none', parallelism: 16 }));
    expect((await s.list()).map((p) => [p.id, p.name, p.helpdesk, p.parallelism])).toEqual([
      ['a', 'Lab', 'none', 16],
      ['b', 'Site back', 'start', 4],
    ]);
    expect((await s.list())[1]!.tiers.map((t) => t.name)).toEqual(['Domain controllers', 'Web']);
    expect(await s.count()).toBe(2);
    await expect(s.create(planDraft('a'))).rejects.toMatchObject({ code: 'exists' });
    expect(await s.get('nope')).toBeNull();
  });

  it('an update changes the named fields and updatedAt, nothing else; an unknown id is not_found', async () => {
    await s.create(planDraft('a'));
    const tiers = [planDraft('a').tiers[1]!];
    const later = '2026-03-03T09:30:00.000Z';
    const updated = await s.update('a', { name: 'Web only', tiers, helpdesk: 'startAndShutdown' }, later);
    expect(updated).toEqual(
      planDraft('a', { name: 'Web only', tiers, helpdesk: 'startAndShutdown', updatedAt: later }),
    );
    expect(await s.get('a')).toEqual(updated);
    expect(await s.update('a', {}, '2026-03-04T00:00:00.000Z')).toMatchObject({
      name: 'Web only',
      updatedAt: '2026-03-04T00:00:00.000Z',
    });
    await expect(s.update('nope', { name: 'x' }, later)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('deletes a plan once', async () => {
    await s.create(planDraft('a'));
    await s.create(planDraft('b'));
    expect(await s.delete('a')).toBe(true);
    expect(await s.delete('a')).toBe(false);
    expect(await s.get('a')).toBeNull();
    expect((await s.list()).map((p) => p.id)).toEqual(['b']);
    expect(await s.count()).toBe(1);
  });

  it('says what it refuses in the same words on both backends; lists by name byte by byte, then by id', async () => {
    const said = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => (e instanceof StoreError ? [e.code, e.message] : e),
      );
    for (const [id, name] of [
      ['p2', 'lab'],
      ['p1', 'Lab'],
      ['p0', 'Lab'],
      ['p3', 'apple'],
      ['p4', 'Web'],
    ]) {
      await s.create(planDraft(id!, { name: name! }));
    }
    expect((await s.list()).map((p) => `${p.name}/${p.id}`)).toEqual([
      'Lab/p0',
      'Lab/p1',
      'Web/p4',
      'apple/p3',
      'lab/p2',
    ]);
    expect(await said(s.create(planDraft('p1')))).toEqual(['exists', 'a plan with the id p1 exists']);
    expect(await said(s.update('nope', { name: 'x' }, '2026-03-03T09:30:00.000Z'))).toEqual([
      'not_found',
      'No plan nope',
    ]);
    expect(await said(s.update('p1', { name: 'x' }, 'later'))).toEqual([
      'invalid',
      'updatedAt is not an ISO 8601 time',
    ]);
    expect(await said(s.create(planDraft('p9', { createdAt: 'now' })))).toEqual([
      'invalid',
      'createdAt is not an ISO 8601 time',
    ]);
    expect(await s.get('p9')).toBeNull();
  });
});

// What only matters with several servers on one PostgreSQL database (each its own pool, as separate processes).
describe('plans on two servers sharing PostgreSQL', () => {
  it('two servers creating a plan with the same id at once: one stores it, the other is told it exists', async () => {
    const [a, b] = await pgServers(2);
    for (let round = 0; round < 10; round += 1) {
      const id = `plan-${round}`;
      const results = await Promise.allSettled([
        a!.plans.create(planDraft(id, { owner: 'ann' })),
        b!.plans.create(planDraft(id, { owner: 'bea' })),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const kept = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<PlanRecord>;
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'exists', message: `a plan with the id ${id} exists` });
      expect(await b!.plans.get(id)).toEqual(kept.value);
    }
    expect(await a!.plans.count()).toBe(10);
  });

  it('lists by name byte by byte, as SQLite does, on a database whose collation would sort otherwise', async () => {
    const [server] = await pgServers(1, { locale: 'en' });
    for (const [id, name] of [
      ['p2', 'lab'],
      ['p1', 'Lab'],
      ['p0', 'Lab'],
      ['p3', 'apple'],
      ['p4', 'Web'],
    ]) {
      await server!.plans.create(planDraft(id!, { name: name! }));
    }
    // The database's own order would be apple, lab, Lab, Lab, Web.
    expect((await server!.plans.list()).map((p) => `${p.name}/${p.id}`)).toEqual([
      'Lab/p0',
      'Lab/p1',
      'Web/p4',
      'apple/p3',
      'lab/p2',
    ]);
  });
});

describe('migration 007 on a database that has keyed audit rows', () => {
  it('keeps the keyed chain whole, schedule fields included; rows of kind plan are chained too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-007-'));
    const old = mkdtempSync(join(tmpdir(), 'pd-007-migrations-'));
    onCleanup(() => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(old, { recursive: true, force: true });
    });
    for (const m of readMigrations(MIGRATIONS_DIR).filter((x) => x.version < 7)) {
      copyFileSync(join(MIGRATIONS_DIR, m.name), join(old, m.name));
    }
    // Rows as the previous version wrote them (a schedule's among them), keyed and chained with the same key.
    const before = openDatabase(dir, { migrationsDir: old });
    const key = openAuditKey(auditChainOptions(dir, {}), false).key!;
    let prev = GENESIS_HASH;
    for (let id = 1; id <= 3; id += 1) {
      const content = auditContent({
        kind: id === 3 ? 'schedule' : 'power',
        outcome: 'requested',
        actor: 'admin',
        vmKey: id,
        operationId: 'op',
        ...(id === 3 ? { scheduleId: 's-1', scheduleName: 'Office hours' } : {}),
      });
      const row = chainRow(content, id, 1_700_000_000_000 + id, prev, key);
      before
        .prepare(
          `INSERT INTO audit_log (id, at, kind, outcome, actor, vm_key, operation_id, prev_hash, hash, chain,
             schedule_id, schedule_name)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.id,
          row.at,
          row.kind,
          row.outcome,
          row.actor,
          row.vmKey,
          row.operationId,
          row.prevHash,
          row.hash,
          row.format,
          row.scheduleId ?? null,
          row.scheduleName ?? null,
        );
      prev = row.hash;
    }
    before.close();

    const after = openSqliteStores(dir, { hashOptions: TEST_HASH });
    onCleanup(() => after.close());
    await after.audit.append({
      kind: 'plan',
      outcome: 'accepted',
      actor: 'admin',
      authKind: 'session',
      action: 'plan:create',
      target: 'plan:p-1',
    });
    expect(await after.audit.verify()).toMatchObject({ ok: true, rows: 4, keyedRows: 4 });
    const rows = (await after.audit.query({ order: 'asc' })).rows;
    expect(rows.map((r) => [r.kind, r.scheduleId, r.target])).toEqual([
      ['power', null, null],
      ['power', null, null],
      ['schedule', 's-1', null],
      ['plan', null, 'plan:p-1'],
    ]);
  });
});
