// Plan runs in the operation engine, against a real simulator (time scale 0.01): tiers taken in order (reverse to
// shut down), a tier's failure stopping the plan or not, escalation per tier at the tier's timeout, a tier's delay,
// and a restart in the middle of a tier. What reached "VergeOS" is read from /__sim/stats and the audit log.
import type { Operation } from '@powerdeck/contracts/operations';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Requester } from '../src/audit-fields';
import type { SqliteStores } from '../src/stores/sqlite/open';
import type { PlanRunTierSettings } from '../src/stores/types';
import {
  actionsOf,
  finished,
  keysIn,
  opsApp,
  powerRows,
  prepare,
  putVm,
  SCALE,
  vmOf,
  WAIT,
} from './operations-support';
import { clearSimStats, openTestStores, simStats, startSim, type TestApp } from './support';

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

async function appOn(stores?: SqliteStores): Promise<TestApp> {
  const app = await opsApp(sim, stores ? { stores } : {});
  cleanups.push(() => app.close());
  return app;
}

const admin: Requester = {
  actor: 'admin',
  role: 'admin',
  authKind: 'session',
  source: '127.0.0.1',
  userAgent: null,
  requestId: 'plan-test',
};

function tier(name: string, over: Partial<PlanRunTierSettings> = {}): PlanRunTierSettings {
  return {
    name,
    upWhen: 'running',
    timeoutS: 60,
    delayAfterS: 0,
    onFailure: 'stop',
    escalate: false,
    ...over,
  };
}

/** Runs a plan whose tiers are `groups` (keys per tier, plan order). */
function runPlan(
  app: TestApp,
  direction: 'start' | 'shutdown',
  groups: readonly (readonly number[])[],
  settings: readonly PlanRunTierSettings[],
): Promise<Operation> {
  return app.operations.create(
    {
      action: direction,
      vms: groups.flat(),
      forceAfterS: null,
      reason: 'plan test',
      plan: {
        id: 'plan-1',
        name: 'Site A',
        tiers: settings,
        vmTiers: groups.flatMap((g, t) => g.map(() => t)),
      },
    },
    admin,
  );
}

/** The keys of each power action's `requested` rows of an operation, in the order they were written. */
async function sent(app: TestApp, operationId: string): Promise<[string, number][]> {
  return (await powerRows(app))
    .filter((r) => r.operationId === operationId && r.outcome === 'requested')
    .map((r) => [r.action ?? '', r.vmKey ?? 0]);
}

