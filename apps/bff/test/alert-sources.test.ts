// The alert sources (alerts/sources/) on one server: the real app on real SQLite against the simulator (time scale
// 0.01), its sources started as the alerts plugin will start them, reporting to a sink that collects the events.
// A VM killed in VergeOS outside Powerdeck is told down once, and back when it runs again; one shut down through
// Powerdeck is not; an operation with a failing VM is told once; a missed and a failed scheduled run are told (the
// missed ones of a catch-up as one); VergeOS failing past the threshold is told once, and its return once. Time
// that must pass (the unreachable threshold, the scheduler's) moves through injected clocks, never through waits.
import type { Operation } from '@powerdeck/contracts/operations';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAlertSources, type AlertSourcesOptions } from '../src/alerts/sources/index';
import { watchOperations } from '../src/alerts/sources/operations';
import type { AlertEventInput } from '../src/alerts/types';
import {
  finished,
  keysIn,
  opsApp,
  prepare,
  putVm,
  SCALE,
  setScenario,
  snapshotShows,
  startOperation,
  WAIT,
} from './operations-support';
import { body, createSchedule, MONDAY_0600_BERLIN, scheduleApp, TestTime } from './schedules-support';
import { simAction, startSim, type TestApp } from './support';

const MIN = 60_000;

let sim: Simulator;
const apps: TestApp[] = [];
const stops: (() => void)[] = [];
beforeAll(async () => {
  sim = await startSim({ timeScale: SCALE });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const app of apps.splice(0)) await app.close();
  await setScenario(sim, 'none');
  sim.reset();
});

/** Starts the app's sources with a sink that collects what they report. */
function listen(app: TestApp, options: Partial<AlertSourcesOptions> = {}): AlertEventInput[] {
  const events: AlertEventInput[] = [];
  stops.push(startAlertSources(app, (e) => events.push(e), { unreachableAfterMs: 5 * MIN, ...options }));
  return events;
}

const of = (events: readonly AlertEventInput[], event: AlertEventInput['event']) =>
  events.filter((e) => e.event === event);

async function app(overrides: Parameters<typeof opsApp>[1] = {}): Promise<TestApp> {
  const a = await opsApp(sim, overrides);
  apps.push(a);
  return a;
}

function nameOf(a: TestApp, key: number): string {
  const vm = a.fleet.current().snapshot.vms.find((v) => v.key === key);
  expect(vm).toBeDefined();
  return vm!.name;
}

/** Waits until the snapshot shows the VMs so and the tracker (and the sources after it) handled it. */
async function settledAt(a: TestApp, want: Map<number, string>): Promise<void> {
  a.fleet.wake();
  await snapshotShows(a, want);
  await a.fleetStops.settled();
}

