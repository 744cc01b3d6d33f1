// The operation engine against a real simulator (time scale 0.01 for the simulator and the engine's waits): a
// graceful shut down that escalates to a force off at its deadline, cancelled before it, forced at once; reboots and
// starts watched until the VM runs again; failures and timeouts in words. Each check reads what reached "VergeOS"
// (/__sim/stats) and what the audit log recorded.
import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  finished,
  keysIn,
  opsApp,
  powerRows,
  prepare,
  putVm,
  SCALE,
  setScenario,
  startOperation,
  until,
  vmOf,
} from './operations-support';
import { clearSimStats, simStats, useSimApp } from './support';

const env = useSimApp({ sim: { timeScale: SCALE }, resetSim: true, build: (sim) => opsApp(sim) });

/** Waits past a moment (an ISO time), to show that nothing happens at it. */
async function pastMoment(iso: string, marginMs = 300): Promise<void> {
  const wait = Date.parse(iso) + marginMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe('an escalating shut down', () => {
  it('forces off a guest that ignores ACPI at the deadline: one poweroff, one kill, audited with the operation id', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
    await clearSimStats(env.sim);

    const op = await startOperation(env.app, { action: 'shutdown', vms: [key], forceAfterS: 10 });
    expect(op.status).toBe('running');
    expect(op.forceAfterS).toBe(10);
    const done = await finished(env.app, op.id);

    expect(done.status).toBe('finished');
    const vm = vmOf(done, key);
    expect(vm).toMatchObject({ state: 'done', step: 'kill', escalated: true, status: 'stopped' });
    expect(vm.detail).toBe('Forced off after 10 s');
    expect(done.counts).toMatchObject({ total: 1, done: 1, failed: 0 });

    const stats = await simStats(env.sim);
    expect(actionsOf(stats)).toEqual({ posts: 2, accepted: { poweroff: 1, kill: 1 } });
    const rows = (await powerRows(env.app)).filter((r) => r.operationId === op.id);
    expect(rows.map((r) => [r.action, r.outcome, r.vmKey])).toEqual([
      ['poweroff', 'requested', key],
      ['poweroff', 'accepted', key],
      ['kill', 'requested', key],
      ['kill', 'accepted', key],
    ]);
    expect(rows[1]!.refId).toBe(rows[0]!.id);
    expect(rows[3]!.refId).toBe(rows[2]!.id);
    expect(rows.every((r) => r.actor === 'admin' && r.vergeosStatus !== 0)).toBe(true);
    // VergeOS got each step with the request id of its audit records (that of the request that made the operation).
    const posts = stats.log.filter((e) => e.method === 'POST' && e.route === '/api/v4/vm_actions');
    expect(rows[0]!.requestId).toEqual(expect.any(String));
    expect(posts.map((p) => p.requestId)).toEqual([rows[0]!.requestId, rows[2]!.requestId]);
  });

  it('a guest that stopped by itself just before the force off is done, not failed (the snapshot was a poll behind)', async () => {
    // A poller that polls once after the accepted shut down (the guest is still stopping then) and not again.
    const slow = await opsApp(env.sim, {
      config: { poll: { intervalMs: 600_000, fastIntervalMs: 600_000, fastWindowMs: 0 } },
    });
    try {
      const [key] = keysIn(slow, 'running', 1) as [number];
      // The guest stops after 200 s (2 s scaled): long after the one poll that follows the accepted shut down,
      // even on a loaded machine; the force off is due after 400 s (4 s scaled), when it has stopped.
      await putVm(env.sim, key, { status: 'running', ignores_acpi: false, shutdown_seconds: 200 });
      await clearSimStats(env.sim);
      const op = await startOperation(slow, { action: 'shutdown', vms: [key], forceAfterS: 400 });
      const done = await finished(slow, op.id, { timeout: 15_000, interval: 50 });
      const vm = vmOf(done, key);
      expect(vm.state).toBe('done');
      expect(vm.detail).toMatch(/^Stopped by itself before the force off \(VergeOS: /);
      // The kill was sent once and refused (409): nothing was sent again.
      const stats = await simStats(env.sim);
      expect(stats.requests['POST /api/v4/vm_actions']).toBe(2);
      expect(stats.actions).toEqual({ poweroff: 1 });
    } finally {
      await slow.close();
    }
  });

  it('a guest that shuts down in time is not forced off', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', shutdownS: 10 }]);
    await clearSimStats(env.sim);

    // The guest takes 10 s; the force off would come at 300 s (3 s here: room for a loaded machine's polls).
    const op = await startOperation(env.app, { action: 'shutdown', vms: [key], forceAfterS: 300 });
    const done = await finished(env.app, op.id);
    const vm = vmOf(done, key);
    expect(vm).toMatchObject({ state: 'done', step: 'poweroff', escalated: false, status: 'stopped' });
    expect(vm.detail).toMatch(/^Stopped after \d+ s$/);
    expect(actionsOf(await simStats(env.sim))).toEqual({ posts: 1, accepted: { poweroff: 1 } });
  });

  it('cancelled before its deadline: no kill is sent, the operation ends cancelled', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
    await clearSimStats(env.sim);

    // The force-off moment is 30 s away (0.3 s here).
    const op = await startOperation(env.app, { action: 'shutdown', vms: [key], forceAfterS: 30 });
    const sent = await until(env.app, op.id, (o) => vmOf(o, key).detail.startsWith('Shutting down'));
    const deadline = vmOf(sent, key).deadline!;
    const res = await env.app.inject({
      method: 'POST',
      url: `/api/operations/${op.id}/cancel`,
      headers: env.app.adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', cancelledBy: 'admin' });

    await pastMoment(deadline);
    const after = await finished(env.app, op.id);
    expect(after.status).toBe('cancelled');
    expect(vmOf(after, key)).toMatchObject({ state: 'cancelled', escalated: false, step: 'poweroff' });
    expect(vmOf(after, key).detail).toMatch(/Cancelled after the shut down was sent/);
    expect(actionsOf(await simStats(env.sim))).toEqual({ posts: 1, accepted: { poweroff: 1 } });
    // The cancel is on record too.
    const rows = (await powerRows(env.app)).filter((r) => r.operationId === op.id);
    expect(rows.map((r) => `${r.action} ${r.outcome}`)).toEqual([
      'poweroff requested',
      'poweroff accepted',
      'operation:cancel accepted',
    ]);
  });

  it('"Force now" sends the kill at once, long before the deadline', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
    await clearSimStats(env.sim);

    // The force-off moment is 1800 s away (18 s here): only "Force now" can end this within the wait below.
    const op = await startOperation(env.app, { action: 'shutdown', vms: [key], forceAfterS: 1800 });
    // What a browser waits for before it offers "Force now": the shut down has reached VergeOS.
    const waiting = await until(env.app, op.id, (o) => vmOf(o, key).stepSent);
    expect(vmOf(waiting, key)).toMatchObject({ step: 'poweroff', stepSent: true, escalated: false });
    expect(vmOf(waiting, key).detail).toMatch(/^Shutting down/);
    const res = await env.app.inject({
      method: 'POST',
      url: `/api/operations/${op.id}/vms/${key}/force`,
      headers: env.app.adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    expect(vmOf(res.json(), key)).toMatchObject({ step: 'kill', escalated: true });

    const done = await finished(env.app, op.id, { timeout: 5_000, interval: 20 });
    expect(vmOf(done, key)).toMatchObject({ state: 'done', escalated: true, status: 'stopped' });
    expect(vmOf(done, key).detail).toMatch(/^Forced off after \d+ s$/);
    expect(actionsOf(await simStats(env.sim))).toEqual({ posts: 2, accepted: { poweroff: 1, kill: 1 } });

    // Once done there is nothing left to force.
    const again = await env.app.inject({
      method: 'POST',
      url: `/api/operations/${op.id}/vms/${key}/force`,
      headers: env.app.adminHeaders,
    });
    expect(again.statusCode).toBe(409);
  });

  it('without escalation, a guest that ignores ACPI fails with "did not stop within N s" and is never killed', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
    await clearSimStats(env.sim);

    const op = await startOperation(env.app, { action: 'shutdown', vms: [key], timeoutS: 20 });
    const done = await finished(env.app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'failed', escalated: false, status: 'running' });
    expect(vmOf(done, key).detail).toBe('Did not stop within 20 s (still running)');
    expect(actionsOf(await simStats(env.sim))).toEqual({ posts: 1, accepted: { poweroff: 1 } });

    // "Force now" is only for an escalating shut down.
    const force = await env.app.inject({
      method: 'POST',
      url: `/api/operations/${op.id}/vms/${key}/force`,
      headers: env.app.adminHeaders,
    });
    expect(force.statusCode).toBe(409);
  });
});