describe('a plan run starting three tiers', () => {
  async function threeStopped(app: TestApp): Promise<number[][]> {
    const keys = keysIn(app, 'running', 6);
    await prepare(
      app,
      sim,
      keys.map((key) => ({ key, status: 'stopped' })),
    );
    return [keys.slice(0, 2), keys.slice(2, 4), keys.slice(4, 6)];
  }

  it('with "stop the plan", a tier-2 VM failing to start means tier 3 is never sent anything', async () => {
    const app = await appOn();
    const [t1, t2, t3] = (await threeStopped(app)) as [number[], number[], number[]];
    await putVm(sim, t2[1]!, { start_failure: 'disk0 could not be attached' });
    await clearSimStats(sim);

    const op = await runPlan(app, 'start', [t1, t2, t3], [tier('DCs'), tier('Databases'), tier('Web')]);
    expect(op.plan).toMatchObject({ id: 'plan-1', name: 'Site A', direction: 'start' });
    const done = await finished(app, op.id);

    expect(done.status).toBe('finished');
    expect(done.plan!.tiers.map((t) => t.state)).toEqual(['done', 'failed', 'notRun']);
    const failedVm = vmOf(done, t2[1]!);
    expect(failedVm.state).toBe('failed');
    expect(failedVm.detail).toContain('disk0 could not be attached');
    expect(done.plan!.tiers[1]!.detail).toContain(`${failedVm.name} failed`);
    expect(done.plan!.tiers[1]!.detail).toContain('The plan stopped here');
    expect(done.plan!.tiers[2]!.detail).toBe('Not run: the plan stopped at tier 2 (Databases)');
    for (const key of t3) {
      expect(vmOf(done, key)).toMatchObject({ state: 'cancelled', step: null, tier: 2 });
    }
    // VergeOS got the four starts of tiers 1 and 2, tier 1's before tier 2's, and nothing for tier 3.
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 4, accepted: { poweron: 4 } });
    const order = await sent(app, op.id);
    expect(
      order
        .map(([, k]) => k)
        .slice(0, 2)
        .sort(),
    ).toEqual([...t1].sort());
    expect(
      order
        .map(([, k]) => k)
        .slice(2)
        .sort(),
    ).toEqual([...t2].sort());
    // Tier 2 started once tier 1 was up.
    expect(Date.parse(done.plan!.tiers[1]!.startedAt!)).toBeGreaterThanOrEqual(
      Date.parse(done.plan!.tiers[0]!.endedAt!),
    );
  });

  it('with "go on", tier 3 is started and the report says why tier 2 is partial', async () => {
    const app = await appOn();
    const [t1, t2, t3] = (await threeStopped(app)) as [number[], number[], number[]];
    await putVm(sim, t2[0]!, { start_failure: 'disk0 could not be attached' });
    await clearSimStats(sim);

    const op = await runPlan(
      app,
      'start',
      [t1, t2, t3],
      [tier('DCs'), tier('Databases', { onFailure: 'continue' }), tier('Web')],
    );
    const done = await finished(app, op.id);

    expect(done.plan!.tiers.map((t) => t.state)).toEqual(['done', 'partial', 'done']);
    const name = vmOf(done, t2[0]!).name;
    expect(done.plan!.tiers[1]!.detail).toMatch(
      new RegExp(
        `^1 of 2 VMs up; ${name} failed \\(VergeOS reports an error after the start: disk0 could not`,
      ),
    );
    expect(done.plan!.tiers[1]!.detail).toContain('The plan went on (the tier says go on)');
    for (const key of t3) expect(vmOf(done, key)).toMatchObject({ state: 'done', status: 'running' });
    expect(done.counts).toMatchObject({ total: 6, done: 5, failed: 1 });
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 6, accepted: { poweron: 6 } });
    const order = await sent(app, op.id);
    expect(
      order
        .map(([, k]) => k)
        .slice(4)
        .sort(),
    ).toEqual([...t3].sort());
  });

  it('a VM already running is skipped, and a tier with nothing to do passes at once', async () => {
    const app = await appOn();
    const [t1, t2] = (await threeStopped(app)) as [number[], number[]];
    await prepare(
      app,
      sim,
      t1.map((key) => ({ key, status: 'running' })),
    );
    await clearSimStats(sim);
    const op = await runPlan(app, 'start', [t1, t2], [tier('DCs', { delayAfterS: 600 }), tier('Databases')]);
    const done = await finished(app, op.id);
    expect(done.plan!.tiers.map((t) => [t.state, t.detail])).toEqual([
      ['done', 'Nothing to do: 2 VMs already running or skipped'],
      ['done', '2 of 2 VMs up'],
    ]);
    expect(vmOf(done, t1[0]!).detail).toBe('Skipped: already running');
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 2, accepted: { poweron: 2 } });
  });

  it("waits a tier's delay before the next tier, and shows it", async () => {
    const app = await appOn();
    const [t1, t2] = (await threeStopped(app)) as [number[], number[]];
    // 100 s at time scale 0.01: one second.
    const op = await runPlan(app, 'start', [t1, t2], [tier('DCs', { delayAfterS: 100 }), tier('Databases')]);
    let during: Operation | null = null;
    await vi.waitFor(async () => {
      during = (await app.operations.get(op.id))!;
      expect(during.plan!.tiers[0]!.state).toBe('delay');
    }, WAIT);
    expect(during!.plan!.tiers[0]!.detail).toBe('2 of 2 VMs up. Waiting 100 s before the next tier');
    expect(during!.plan!.tiers[1]!.state).toBe('waiting');
    expect(during!.vms.filter((v) => v.tier === 1).map((v) => v.state)).toEqual(['pending', 'pending']);
    const done = await finished(app, op.id);
    const gap = Date.parse(done.plan!.tiers[1]!.startedAt!) - Date.parse(done.plan!.tiers[0]!.endedAt!);
    expect(gap).toBeGreaterThanOrEqual(100 * 1000 * SCALE);
    expect(done.plan!.tiers.map((t) => t.state)).toEqual(['done', 'done']);
  });
});

