// The plan store: a plan round-trips with its tiers (every setting), lists by name, counts; an edit changes the
// named fields and moves updatedAt, nothing else; deleting says whether there was one. `planStoreSuite` takes any
// backend's opener, so the PostgreSQL store (issue 17) can run the same suite. And migration 007 (audit kind
// `plan`) keeps a keyed audit chain whole.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database';
import { MIGRATIONS_DIR, readMigrations } from '../src/db/migrate';
import { auditChainOptions, openAuditKey } from '../src/stores/audit-key';
import { auditContent, chainRow, GENESIS_HASH } from '../src/stores/audit-chain';
import { openSqliteStores } from '../src/stores/sqlite/open';
import type { PlanRecord, PlanStore } from '../src/stores/types';
import { onCleanup, openTestStores, TEST_HASH } from './support';

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

export function planStoreSuite(name: string, open: () => Promise<{ store: PlanStore; close: () => void }>) {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const fn of cleanups.splice(0).reverse()) fn();
  });
  async function store(): Promise<PlanStore> {
    const s = await open();
    cleanups.push(s.close);
    return s.store;
  }

  describe(`plan store (${name})`, () => {
    it('a plan round-trips with its tiers in order; lists by name; counts; an id is taken once', async () => {
      const s = await store();
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
      const s = await store();
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
      const s = await store();
      await s.create(planDraft('a'));
      await s.create(planDraft('b'));
      expect(await s.delete('a')).toBe(true);
      expect(await s.delete('a')).toBe(false);
      expect(await s.get('a')).toBeNull();
      expect((await s.list()).map((p) => p.id)).toEqual(['b']);
      expect(await s.count()).toBe(1);
    });
  });
}

planStoreSuite('SQLite', async () => {
  const stores = await openTestStores();
  return { store: stores.plans, close: () => stores.close() };
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