describe('watched reboots and starts', () => {
  it('a reboot is done once the VM runs again (after going through another status)', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', shutdownS: 20 }]);
    await clearSimStats(env.sim);

    const op = await startOperation(env.app, { action: 'reboot', vms: [key] });
    const done = await finished(env.app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'done', step: 'reboot', status: 'running' });
    expect(vmOf(done, key).detail).toMatch(/^Running again after \d+ s$/);
    const stats = await simStats(env.sim);
    expect(actionsOf(stats)).toEqual({ posts: 1, accepted: { reset: 1 } });
    const rows = (await powerRows(env.app)).filter((r) => r.operationId === op.id);
    expect(rows[0]).toMatchObject({ action: 'reset', outcome: 'requested', params: '{"graceful":true}' });
  });

  it('a reboot the guest ignores fails at its timeout, saying so', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);

    const op = await startOperation(env.app, { action: 'reboot', vms: [key], timeoutS: 15 });
    const done = await finished(env.app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'failed', status: 'running' });
    expect(vmOf(done, key).detail).toBe(
      'Did not restart within 15 s (still running; the guest may ignore the reboot request)',
    );
  });

  it('a start is done once the VM runs', async () => {
    const [key] = keysIn(env.app, 'stopped', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'stopped' }]);
    await clearSimStats(env.sim);

    const op = await startOperation(env.app, { action: 'start', vms: [key] });
    const done = await finished(env.app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'done', step: 'poweron', status: 'running' });
    expect(vmOf(done, key).detail).toMatch(/^Running after \d+ s$/);
    expect(actionsOf(await simStats(env.sim))).toEqual({ posts: 1, accepted: { poweron: 1 } });
  });

  it('a start that VergeOS accepts and then fails is reported with its status_info', async () => {
    const [key] = keysIn(env.app, 'stopped', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'stopped' }]);
    await setScenario(env.sim, 'start-fails');

    const op = await startOperation(env.app, { action: 'start', vms: [key] });
    const done = await finished(env.app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'failed', status: 'error' });
    expect(vmOf(done, key).detail).toMatch(
      /^VergeOS reports an error after the start: Error starting machine: drive 'disk0' could not be attached/,
    );
  });

  it("a step VergeOS refuses fails that VM with VergeOS's message", async () => {
    const [key] = keysIn(env.app, 'stopped', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'stopped' }]);
    await setScenario(env.sim, 'no-capacity');

    const op = await startOperation(env.app, { action: 'start', vms: [key] });
    const done = await finished(env.app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'failed', step: 'poweron' });
    expect(vmOf(done, key).detail).toMatch(
      /^VergeOS refused the start: Error starting machine: Insufficient resources/,
    );
    const rows = (await powerRows(env.app)).filter((r) => r.operationId === op.id);
    expect(rows.map((r) => [r.outcome, r.vergeosStatus])).toEqual([
      ['requested', null],
      ['failed', 507],
    ]);
  });

  it('a force off stops a running VM', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
    await clearSimStats(env.sim);

    const op = await startOperation(env.app, { action: 'forceOff', vms: [key] });
    const done = await finished(env.app, op.id);
    expect(vmOf(done, key)).toMatchObject({ state: 'done', step: 'kill', status: 'stopped' });
    expect(actionsOf(await simStats(env.sim))).toEqual({ posts: 1, accepted: { kill: 1 } });
  });
});
