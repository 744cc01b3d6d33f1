// The schedule store: schedules round-trip with their skips and pause, edits move updatedAt, a run is recorded at
// most once per schedule and moment (the second recording changes nothing, even at the same time), recording
// moves lastHandledFor (never back) and drops that moment's skip, and the history outlives its schedule.
// `scheduleStoreSuite` takes any backend's opener, so the PostgreSQL store (issue 17) can run the same suite.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database';
import { MIGRATIONS_DIR, readMigrations } from '../src/db/migrate';
import { auditChainOptions, openAuditKey } from '../src/stores/audit-key';
import { auditContent, chainRow, GENESIS_HASH } from '../src/stores/audit-chain';
import { StoreError } from '../src/stores/errors';
import { openSqliteStores } from '../src/stores/sqlite/open';
import type { ScheduleRecord, ScheduleStore } from '../src/stores/types';
import { onCleanup, openTestStores, TEST_HASH } from './support';

type NewSchedule = Parameters<ScheduleStore['create']>[0];

export function draft(id: string, over: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id,
    name: `Office hours ${id}`,
    enabled: true,
    action: 'shutdown',
    forceAfterS: 120,
    targets: { kind: 'filter', filter: 'lab status:running' },
    when: { kind: 'weekdays', time: '19:00' },
    timeZone: 'Europe/Berlin',
    graceMinutes: 15,
    exclusions: ['2026-12-24'],
    owner: 'admin',
    createdAt: '2026-03-02T08:00:00.000Z',
    updatedAt: '2026-03-02T08:00:00.000Z',
    ...over,
  };
}

const T1 = '2026-03-02T18:00:00.000Z';
const T2 = '2026-03-03T18:00:00.000Z';

function scheduleStoreSuite(name: string, open: () => Promise<{ store: ScheduleStore; close: () => void }>) {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const fn of cleanups.splice(0).reverse()) fn();
  });
  async function store(): Promise<ScheduleStore> {
    const s = await open();
    cleanups.push(s.close);
    return s.store;
  }

  describe(`schedule store (${name})`, () => {
    it('a schedule round-trips, with no pause, skips or handled run yet; lists by name', async () => {
      const s = await store();
      const created = await s.create(draft('b', { name: 'Weekend stop' }));
      const expected: ScheduleRecord = {
        ...draft('b', { name: 'Weekend stop' }),
        paused: null,
        skips: [],
        lastHandledFor: null,
      };
      expect(created).toEqual(expected);
      expect(await s.get('b')).toEqual(expected);
      await s.create(
        draft('a', {
          name: 'Lab start',
          action: 'start',
          forceAfterS: null,
          targets: { kind: 'vms', vms: [3, 1] },
        }),
      );
      expect((await s.list()).map((x) => [x.name, x.targets])).toEqual([
        ['Lab start', { kind: 'vms', vms: [3, 1] }],
        ['Weekend stop', { kind: 'filter', filter: 'lab status:running' }],
      ]);
      expect(await s.count()).toBe(2);
      await expect(s.create(draft('a'))).rejects.toMatchObject({ code: 'exists' });
      expect(await s.get('nope')).toBeNull();
    });

    it('an update changes the named fields, sets updatedAt, pauses and resumes; clearSkips drops the skips', async () => {
      const s = await store();
      await s.create(draft('a'));
      await s.addSkip('a', {
        at: T1,
        by: 'helpdesk',
        reason: 'patch freeze',
        recordedAt: '2026-03-02T09:00:00.000Z',
      });
      const paused = await s.update(
        'a',
        { paused: { by: 'helpdesk', reason: 'migration week', at: '2026-03-02T10:00:00.000Z' } },
        '2026-03-02T10:00:00.000Z',
      );
      expect(paused.paused).toEqual({
        by: 'helpdesk',
        reason: 'migration week',
        at: '2026-03-02T10:00:00.000Z',
      });
      expect(paused.updatedAt).toBe('2026-03-02T10:00:00.000Z');
      expect(paused.skips).toHaveLength(1);
      const edited = await s.update(
        'a',
        {
          name: 'Renamed',
          when: { kind: 'daily', time: '20:00' },
          exclusions: [],
          paused: null,
          clearSkips: true,
        },
        '2026-03-02T11:00:00.000Z',
      );
      expect(edited).toMatchObject({
        name: 'Renamed',
        when: { kind: 'daily', time: '20:00' },
        exclusions: [],
        paused: null,
        skips: [],
        action: 'shutdown',
        updatedAt: '2026-03-02T11:00:00.000Z',
        createdAt: '2026-03-02T08:00:00.000Z',
      });
      await expect(s.update('nope', { name: 'x' }, T1)).rejects.toBeInstanceOf(StoreError);
    });

    it('skips: added once, listed oldest first, taken back', async () => {
      const s = await store();
      await s.create(draft('a'));
      await s.addSkip('a', { at: T2, by: 'helpdesk', reason: 'second', recordedAt: T1 });
      const both = await s.addSkip('a', { at: T1, by: 'admin', reason: 'first', recordedAt: T1 });
      expect(both.skips.map((k) => [k.at, k.by, k.reason])).toEqual([
        [T1, 'admin', 'first'],
        [T2, 'helpdesk', 'second'],
      ]);
      await expect(
        s.addSkip('a', { at: T1, by: 'x', reason: 'again', recordedAt: T1 }),
      ).rejects.toMatchObject({
        code: 'exists',
      });
      await expect(s.addSkip('nope', { at: T1, by: 'x', reason: 'y', recordedAt: T1 })).rejects.toMatchObject(
        {
          code: 'not_found',
        },
      );
      expect(await s.removeSkip('a', T1)).toBe(true);
      expect(await s.removeSkip('a', T1)).toBe(false);
      expect((await s.get('a'))!.skips.map((k) => k.at)).toEqual([T2]);
    });

    it('a run is recorded once: the second recording of the same moment changes nothing', async () => {
      const s = await store();
      await s.create(draft('a'));
      await s.addSkip('a', { at: T1, by: 'helpdesk', reason: 'patch freeze', recordedAt: T1 });
      const run = { scheduleId: 'a', scheduleName: 'Office hours a', scheduledFor: T1, operationId: null };
      const [first, second] = await Promise.all([
        s.recordRun({ ...run, outcome: 'skipped', detail: 'Skipped by helpdesk: patch freeze' }),
        s.recordRun({ ...run, outcome: 'started', detail: 'Starting' }),
      ]);
      expect(first).toMatchObject({ outcome: 'skipped', scheduledFor: T1 });
      expect(second).toBeNull();
      const after = (await s.get('a'))!;
      expect(after.lastHandledFor).toBe(T1);
      expect(after.skips).toEqual([]);
      expect((await s.listRuns({ scheduleId: 'a', limit: 10 })).map((r) => r.outcome)).toEqual(['skipped']);
    });

    it('lastHandledFor never moves back; a started run gets its operation, or fails; unfinished ones are listed', async () => {
      const s = await store();
      await s.create(draft('a'));
      const base = { scheduleId: 'a', scheduleName: 'Office hours a', operationId: null };
      const late = await s.recordRun({ ...base, scheduledFor: T2, outcome: 'started', detail: 'Starting' });
      const early = await s.recordRun({ ...base, scheduledFor: T1, outcome: 'started', detail: 'Starting' });
      expect((await s.get('a'))!.lastHandledFor).toBe(T2);
      expect((await s.unfinishedRuns()).map((r) => r.scheduledFor).sort()).toEqual([T1, T2]);
      await s.setRunOperation(late!.id, 'op-1', 'Started 3 VMs');
      await s.failRun(early!.id, 'Powerdeck stopped while starting this run');
      expect(await s.unfinishedRuns()).toEqual([]);
      expect(
        (await s.listRuns({ limit: 10 })).map((r) => [r.scheduledFor, r.outcome, r.operationId, r.detail]),
      ).toEqual([
        [T2, 'started', 'op-1', 'Started 3 VMs'],
        [T1, 'failed', null, 'Powerdeck stopped while starting this run'],
      ]);
      await expect(s.failRun(late!.id, 'no')).rejects.toMatchObject({ code: 'not_found' });
      expect((await s.lastRuns()).get('a')).toMatchObject({ scheduledFor: T2, operationId: 'op-1' });
    });

    it('deleting a schedule keeps its history; old runs are pruned by when they were recorded', async () => {
      const s = await store();
      await s.create(draft('a'));
      await s.recordRun({
        scheduleId: 'a',
        scheduleName: 'Office hours a',
        scheduledFor: T1,
        outcome: 'missed',
        detail: 'x',
        operationId: null,
      });
      expect(await s.delete('a')).toBe(true);
      expect(await s.delete('a')).toBe(false);
      expect(await s.get('a')).toBeNull();
      expect((await s.listRuns({ scheduleId: 'a', limit: 5 })).map((r) => r.scheduleName)).toEqual([
        'Office hours a',
      ]);
      expect(await s.pruneRuns(new Date(Date.now() - 60_000))).toBe(0);
      expect(await s.pruneRuns(new Date(Date.now() + 60_000))).toBe(1);
      expect(await s.listRuns({ limit: 5 })).toEqual([]);
    });
  });
}