describe('alert sources on one server', { timeout: 30_000 }, () => {
  it('a VM killed outside Powerdeck is told down once and back when it runs; one shut down through Powerdeck is not', async () => {
    const a = await app();
    const [killed, shutDown, before] = keysIn(a, 'running', 3) as [number, number, number];
    await prepare(a, sim, [
      { key: killed, status: 'running' },
      { key: shutDown, status: 'running' },
      { key: before, status: 'running' },
    ]);
    // Down unexpectedly before the sources start (listed on the wall): not told again, but its return is.
    await putVm(sim, before, { status: 'error' });
    await settledAt(a, new Map([[before, 'error']]));
    expect(a.fleetStops.list()).toEqual([expect.objectContaining({ key: before, by: null })]);
    const events = listen(a);

    await simAction(sim, killed, 'kill');
    await settledAt(a, new Map([[killed, 'stopped']]));
    await vi.waitFor(() => expect(of(events, 'vm_down')).toHaveLength(1), WAIT);
    const name = nameOf(a, killed);
    expect(of(events, 'vm_down')[0]).toEqual({
      event: 'vm_down',
      at: expect.any(Number),
      title: `VM ${name} is down unexpectedly (stopped)`,
      text: expect.stringContaining('Nobody stopped it through Powerdeck.'),
      vm: { key: killed, name, status: 'stopped', node: expect.any(String) },
      path: `/vms/${killed}`,
    });

    const res = await a.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: a.adminHeaders,
      payload: { vm: shutDown, action: 'poweroff' },
    });
    expect(res.statusCode, res.body).toBe(201);
    await settledAt(a, new Map([[shutDown, 'stopped']]));
    expect(a.fleetStops.list().find((s) => s.key === shutDown)?.by).toBe('admin');

    // Both come back: the one told down, and the one listed before the start. The one shut down through
    // Powerdeck starts too, and is not "back" (it was never down unexpectedly).
    for (const key of [killed, before, shutDown]) await simAction(sim, key, 'poweron');
    await settledAt(
      a,
      new Map([
        [killed, 'running'],
        [before, 'running'],
        [shutDown, 'running'],
      ]),
    );
    await vi.waitFor(() => expect(of(events, 'vm_back')).toHaveLength(2), WAIT);
    expect(of(events, 'vm_back').map((e) => [e.vm?.key, e.title, e.path])).toEqual(
      expect.arrayContaining([
        [killed, `VM ${name} is back up (running)`, `/vms/${killed}`],
        [before, `VM ${nameOf(a, before)} is back up (running)`, `/vms/${before}`],
      ]),
    );
    expect(of(events, 'vm_down').map((e) => e.vm?.key)).toEqual([killed]);
    expect(events).toHaveLength(3);
  });

  it('an operation that ends with a failed VM is told once; one that succeeds is not', async () => {
    const a = await app();
    const events = listen(a);
    const [failing, fine, alone] = keysIn(a, 'stopped', 3) as [number, number, number];
    await putVm(sim, failing, { start_failure: 'I/O error on disk0' });

    const ok = await startOperation(a, { action: 'start', vms: [alone] });
    expect((await finished(a, ok.id)).counts.failed).toBe(0);
    const op = await startOperation(a, { action: 'start', vms: [failing, fine], reason: 'after patching' });
    const done = await finished(a, op.id);
    expect(done.counts).toMatchObject({ total: 2, failed: 1, done: 1 });

    await vi.waitFor(() => expect(of(events, 'operation_failed')).toHaveLength(1), WAIT);
    const failedVm = done.vms.find((v) => v.key === failing)!;
    expect(of(events, 'operation_failed')[0]).toEqual({
      event: 'operation_failed',
      at: Date.parse(done.finishedAt!),
      title: 'Operation "Start 2 VMs" finished: 1 of 2 failed',
      text: expect.stringContaining(`- ${failedVm.name}: ${failedVm.detail}`),
      operationId: op.id,
      path: '/operations',
    });
    expect(of(events, 'operation_failed')[0]!.text).toContain('Reason: after patching');
    // The operation's later notices (a read, the engine settling) tell nothing more.
    await a.inject({ method: 'GET', url: `/api/operations/${op.id}`, headers: a.adminHeaders });
    await vi.waitFor(() => expect(a.operations.runningOperations()).toEqual([]), WAIT);
    expect(of(events, 'operation_failed')).toHaveLength(1);
    // The failed start left its VM in error: down unexpectedly, as the wall says (nobody stopped it).
    await settledAt(a, new Map([[failing, 'error']]));
    await vi.waitFor(() => expect(events).toHaveLength(2), WAIT);

    // With several servers the stream is the front's, fed by notices over the database: the same ended operation
    // may come twice, and one that ended before the source started (under the previous leader) may come late.
    const listeners = new Set<(op: Operation) => void>();
    const told: AlertEventInput[] = [];
    const stop = watchOperations(
      { operations: { subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) } },
      (e) => told.push(e),
    );
    stops.push(stop);
    for (const l of listeners) {
      l(done);
      l(done);
    }
    expect(told).toEqual([]);
    const later = { ...done, id: 'later', finishedAt: new Date(Date.now() + 1000).toISOString() };
    for (const l of listeners) {
      l(later);
      l(later);
    }
    expect(told.map((e) => e.operationId)).toEqual(['later']);
    expect(events.map((e) => [e.event, e.vm?.key ?? null])).toEqual(
      expect.arrayContaining([
        ['operation_failed', null],
        ['vm_down', failing],
      ]),
    );
  });

  it('tells the missed runs of a catch-up as one per schedule, and a failed run', async () => {
    const time = new TestTime();
    const a = await scheduleApp(sim, time);
    apps.push(a);
    const key = keysIn(a, 'running', 1)[0]!;
    const s = await createSchedule(a, body({ name: 'Patch night', targets: { kind: 'vms', vms: [key] } }));
    // The app's own alerts plugin listens from ready on (runs told before any listener: schedule-run-feed.test.ts).
    const events = listen(a);
    // Monday's 07:00 decided at 07:30, past the 15 min grace: missed.
    await time.advance(a, MONDAY_0600_BERLIN + 90 * MIN);
    expect(of(events, 'schedule_missed')).toEqual([
      {
        event: 'schedule_missed',
        at: expect.any(Number),
        title: 'Schedule "Patch night" missed its run at 2030-01-07 07:00 Europe/Berlin',
        text: expect.stringContaining('Powerdeck was not running at 2030-01-07 07:00 (Europe/Berlin)'),
        scheduleId: s.id,
        path: '/schedules',
      },
    ]);

    // Tuesday to Thursday missed in one catch-up: one alert, naming the last and how many.
    await time.advance(a, MONDAY_0600_BERLIN + 3 * 24 * 60 * MIN + 90 * MIN);
    expect(of(events, 'schedule_missed')).toHaveLength(2);
    expect(of(events, 'schedule_missed')[1]).toMatchObject({
      title: 'Schedule "Patch night" missed 3 runs, the last at 2030-01-10 07:00 Europe/Berlin',
      text: expect.stringContaining('- 2030-01-08 07:00 Europe/Berlin\n- 2030-01-09 07:00 Europe/Berlin'),
    });

    // Friday's run, its owner disabled meanwhile: it fails, saying why.
    await a.testStores.users.setDisabled('admin', true);
    await time.advance(a, MONDAY_0600_BERLIN + 4 * 24 * 60 * MIN + 60 * MIN);
    expect(of(events, 'schedule_failed')).toEqual([
      {
        event: 'schedule_failed',
        at: expect.any(Number),
        title: 'Schedule "Patch night" could not start its run at 2030-01-11 07:00 Europe/Berlin',
        text: 'Its owner admin is disabled',
        scheduleId: s.id,
        path: '/schedules',
      },
    ]);
    expect(events).toHaveLength(3);
  });

  it('VergeOS failing past the threshold is told once, and its return once', async () => {
    let skewMs = 0;
    const a = await app({ fleetBackoff: { afterFailures: 1, maxMs: 400 } });
    const events = listen(a, { now: () => Date.now() + skewMs, checkEveryMs: 20 });
    await setScenario(sim, 'unavailable');
    await vi.waitFor(() => expect(a.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(2), WAIT);
    // Failing, but not for five minutes yet.
    expect(events).toEqual([]);

    skewMs = 5 * MIN;
    await vi.waitFor(() => expect(of(events, 'vergeos_unreachable')).toHaveLength(1), WAIT);
    expect(of(events, 'vergeos_unreachable')[0]).toEqual({
      event: 'vergeos_unreachable',
      at: expect.any(Number),
      title: 'VergeOS has not answered for 5 minutes',
      text: expect.stringContaining('Last error: VergeOS answered 503 Service Unavailable.'),
      path: '/',
    });
    expect(of(events, 'vergeos_unreachable')[0]!.text).not.toContain('retrying');
    // More failed polls, and minutes, tell nothing more.
    const failures = a.fleet.status().consecutiveFailures;
    skewMs = 9 * MIN;
    await vi.waitFor(
      () => expect(a.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(failures + 3),
      WAIT,
    );
    expect(events).toHaveLength(1);

    await setScenario(sim, 'none');
    a.fleet.wake();
    await vi.waitFor(() => expect(of(events, 'vergeos_back')).toHaveLength(1), WAIT);
    expect(of(events, 'vergeos_back')[0]).toMatchObject({
      title: 'VergeOS answers again after 9 minutes',
      path: '/',
    });
    await vi.waitFor(() => expect(a.fleet.status().polls).toBeGreaterThan(failures + 5), WAIT);
    expect(events).toHaveLength(2);
  });

  it('an outage already past the threshold when the sources start is not told again, its end is', async () => {
    let skewMs = 0;
    const a = await app({ fleetBackoff: { afterFailures: 1, maxMs: 400 } });
    await setScenario(sim, 'unavailable');
    await vi.waitFor(() => expect(a.fleet.current().snapshot.stale).toBe(true), WAIT);
    skewMs = 6 * MIN;
    const events = listen(a, { now: () => Date.now() + skewMs, checkEveryMs: 20 });
    const failures = a.fleet.status().consecutiveFailures;
    await vi.waitFor(
      () => expect(a.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(failures + 2),
      WAIT,
    );
    expect(events).toEqual([]);
    await setScenario(sim, 'none');
    a.fleet.wake();
    await vi.waitFor(() => expect(events.map((e) => e.event)).toEqual(['vergeos_back']), WAIT);
  });

  it('stops telling anything once stopped', async () => {
    const a = await app();
    const events: AlertEventInput[] = [];
    const stop = startAlertSources(a, (e) => events.push(e), { unreachableAfterMs: 5 * MIN });
    stop();
    stop();
    const key = keysIn(a, 'running', 1)[0]!;
    await simAction(sim, key, 'kill');
    await settledAt(a, new Map([[key, 'stopped']]));
    expect(a.fleetStops.list()).toEqual([expect.objectContaining({ key, by: null })]);
    expect(events).toEqual([]);
  });
});
