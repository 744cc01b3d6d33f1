// The scheduler, with a clock the test moves and its one timer fired by the test (the real app, real SQLite, the
// simulator over HTTP): a due run starts one operation, once; a skipped run and a run on an exclusion date are
// recorded as such and start nothing; a paused schedule records nothing; an edit moves the timer; after a gap, the
// newest run within the grace window runs once and older ones are missed; two wakes (two schedulers on one
// database) for one moment start one operation; a run whose owner was disabled fails, saying why.
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../src/schedules/scheduler';
import { keysIn, SCALE } from './operations-support';
import { body, createSchedule, MONDAY_0600_BERLIN, runsOf, scheduleApp, TestTime } from './schedules-support';
import { startSim, type TestApp } from './support';

const MIN = 60_000;
/** Monday 07:00 in Berlin. */
const AT_0700 = MONDAY_0600_BERLIN + 60 * MIN;

let sim: Simulator;
const apps: TestApp[] = [];
beforeAll(async () => {
  sim = await startSim({ timeScale: SCALE });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  sim.reset();
});

async function setup(): Promise<{ app: TestApp; time: TestTime; key: number }> {
  const time = new TestTime();
  const app = await scheduleApp(sim, time);
  apps.push(app);
  return { app, time, key: keysIn(app, 'running', 1)[0]! };
}

/** Operations the schedule started, from the store (every one, running or finished). */
async function operationsOf(app: TestApp, scheduleId: string) {
  const all = [
    ...(await app.testStores.operations.listRunning()),
    ...(await app.testStores.operations.listRecent(200)),
  ];
  return all.filter((op) => op.schedule?.id === scheduleId);
}