scheduleStoreSuite('SQLite', async () => {
  const stores = await openTestStores();
  return { store: stores.schedules, close: () => stores.close() };
});

describe('migration 005 on a database that has keyed audit rows', () => {
  it('keeps the keyed chain whole; rows with a schedule are chained too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-005-'));
    const old = mkdtempSync(join(tmpdir(), 'pd-005-migrations-'));
    onCleanup(() => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(old, { recursive: true, force: true });
    });
    for (const m of readMigrations(MIGRATIONS_DIR).filter((x) => x.version < 5)) {
      copyFileSync(join(MIGRATIONS_DIR, m.name), join(old, m.name));
    }
    // Rows as the previous version wrote them (its columns), keyed and chained with the same key.
    const before = openDatabase(dir, { migrationsDir: old });
    const key = openAuditKey(auditChainOptions(dir, {}), false).key!;
    let prev = GENESIS_HASH;
    for (let id = 1; id <= 3; id += 1) {
      const content = auditContent({
        kind: 'power',
        outcome: 'requested',
        actor: 'admin',
        vmKey: id,
        operationId: 'op',
      });
      const row = chainRow(content, id, 1_700_000_000_000 + id, prev, key);
      before
        .prepare(
          `INSERT INTO audit_log (id, at, kind, outcome, actor, vm_key, operation_id, prev_hash, hash, chain)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        );
      prev = row.hash;
    }
    before.close();

    const after = openSqliteStores(dir, { hashOptions: TEST_HASH });
    onCleanup(() => after.close());
    await after.audit.append({
      kind: 'schedule',
      outcome: 'accepted',
      actor: 'admin',
      authKind: 'schedule',
      action: 'schedule:create',
      scheduleId: 's-1',
      scheduleName: 'Office hours',
    });
    expect(await after.audit.verify()).toMatchObject({ ok: true, rows: 4, keyedRows: 4 });
    const rows = (await after.audit.query({ order: 'asc' })).rows;
    expect(rows.map((r) => [r.operationId, r.scheduleId, r.scheduleName])).toEqual([
      ['op', null, null],
      ['op', null, null],
      ['op', null, null],
      [null, 's-1', 'Office hours'],
    ]);
  });
});
