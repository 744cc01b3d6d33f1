// The schedule store on both backends (a real SQLite file, a real PostgreSQL database): schedules round-trip with
// their skips and pause, edits move updatedAt, a run is recorded at most once per schedule and moment (the second
// recording changes nothing, even at the same time), recording moves lastHandledFor (never back) and drops that
// moment's skip, and the history outlives its schedule. On PostgreSQL, the same with two servers racing. And
// SQLite's migration 005 keeps a keyed audit chain whole.
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
import type { ScheduleRecord, ScheduleStore } from '../src/stores/types';
import { pgServers } from './pg-servers';
import { BACKENDS, openTestStores } from './store-backends';
import { onCleanup, TEST_HASH } from './support';

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

describe.each(BACKENDS)('schedule store (%s)', (backend) => {
  let s: ScheduleStore;
  beforeEach(async () => {
    s = (await openTestStores(backend)).schedules;
  });

  it('a schedule round-trips, with no pause, skips or handled run yet; lists by name', async () => {
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
    await s.create(draft('a'));
    await s.addSkip('a', { at: T2, by: 'helpdesk', reason: 'second', recordedAt: T1 });
    const both = await s.addSkip('a', { at: T1, by: 'admin', reason: 'first', recordedAt: T1 });
    expect(both.skips.map((k) => [k.at, k.by, k.reason])).toEqual([
      [T1, 'admin', 'first'],
      [T2, 'helpdesk', 'second'],
    ]);
    await expect(s.addSkip('a', { at: T1, by: 'x', reason: 'again', recordedAt: T1 })).rejects.toMatchObject({
      code: 'exists',
    });
    await expect(s.addSkip('nope', { at: T1, by: 'x', reason: 'y', recordedAt: T1 })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await s.removeSkip('a', T1)).toBe(true);
    expect(await s.removeSkip('a', T1)).toBe(false);
    expect((await s.get('a'))!.skips.map((k) => k.at)).toEqual([T2]);
  });

  it('a run is recorded once: the second recording of the same moment changes nothing', async () => {
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
  it('says what it refuses in the same words on both backends; lists by name byte by byte, as SQLite does', async () => {
    const said = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => (e instanceof StoreError ? [e.code, e.message] : e),
      );
    await s.create(draft('a', { name: 'apple' }));
    await s.create(draft('b', { name: 'Weekend' }));
    await s.create(draft('c', { name: 'Lab' }));
    await s.create(draft('d', { name: 'lab' }));
    // Upper case before lower case (code points), whatever the database's collation.
    expect((await s.list()).map((x) => x.name)).toEqual(['Lab', 'Weekend', 'apple', 'lab']);
    expect(await said(s.create(draft('a')))).toEqual(['exists', 'a schedule with the id a exists']);
    expect(await said(s.update('nope', { name: 'x' }, T1))).toEqual(['not_found', 'No schedule nope']);
    expect(await said(s.update('a', { name: 'x' }, 'later'))).toEqual([
      'invalid',
      'updatedAt is not an ISO 8601 time',
    ]);
    const skip = { at: T1, by: 'x', reason: 'y', recordedAt: T1 };
    expect(await said(s.addSkip('nope', skip))).toEqual(['not_found', 'No schedule nope']);
    await s.addSkip('a', skip);
    expect(await said(s.addSkip('a', skip))).toEqual(['exists', `The run at ${T1} is already skipped`]);
    expect(await said(s.setRunOperation('no-run', 'op', 'x'))).toEqual([
      'not_found',
      'No started run no-run',
    ]);
    expect(await said(s.failRun('no-run', 'x'))).toEqual(['not_found', 'No started run no-run']);
    // A paused schedule keeps its pause, and is told apart from an enabled one.
    const paused = await s.update('b', { enabled: false, paused: { by: 'admin', reason: '', at: T2 } }, T2);
    expect(paused).toMatchObject({ enabled: false, paused: { by: 'admin', reason: '', at: T2 } });
    expect((await s.get('b'))!.paused).toEqual({ by: 'admin', reason: '', at: T2 });
    // A limit outside 1 to 500 is brought into it.
    for (let day = 1; day <= 3; day += 1) {
      await s.recordRun({
        scheduleId: 'a',
        scheduleName: 'apple',
        scheduledFor: `2026-03-0${day}T18:00:00.000Z`,
        outcome: 'missed',
        detail: 'x',
        operationId: null,
      });
    }
    expect(await s.listRuns({ limit: 0 })).toHaveLength(1);
    expect((await s.listRuns({ scheduleId: 'a', limit: 1000 })).map((r) => r.scheduledFor)).toEqual([
      '2026-03-03T18:00:00.000Z',
      '2026-03-02T18:00:00.000Z',
      '2026-03-01T18:00:00.000Z',
    ]);
  });
});

// What only matters with several servers on one PostgreSQL database (each its own pool, as separate processes): the
// database, not a lock of one process, makes a run recorded once.
describe('schedules on two servers sharing PostgreSQL', () => {
  const run = (scheduledFor: string, outcome: 'started' | 'skipped', detail: string) => ({
    scheduleId: 'a',
    scheduleName: 'Office hours a',
    scheduledFor,
    outcome,
    detail,
    operationId: null,
  });
  /** The nth run time of a daily schedule, from T1. */
  const moment = (n: number) => new Date(Date.parse(T1) + n * 86_400_000).toISOString();

  it('two servers recording the same run at the same moment: exactly one gets the record, the other null', async () => {
    const [a, b] = await pgServers(2);
    await a!.schedules.create(draft('a'));
    for (let n = 0; n < 25; n += 1) {
      const at = moment(n);
      await b!.schedules.addSkip('a', { at, by: 'helpdesk', reason: 'freeze', recordedAt: T1 });
      const [fromA, fromB] = await Promise.all([
        a!.schedules.recordRun(run(at, 'started', 'Starting (server A)')),
        b!.schedules.recordRun(run(at, 'skipped', 'Skipped (server B)')),
      ]);
      expect([fromA, fromB].filter((r) => r !== null)).toHaveLength(1);
      const winner = (fromA ?? fromB)!;
      // What is stored is the winner's record, once; the schedule moved to it and its skip is gone.
      const runs = (await a!.schedules.listRuns({ scheduleId: 'a', limit: 500 })).filter(
        (r) => r.scheduledFor === at,
      );
      expect(runs).toEqual([winner]);
      const schedule = (await b!.schedules.get('a'))!;
      expect(schedule.lastHandledFor).toBe(at);
      expect(schedule.skips).toEqual([]);
    }
    expect(await a!.schedules.listRuns({ limit: 500 })).toHaveLength(25);
  });

  it('lastHandledFor only moves forward, whichever server records which run first', async () => {
    const [a, b] = await pgServers(2);
    await a!.schedules.create(draft('a'));
    for (let n = 0; n < 40; n += 2) {
      // At the same moment, A records a later run than B does.
      await Promise.all([
        a!.schedules.recordRun(run(moment(n + 1), 'started', 'later')),
        b!.schedules.recordRun(run(moment(n), 'started', 'earlier')),
      ]);
      expect((await b!.schedules.get('a'))!.lastHandledFor).toBe(moment(n + 1));
    }
    // An earlier run recorded afterwards (a catch-up) does not move it back either.
    expect(await b!.schedules.recordRun(run(moment(-1), 'started', 'late catch-up'))).not.toBeNull();
    expect((await a!.schedules.get('a'))!.lastHandledFor).toBe(moment(39));
  });

  it('lists by name byte by byte, as SQLite does, on a database whose collation would sort otherwise', async () => {
    const [server] = await pgServers(1, { locale: 'en' });
    const store = server!.schedules;
    for (const [id, name] of [
      ['a', 'apple'],
      ['b', 'Weekend'],
      ['c', 'lab'],
      ['d', 'Lab'],
      ['e', 'Lab'],
    ]) {
      await store.create(draft(id!, { name: name! }));
    }
    // The database's own order would be apple, lab, Lab, Lab, Weekend.
    expect((await store.list()).map((x) => `${x.name}/${x.id}`)).toEqual([
      'Lab/d',
      'Lab/e',
      'Weekend/b',
      'apple/a',
      'lab/c',
    ]);
  });

  it('two servers skipping the same run at once: one skip is kept, the other is told it exists', async () => {
    const [a, b] = await pgServers(2);
    await a!.schedules.create(draft('a'));
    for (let n = 0; n < 10; n += 1) {
      const at = moment(n);
      const results = await Promise.allSettled([
        a!.schedules.addSkip('a', { at, by: 'ann', reason: 'A', recordedAt: T1 }),
        b!.schedules.addSkip('a', { at, by: 'bea', reason: 'B', recordedAt: T1 }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'exists' });
    }
    expect((await a!.schedules.get('a'))!.skips).toHaveLength(10);
  });
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
