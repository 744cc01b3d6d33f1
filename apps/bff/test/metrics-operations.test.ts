// Operations in the metrics, on the real app against the simulator (both at time scale 0.01): an escalating shut down
// forced off at its deadline, a shut down that times out, "Force now", a cancel, and a schedule's run each move the
// operation and step histograms, the escalation and timeout counters and the power actions by action and outcome,
// as scraped from GET /metrics.
import { describe, expect, it } from 'vitest';
import { METRICS_TOKEN, scrape, type Scrape } from './metrics-support';
import { finished, keysIn, opsApp, prepare, SCALE, startOperation, until, vmOf } from './operations-support';
import { body, createSchedule, MONDAY_0600_BERLIN, TestTime } from './schedules-support';
import { useSimApp } from './support';

const env = useSimApp({
  sim: { timeScale: SCALE },
  resetSim: true,
  build: (sim) => opsApp(sim, { metrics: { token: METRICS_TOKEN } }),
});

/** How much each series moved between two scrapes. */
function moved(before: Scrape, after: Scrape) {
  return {
    count: (name: string, labels: Record<string, string>) =>
      after.count(name, labels) - before.count(name, labels),
    value: (name: string, labels: Record<string, string>) =>
      after.value(name, labels)! - before.value(name, labels)!,
  };
}

const STEP = 'powerdeck_operation_step_duration_seconds';
const OPERATION = 'powerdeck_operation_duration_seconds';

describe('operations in the metrics', () => {
  it('an escalating shut down forced off at its deadline: one escalation, the shut down step escalated, the kill done', async () => {
    const app = env.app;
    const [key] = keysIn(app, 'running', 1) as [number];
    await prepare(app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
    const before = await scrape(app);

    const op = await startOperation(app, { action: 'shutdown', vms: [key], forceAfterS: 10 });
    const done = await finished(app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'done', escalated: true });

    const m = moved(before, await scrape(app));
    expect(m.value('powerdeck_operation_escalations_total', { trigger: 'deadline' })).toBe(1);
    expect(m.value('powerdeck_operation_escalations_total', { trigger: 'force_now' })).toBe(0);
    expect(m.count(STEP, { action: 'poweroff', outcome: 'escalated' })).toBe(1);
    expect(m.count(STEP, { action: 'kill', outcome: 'done' })).toBe(1);
    expect(m.count(STEP, {})).toBe(2);
    expect(m.count(OPERATION, { action: 'shutdown', status: 'finished' })).toBe(1);
    expect(m.count(OPERATION, {})).toBe(1);
    expect(m.value('powerdeck_power_actions_total', { action: 'poweroff', outcome: 'accepted' })).toBe(1);
    expect(m.value('powerdeck_power_actions_total', { action: 'kill', outcome: 'accepted' })).toBe(1);
    expect(m.value('powerdeck_operation_step_timeouts_total', { action: 'poweroff' })).toBe(0);
    // The shut down waited about 10 s of the simulator's time (0.1 s real) before it was forced: real seconds.
    const after = await scrape(app);
    const waited =
      after.sum(`${STEP}_sum`, { action: 'poweroff', outcome: 'escalated' }) -
      before.sum(`${STEP}_sum`, { action: 'poweroff', outcome: 'escalated' });
    expect(waited).toBeGreaterThanOrEqual(10 * SCALE * 0.9);
    expect(waited).toBeLessThan(10);
  });

  it('a shut down whose guest does not stop in time: one step timeout, the operation failed', async () => {
    const app = env.app;
    const [key] = keysIn(app, 'running', 1) as [number];
    await prepare(app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
    const before = await scrape(app);

    const op = await startOperation(app, { action: 'shutdown', vms: [key], timeoutS: 20 });
    expect(vmOf(await finished(app, op.id), key).state).toBe('failed');

    const m = moved(before, await scrape(app));
    expect(m.value('powerdeck_operation_step_timeouts_total', { action: 'poweroff' })).toBe(1);
    expect(m.count(STEP, { action: 'poweroff', outcome: 'timeout' })).toBe(1);
    expect(m.count(STEP, {})).toBe(1);
    expect(m.count(OPERATION, { action: 'shutdown', status: 'failed' })).toBe(1);
    expect(m.count(OPERATION, {})).toBe(1);
    expect(m.value('powerdeck_operation_escalations_total', { trigger: 'deadline' })).toBe(0);
  });

  it('"Force now" counts as an escalation by a person; a cancelled operation as cancelled', async () => {
    const app = env.app;
    const [a, b] = keysIn(app, 'running', 2) as [number, number];
    await prepare(app, env.sim, [
      { key: a, status: 'running', ignoresAcpi: true },
      { key: b, status: 'running', ignoresAcpi: true },
    ]);
    const before = await scrape(app);

    const op = await startOperation(app, { action: 'shutdown', vms: [a], forceAfterS: 600 });
    await until(app, op.id, (o) => vmOf(o, a).stepSent);
    const forced = await app.inject({
      method: 'POST',
      url: `/api/operations/${op.id}/vms/${a}/force`,
      headers: app.adminHeaders,
    });
    expect(forced.statusCode).toBe(200);
    await finished(app, op.id);

    const other = await startOperation(app, { action: 'shutdown', vms: [b], forceAfterS: 600 });
    await until(app, other.id, (o) => vmOf(o, b).stepSent);
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/operations/${other.id}/cancel`,
      headers: app.adminHeaders,
    });
    expect(cancelled.statusCode).toBe(200);

    const m = moved(before, await scrape(app));
    expect(m.value('powerdeck_operation_escalations_total', { trigger: 'force_now' })).toBe(1);
    expect(m.value('powerdeck_operation_escalations_total', { trigger: 'deadline' })).toBe(0);
    expect(m.count(OPERATION, { action: 'shutdown', status: 'finished' })).toBe(1);
    expect(m.count(OPERATION, { action: 'shutdown', status: 'cancelled' })).toBe(1);
    // The cancel itself is no VM's power action.
    expect(m.value('powerdeck_power_actions_total', { action: 'poweroff', outcome: 'accepted' })).toBe(2);
    expect(m.value('powerdeck_power_actions_total', { action: 'kill', outcome: 'accepted' })).toBe(1);
  });

  it("a schedule's run lands in the power actions and the operations like any other", async () => {
    const time = new TestTime();
    const app = await opsApp(env.sim, {
      schedules: { now: time.clock, timers: time.timers },
      metrics: { token: METRICS_TOKEN },
      closeAfterTest: true,
    });
    const [key] = keysIn(app, 'running', 1) as [number];
    await prepare(app, env.sim, [{ key, status: 'running', shutdownS: 1 }]);
    const before = await scrape(app);
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] } }));
    await time.advance(app, MONDAY_0600_BERLIN + 3_600_000);
    await app.scheduler.poke();
    const ops = [
      ...(await app.testStores.operations.listRunning()),
      ...(await app.testStores.operations.listRecent(20)),
    ];
    const op = ops.find((o) => o.schedule?.id === s.id);
    expect(op).toBeDefined();
    await finished(app, op!.id);

    const m = moved(before, await scrape(app));
    expect(m.value('powerdeck_power_actions_total', { action: 'poweroff', outcome: 'accepted' })).toBe(1);
    expect(m.count(OPERATION, { action: 'shutdown', status: 'finished' })).toBe(1);
    expect(m.count(STEP, { action: 'poweroff', outcome: 'done' })).toBe(1);
  });
});