describe('a plan run shutting down', () => {
  it('goes in reverse order; a guest ignoring ACPI is forced off at its tier timeout, and only then the next tier', async () => {
    const app = await appOn();
    const keys = keysIn(app, 'running', 5);
    const [a, b, c, d, e] = keys as [number, number, number, number, number];
    await prepare(app, sim, [
      { key: a, status: 'running', shutdownS: 5 },
      { key: b, status: 'running', shutdownS: 5 },
      { key: c, status: 'running', shutdownS: 5 },
      { key: d, status: 'running', shutdownS: 5 },
      { key: e, status: 'running', ignoresAcpi: true },
    ]);
    await clearSimStats(sim);

    // Tier 3 (d, e) goes first; e ignores ACPI and is forced off at 30 s (0.3 s here).
    const op = await runPlan(
      app,
      'shutdown',
      [[a], [b, c], [d, e]],
      [tier('DCs'), tier('Databases'), tier('Web', { timeoutS: 30, escalate: true })],
    );
    expect(op.vms.map((v) => v.key)).toEqual([d, e, b, c, a]);
    const done = await finished(app, op.id);

    expect(done.plan!.tiers.map((t) => t.state)).toEqual(['done', 'done', 'done']);
    expect(vmOf(done, e)).toMatchObject({ state: 'done', step: 'kill', escalated: true });
    expect(vmOf(done, e).detail).toBe('Forced off after 30 s');
    for (const key of keys) expect(vmOf(done, key).status).toBe('stopped');
    const order = await sent(app, op.id);
    expect(
      order
        .slice(0, 3)
        .map(([action, key]) => `${action}:${key}`)
        .sort(),
    ).toEqual([`poweroff:${d}`, `poweroff:${e}`, `kill:${e}`].sort());
    expect(
      order
        .slice(3, 5)
        .map(([action, k]) => `${action}:${k}`)
        .sort(),
    ).toEqual([`poweroff:${b}`, `poweroff:${c}`].sort());
    expect(order.slice(5)).toEqual([['poweroff', a]]);
    // Tier 2's first shut down went out after the force off at tier 3's timeout, once tier 3 had ended.
    const t3 = done.plan!.tiers[2]!;
    const tier2First = Math.min(...[vmOf(done, b).stepAt, vmOf(done, c).stepAt].map((s) => Date.parse(s!)));
    expect(tier2First).toBeGreaterThanOrEqual(Date.parse(t3.endedAt!));
    // Tier 3 ended no earlier than its timeout after its shut downs went out.
    expect(Date.parse(t3.endedAt!) - Date.parse(t3.startedAt!)).toBeGreaterThanOrEqual(30 * 1000 * SCALE);
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 6, accepted: { poweroff: 5, kill: 1 } });
  });

  it('without escalation, the guest ignoring ACPI fails at the timeout and "stop" keeps the lower tiers running', async () => {
    const app = await appOn();
    const [a, e] = keysIn(app, 'running', 2) as [number, number];
    await prepare(app, sim, [
      { key: a, status: 'running', shutdownS: 5 },
      { key: e, status: 'running', ignoresAcpi: true },
    ]);
    const op = await runPlan(app, 'shutdown', [[a], [e]], [tier('DCs'), tier('Web', { timeoutS: 20 })]);
    const done = await finished(app, op.id);
    expect(done.plan!.tiers.map((t) => t.state)).toEqual(['notRun', 'failed']);
    expect(vmOf(done, e)).toMatchObject({ state: 'failed', step: 'poweroff' });
    expect(vmOf(done, e).detail).toBe('Did not stop within 20 s (still running)');
    expect(vmOf(done, a)).toMatchObject({ state: 'cancelled', status: 'running' });
  });
});

describe('a plan run and a restart', () => {
  it('resumes in the middle of tier 2: VergeOS gets each action once, tier 1 after tier 2', async () => {
    const stores = await openTestStores();
    cleanups.push(() => stores.close());
    const first = await appOn(stores);
    const [a, b, c, d] = keysIn(first, 'running', 4) as [number, number, number, number];
    // Tier 2 (b, c) shuts down one at a time, each guest taking 150 s (1.5 s here).
    await prepare(first, sim, [
      { key: a, status: 'running', shutdownS: 5 },
      { key: b, status: 'running', shutdownS: 150 },
      { key: c, status: 'running', shutdownS: 150 },
      { key: d, status: 'running', shutdownS: 5 },
    ]);
    await clearSimStats(sim);
    const op = await first.operations.create(
      {
        action: 'shutdown',
        vms: [a, b, c, d],
        forceAfterS: null,
        reason: null,
        parallelism: 1,
        plan: {
          id: 'plan-1',
          name: 'Site A',
          tiers: [tier('DCs'), tier('Databases', { timeoutS: 600 }), tier('Web')],
          vmTiers: [0, 1, 1, 2],
        },
      },
      admin,
    );
    await vi.waitFor(async () => {
      const o = (await first.operations.get(op.id))!;
      expect(vmOf(o, b).detail).toMatch(/^Shutting down/);
    }, WAIT);
    await first.close();

    const stored = (await stores.operations.get(op.id))!;
    expect(stored.plan!.tiers.map((t) => t.state)).toEqual(['waiting', 'active', 'done']);
    expect(stored.vms.map((v) => [v.key, v.state])).toEqual([
      [d, 'done'],
      [b, 'active'],
      [c, 'pending'],
      [a, 'pending'],
    ]);

    const second = await appOn(stores);
    const done = await finished(second, op.id, { timeout: 15_000, interval: 50 });
    expect(done.plan!.tiers.map((t) => t.state)).toEqual(['done', 'done', 'done']);
    for (const key of [a, b, c, d])
      expect(vmOf(done, key)).toMatchObject({ state: 'done', status: 'stopped' });
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 4, accepted: { poweroff: 4 } });
    expect((await sent(second, op.id)).map(([, k]) => k)).toEqual([d, b, c, a]);
  });
});

describe('one run of a plan at a time', () => {
  it('a second run of a running plan is refused, naming the run', async () => {
    const app = await appOn();
    const [a] = keysIn(app, 'running', 1) as [number];
    await prepare(app, sim, [{ key: a, status: 'running', shutdownS: 150 }]);
    const op = await runPlan(app, 'shutdown', [[a]], [tier('All', { timeoutS: 600 })]);
    await expect(runPlan(app, 'shutdown', [[a]], [tier('All')])).rejects.toThrow(
      `The plan "Site A" is already running (operation ${op.id})`,
    );
    await app.operations.cancel(op.id, admin);
    const cancelled = (await app.operations.get(op.id))!;
    expect(cancelled.plan!.tiers[0]!.state).toBe('cancelled');
  });
});
