// Schedules across BFF restarts, against the time-scaled simulator over HTTP and one SQLite data directory: a run
// fires and its operation runs to done (the VMs stop in the simulator); the BFF stops just before a run and comes
// back within the grace window: the run starts once, at start-up; it comes back well after: the run is recorded as
// missed and nothing is sent. The audit rows of the run carry the schedule's id and name and the operation's id.
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SqliteStores } from '../src/stores/sqlite/open';
import { finished, keysIn, prepare, SCALE, snapshotShows, WAIT } from './operations-support';
import { body, createSchedule, MONDAY_0600_BERLIN, scheduleApp, TestTime } from './schedules-support';
import { openTestStores, startSim, type TestApp } from './support';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** Monday 07:00 in Berlin. */
const AT_0700 = MONDAY_0600_BERLIN + 60 * MIN;

let sim: Simulator;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  sim = await startSim({ timeScale: SCALE });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  sim.reset();
});

async function storesForTest(): Promise<SqliteStores> {
  const stores = await openTestStores();
  cleanups.push(() => stores.close());
  return stores;
}

async function appOn(stores: SqliteStores, time: TestTime): Promise<TestApp> {
  const app = await scheduleApp(sim, time, stores);
  cleanups.push(() => app.close());
  return app;
}

async function runsOf(stores: SqliteStores, id: string) {
  return (await stores.schedules.listRuns({ scheduleId: id, limit: 50 })).reverse();
}

describe('schedules across restarts', () => {
  it('fires, and the operation stops the VMs; a restart just before a run starts it once; well after, it is missed', async () => {
    const stores = await storesForTest();
    const time = new TestTime();
    const first = await appOn(stores, time);
    const keys = keysIn(first, 'running', 2);
    await prepare(
      first,
      sim,
      keys.map((key) => ({ key, status: 'running', shutdownS: 5 })),
    );
    const s = await createSchedule(first, body({ targets: { kind: 'vms', vms: keys } }));

    // Monday: the timer fires at 07:00 and the operation runs to done.
    await time.advance(first, AT_0700);
    const [monday] = await runsOf(stores, s.id);
    expect(monday).toMatchObject({ outcome: 'started', detail: 'Started 2 VMs' });
    const op = await finished(first, monday!.operationId!);
    expect(op.vms.map((v) => [v.key, v.state])).toEqual(keys.map((k) => [k, 'done']));
    await snapshotShows(first, new Map(keys.map((k) => [k, 'stopped'])));
    const rows = (await stores.audit.query({ kind: 'power', order: 'asc' })).rows.filter(
      (r) => r.operationId === op.id,
    );
    expect(rows.map((r) => [r.vmKey, r.action, r.outcome, r.scheduleId, r.scheduleName, r.actor])).toEqual(
      expect.arrayContaining(
        keys.flatMap((k) => [
          [k, 'poweroff', 'requested', s.id, 'Lab off', 'admin'],
          [k, 'poweroff', 'accepted', s.id, 'Lab off', 'admin'],
        ]),
      ),
    );

    // Tuesday: the BFF stops at 06:59 and is back at 07:05, within the grace window: the run starts once.
    await prepare(
      first,
      sim,
      keys.map((key) => ({ key, status: 'running', shutdownS: 5 })),
    );
    time.now = AT_0700 + DAY - MIN;
    await first.close();
    time.now = AT_0700 + DAY + 5 * MIN;
    const second = await appOn(stores, time);
    await vi.waitFor(async () => expect(await runsOf(stores, s.id)).toHaveLength(2), WAIT);
    await second.scheduler.poke();
    const tuesday = (await runsOf(stores, s.id))[1]!;
    expect(tuesday).toMatchObject({
      outcome: 'started',
      scheduledFor: new Date(AT_0700 + DAY).toISOString(),
    });
    expect(tuesday.operationId).not.toBeNull();
    await finished(second, tuesday.operationId!);
    await snapshotShows(second, new Map(keys.map((k) => [k, 'stopped'])));

    // Wednesday: the BFF stops before 07:00 and is back at 08:00: the run is missed, nothing is sent.
    await prepare(
      second,
      sim,
      keys.map((key) => ({ key, status: 'running', shutdownS: 5 })),
    );
    time.now = AT_0700 + 2 * DAY - MIN;
    await second.close();
    time.now = AT_0700 + 2 * DAY + 60 * MIN;
    const third = await appOn(stores, time);
    await vi.waitFor(async () => expect(await runsOf(stores, s.id)).toHaveLength(3), WAIT);
    await third.scheduler.poke();
    const runs = await runsOf(stores, s.id);
    expect(runs.map((r) => r.outcome)).toEqual(['started', 'started', 'missed']);
    expect(runs[2]!.detail).toBe(
      'Powerdeck was not running at 2030-01-09 07:00 (Europe/Berlin); the grace window is 15 min',
    );
    expect(new Set(runs.map((r) => r.operationId).filter(Boolean)).size).toBe(2);
    await snapshotShows(third, new Map(keys.map((k) => [k, 'running'])));
  });

  it('a run left started without its operation (the BFF stopped in between) fails at the next start', async () => {
    const stores = await storesForTest();
    const time = new TestTime();
    const first = await appOn(stores, time);
    const s = await createSchedule(first, body());
    await first.close();
    await stores.schedules.recordRun({
      scheduleId: s.id,
      scheduleName: s.name,
      scheduledFor: new Date(AT_0700).toISOString(),
      outcome: 'started',
      detail: 'Starting 1 VM',
      operationId: null,
    });
    time.now = AT_0700 + 2 * MIN;
    const second = await appOn(stores, time);
    await second.scheduler.poke();
    expect((await runsOf(stores, s.id)).map((r) => [r.outcome, r.detail])).toEqual([
      ['failed', 'Powerdeck stopped while starting this run'],
    ]);
    const ops = await stores.operations.listRecent(10);
    expect(ops.filter((o) => o.schedule?.id === s.id)).toEqual([]);
  });
});