describe('the scheduler', () => {
  it('arms its one timer for the earliest run and starts one operation when it fires, audited with the schedule', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] } }));
    expect(s.next).toBe(new Date(AT_0700).toISOString());
    expect(time.armed?.at).toBe(AT_0700);

    await time.advance(app, AT_0700 - 1);
    expect(await runsOf(app, s.id)).toEqual([]);
    await time.advance(app, AT_0700);
    await app.scheduler.poke();
    const runs = await runsOf(app, s.id);
    expect(runs.map((r) => [r.outcome, r.scheduledFor, r.detail])).toEqual([
      ['started', new Date(AT_0700).toISOString(), 'Started 1 VM'],
    ]);
    const ops = await operationsOf(app, s.id);
    expect(ops.map((o) => [o.id, o.owner, o.ownerAuthKind, o.reason])).toEqual([
      [
        runs[0]!.operationId,
        'admin',
        'schedule',
        `Schedule "Lab off" (run for ${new Date(AT_0700).toISOString()})`,
      ],
    ]);
    // The next timer is Tuesday's run.
    expect(time.armed?.at).toBe(AT_0700 + 24 * 60 * MIN);
    // Every audit row of the run names the schedule and the operation.
    const rows = (await app.testStores.audit.query({ kind: 'power' })).rows.filter(
      (r) => r.operationId === ops[0]!.id,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => `${r.scheduleId}|${r.scheduleName}|${r.authKind}`))).toEqual(
      new Set([`${s.id}|Lab off|schedule`]),
    );
  });

  it('a skipped run is recorded as skipped, with who and why, and starts nothing', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] } }));
    const res = await app.inject({
      method: 'POST',
      url: `/api/schedules/${s.id}/skip`,
      headers: app.adminHeaders,
      payload: { at: new Date(AT_0700).toISOString(), reason: 'patch freeze' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ next: string }>().next).toBe(new Date(AT_0700 + 24 * 60 * MIN).toISOString());
    await time.advance(app, AT_0700);
    expect((await runsOf(app, s.id)).map((r) => [r.outcome, r.detail])).toEqual([
      ['skipped', 'Skipped by admin: patch freeze'],
    ]);
    expect(await operationsOf(app, s.id)).toEqual([]);
    expect((await app.testStores.schedules.get(s.id))!.skips).toEqual([]);
  });

  it('a run on an exclusion date is recorded as excluded and starts nothing', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(
      app,
      body({ targets: { kind: 'vms', vms: [key] }, exclusions: ['2030-01-07'] }),
    );
    expect(s.upcoming[0]).toEqual({ at: new Date(AT_0700).toISOString(), skipped: false, excluded: true });
    await time.advance(app, AT_0700);
    expect((await runsOf(app, s.id)).map((r) => [r.outcome, r.detail])).toEqual([
      ['excluded', "2030-01-07 is one of the schedule's exclusion dates (Europe/Berlin)"],
    ]);
    expect(await operationsOf(app, s.id)).toEqual([]);
  });

  it('a paused schedule records nothing for its times, and resuming does not catch them up', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] } }));
    const pause = await app.inject({
      method: 'POST',
      url: `/api/schedules/${s.id}/pause`,
      headers: app.adminHeaders,
      payload: { reason: 'migration week' },
    });
    expect(pause.statusCode, pause.body).toBe(200);
    expect(time.armed).toBeNull();
    await time.advance(app, AT_0700 + 5 * MIN);
    const resume = await app.inject({
      method: 'POST',
      url: `/api/schedules/${s.id}/resume`,
      headers: app.adminHeaders,
      payload: { reason: 'done' },
    });
    expect(resume.statusCode, resume.body).toBe(200);
    await app.scheduler.poke();
    expect(await runsOf(app, s.id)).toEqual([]);
    expect(time.armed?.at).toBe(AT_0700 + 24 * 60 * MIN);
  });

  it('an edit moves the timer', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] } }));
    expect(time.armed?.at).toBe(AT_0700);
    const res = await app.inject({
      method: 'PUT',
      url: `/api/schedules/${s.id}`,
      headers: app.adminHeaders,
      payload: body({ targets: { kind: 'vms', vms: [key] }, when: { kind: 'weekdays', time: '06:30' } }),
    });
    expect(res.statusCode, res.body).toBe(200);
    await app.scheduler.poke();
    expect(time.armed?.at).toBe(AT_0700 - 30 * MIN);
  });

  it('after a gap, the newest run within the grace window runs once; older ones are missed, saying so', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(
      app,
      body({ targets: { kind: 'vms', vms: [key] }, when: { kind: 'cron', expression: '*/10 * * * *' } }),
    );
    // The timer did not fire (Powerdeck was not running): 06:10 ... 07:00 are due at 07:05.
    time.armed = null;
    time.now = AT_0700 + 5 * MIN;
    await app.scheduler.poke();
    await app.scheduler.poke();
    const runs = (await runsOf(app, s.id)).reverse();
    expect(runs.map((r) => r.outcome)).toEqual(['missed', 'missed', 'missed', 'missed', 'missed', 'started']);
    expect(runs[0]!.detail).toBe(
      'Powerdeck was not running at 2030-01-07 06:10 (Europe/Berlin); the grace window is 15 min',
    );
    expect(await operationsOf(app, s.id)).toHaveLength(1);
  });

  it('a run later than the grace window is missed and starts nothing', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] }, graceMinutes: 5 }));
    time.armed = null;
    time.now = AT_0700 + 6 * MIN;
    await app.scheduler.poke();
    expect((await runsOf(app, s.id)).map((r) => [r.outcome, r.detail])).toEqual([
      ['missed', 'Powerdeck was not running at 2030-01-07 07:00 (Europe/Berlin); the grace window is 5 min'],
    ]);
    expect(await operationsOf(app, s.id)).toEqual([]);
  });

  it('two schedulers waking for the same moment on one database start one operation', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] } }));
    const other = new Scheduler({
      store: app.testStores.schedules,
      users: app.testStores.users,
      fleet: app.fleet,
      engine: app.operations,
      log: app.log,
      now: time.clock,
      timers: new TestTime().timers,
    });
    time.now = AT_0700;
    await Promise.all([app.scheduler.poke(), other.poke(), app.scheduler.poke(), other.poke()]);
    await other.stop();
    expect((await runsOf(app, s.id)).map((r) => r.outcome)).toEqual(['started']);
    expect(await operationsOf(app, s.id)).toHaveLength(1);
  });

  it('a run whose owner was disabled fails, saying why, and starts nothing', async () => {
    const { app, time, key } = await setup();
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] } }));
    await app.testStores.users.setDisabled('admin', true);
    await time.advance(app, AT_0700);
    expect((await runsOf2(app, s.id)).map((r) => [r.outcome, r.detail])).toEqual([
      ['failed', 'Its owner admin is disabled'],
    ]);
    expect(await operationsOf(app, s.id)).toEqual([]);
  });
});

/** The runs through the store (the admin who would read them over HTTP is disabled). */
async function runsOf2(app: TestApp, id: string) {
  return app.testStores.schedules.listRuns({ scheduleId: id, limit: 50 });
}
