// A bulk operation over 60 VMs in mixed states: the report names what happened to each VM (done, skipped and why,
// failed and why), no more than `parallelism` VMs are ever acted on at once (counted from every update the engine
// publishes), and VMs that fail do not stop the others.
import type { Operation } from '@powerdeck/contracts/operations';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  finished,
  fleetVms,
  opsApp,
  putVm,
  SCALE,
  snapshotShows,
  startOperation,
  vmOf,
} from './operations-support';
import { clearSimStats, simStats, startSim, type TestApp } from './support';

let sim: Simulator;
let app: TestApp;

beforeAll(async () => {
  sim = await startSim({ timeScale: SCALE, vms: 70 });
  app = await opsApp(sim);
});
afterAll(async () => {
  await app.close();
  await sim.close();
});
afterEach(() => {
  sim.reset();
});

describe('a bulk shut down over 60 VMs in mixed states', () => {
  it('reports each VM, never runs more than the limit at once, and a failure does not stop the others', async () => {
    const keys = fleetVms(app)
      .map((v) => v.key)
      .slice(0, 60);
    expect(keys).toHaveLength(60);
    // 44 running (quick guests), 8 stopped, 4 hibernated, 2 in error; one running guest ignores the shut down; the
    // last running one will be hibernated behind Powerdeck's back before its turn comes (VergeOS answers 409).
    const plan = new Map<number, string>();
    keys.forEach((key, i) => {
      plan.set(
        key,
        i % 15 === 3
          ? 'hibernated'
          : i % 15 === 7 || i % 15 === 11
            ? 'stopped'
            : i === 29 || i === 44
              ? 'error'
              : 'running',
      );
    });
    const running = keys.filter((k) => plan.get(k) === 'running');
    const ignores = running[5]!;
    const hibernatedLater = running.at(-1)!;
    for (const key of keys) {
      const status = plan.get(key)!;
      await putVm(sim, key, {
        status,
        ...(status === 'running' ? { ignores_acpi: key === ignores, shutdown_seconds: 5 } : {}),
      });
    }
    await snapshotShows(app, plan);
    await clearSimStats(sim);

    let highWater = 0;
    let opId = '';
    const seen: Operation[] = [];
    const unsubscribe = app.operations.subscribe((op) => {
      if (opId !== '' && op.id !== opId) return;
      seen.push(op);
      highWater = Math.max(highWater, op.counts.active);
    });
    const unknown = 2_000_000;
    const op = await startOperation(app, {
      action: 'shutdown',
      vms: [...keys, unknown],
      parallelism: 4,
      timeoutS: 60,
    });
    opId = op.id;
    // Nothing is sent to the VMs the action does not apply to: they are skipped from the start.
    expect(op.counts).toMatchObject({ total: 61, skipped: 61 - running.length });
    await putVm(sim, hibernatedLater, { status: 'hibernated' });

    const done = await finished(app, op.id, { timeout: 30_000, interval: 50 });
    unsubscribe();
    expect(done.status).toBe('finished');

    for (const key of keys) {
      const vm = vmOf(done, key);
      const status = plan.get(key)!;
      if (status === 'stopped')
        expect(vm).toMatchObject({ state: 'skipped', detail: 'Skipped: already stopped' });
      else if (status === 'hibernated') {
        expect(vm).toMatchObject({ state: 'skipped', detail: 'Skipped: already hibernated' });
      } else if (status === 'error') {
        expect(vm).toMatchObject({
          state: 'skipped',
          detail: 'Skipped: cannot shut down a VM that is error',
        });
      } else if (key === ignores) {
        expect(vm).toMatchObject({ state: 'failed', detail: 'Did not stop within 60 s (still running)' });
      } else if (key === hibernatedLater) {
        expect(vm.state).toBe('failed');
        expect(vm.detail).toMatch(/^VergeOS refused the shut down: .*hibernated/);
      } else {
        expect(vm).toMatchObject({ state: 'done', status: 'stopped' });
        expect(vm.detail).toMatch(/^Stopped after \d+ s$/);
      }
      expect(vm.step === null).toBe(status !== 'running');
    }
    expect(vmOf(done, unknown)).toMatchObject({ state: 'skipped', detail: 'Skipped: not found' });
    expect(done.counts).toEqual({
      total: 61,
      pending: 0,
      active: 0,
      done: running.length - 2,
      skipped: 61 - running.length,
      failed: 2,
      cancelled: 0,
    });

    // One shut down per running VM, and nothing else.
    expect(actionsOf(await simStats(sim))).toEqual({
      posts: running.length,
      accepted: { poweroff: running.length - 1 },
    });
    // Never more than 4 at once, and the limit was used. (The engine publishes the operation after every change,
    // coalesced per event-loop turn; a VM stays active for at least one fleet poll, far longer than a turn.)
    expect(seen.length).toBeGreaterThan(10);
    expect(highWater).toBe(4);
    expect(seen.every((o) => o.counts.active <= 4)).toBe(true);
  });

  it('with parallelism 1, one VM at a time', async () => {
    const keys = fleetVms(app)
      .map((v) => v.key)
      .slice(0, 6);
    for (const key of keys) await putVm(sim, key, { status: 'stopped' });
    await snapshotShows(app, new Map(keys.map((k) => [k, 'stopped'])));
    let highWater = 0;
    const unsubscribe = app.operations.subscribe((op) => {
      highWater = Math.max(highWater, op.counts.active);
    });
    const op = await startOperation(app, { action: 'start', vms: keys, parallelism: 1 });
    const done = await finished(app, op.id);
    unsubscribe();
    expect(done.counts.done).toBe(6);
    expect(highWater).toBe(1);
  });
});
