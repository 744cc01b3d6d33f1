// Operations survive a restart of the BFF: the new app resumes watching what was sent, sends what was not, and
// VergeOS receives each action once per VM. The crash window ("about to send" on disk, the request maybe sent, no
// answer recorded) is resumed by watching, never by sending again.
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SqliteStores } from '../src/stores/sqlite/open';
import type { OperationRecord } from '../src/stores/types';
import {
  actionsOf,
  finished,
  keysIn,
  opsApp,
  powerRows,
  prepare,
  SCALE,
  startOperation,
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

async function storesForTest(): Promise<SqliteStores> {
  const stores = await openTestStores();
  cleanups.push(() => stores.close());
  return stores;
}

async function appOn(stores: SqliteStores): Promise<TestApp> {
  const app = await opsApp(sim, { stores });
  cleanups.push(() => app.close());
  return app;
}

describe('a restart in the middle of an operation', () => {
  it('resumes: watches the VMs already sent to, sends the rest, and VergeOS gets each action once', async () => {
    const stores = await storesForTest();
    const first = await appOn(stores);
    const keys = keysIn(first, 'running', 3);
    // Slow guests (150 s, 1.5 s here) for the first two: they are still shutting down when the app closes.
    await prepare(first, sim, [
      { key: keys[0]!, status: 'running', shutdownS: 150 },
      { key: keys[1]!, status: 'running', shutdownS: 150 },
      { key: keys[2]!, status: 'running', shutdownS: 5 },
    ]);
    await clearSimStats(sim);

    const op = await startOperation(first, {
      action: 'shutdown',
      vms: keys,
      parallelism: 2,
      timeoutS: 600,
    });
    await vi.waitFor(async () => {
      const o = await first.operations.get(op.id);
      const sent = o!.vms.filter((v) => v.detail.startsWith('Shutting down'));
      expect(sent.map((v) => v.key)).toEqual(keys.slice(0, 2));
    }, WAIT);
    await first.close();

    // Closed while two VMs were being watched and one was waiting for its turn.
    const stored = (await stores.operations.get(op.id))!;
    expect(stored.status).toBe('running');
    expect(stored.vms.map((v) => [v.state, v.step, v.stepPhase])).toEqual([
      ['active', 'poweroff', 'sent'],
      ['active', 'poweroff', 'sent'],
      ['pending', null, null],
    ]);
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 2, accepted: { poweroff: 2 } });

    const second = await appOn(stores);
    const done = await finished(second, op.id);
    expect(done.status).toBe('finished');
    expect(done.vms.map((v) => [v.key, v.state, v.status])).toEqual(keys.map((k) => [k, 'done', 'stopped']));
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 3, accepted: { poweroff: 3 } });
    // One requested row per VM in the audit log, all with the operation's id.
    const requested = (await powerRows(second)).filter(
      (r) => r.operationId === op.id && r.outcome === 'requested',
    );
    expect(requested.map((r) => r.vmKey).sort()).toEqual([...keys].sort());
  });

  it('a step left "about to send" is watched, never sent again', async () => {
    const stores = await storesForTest();
    const probe = await appOn(stores);
    const [sentKey, lostKey] = keysIn(probe, 'running', 2) as [number, number];
    await prepare(probe, sim, [
      { key: sentKey, status: 'running', shutdownS: 5 },
      { key: lostKey, status: 'running', ignoresAcpi: true },
    ]);
    await probe.close();

    // A BFF recorded "about to send the shut down" for two VMs and stopped. The first request reached VergeOS
    // (sent here by hand); the second did not. Neither answer was recorded.
    const shutdown = await fetch(`${sim.url}/api/v4/vm_actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ vm: sentKey, action: 'poweroff' }),
    });
    expect(shutdown.status).toBe(201);
    await clearSimStats(sim);
    const now = Date.now();
    const requested = await stores.audit.append({
      kind: 'power',
      outcome: 'requested',
      actor: 'admin',
      role: 'admin',
      authKind: 'session',
      vmKey: lostKey,
      action: 'poweroff',
      operationId: '00000000-0000-4000-8000-000000000001',
    });
    const vm = (key: number, auditId: number | null): OperationRecord['vms'][number] => ({
      key,
      name: `vm ${key}`,
      state: 'active',
      step: 'poweroff',
      stepPhase: 'sending',
      stepAt: new Date(now).toISOString(),
      // forceAfterS 10 at time scale 0.01: 100 ms.
      deadline: new Date(now + 10 * 1000 * SCALE).toISOString(),
      escalated: false,
      forcedAfterS: null,
      detail: 'Sending the shut down to VergeOS',
      status: 'running',
      startedBefore: null,
      moved: false,
      auditId,
      tier: null,
    });
    await stores.operations.create({
      id: '00000000-0000-4000-8000-000000000001',
      action: 'shutdown',
      status: 'running',
      owner: 'admin',
      ownerRole: 'admin',
      ownerAuthKind: 'session',
      source: null,
      userAgent: null,
      requestId: null,
      createdAt: new Date(now).toISOString(),
      finishedAt: null,
      cancelledBy: null,
      forceAfterS: 10,
      timeoutS: 120,
      parallelism: 4,
      reason: null,
      vms: [vm(sentKey, null), vm(lostKey, requested.id)],
    });

    const app = await appOn(stores);
    const done = await finished(app, '00000000-0000-4000-8000-000000000001');
    // The one that got its shut down stopped by itself; the other was forced off at the deadline. No shut down was
    // sent again.
    expect(vmOf(done, sentKey)).toMatchObject({ state: 'done', escalated: false, status: 'stopped' });
    expect(vmOf(done, lostKey)).toMatchObject({
      state: 'done',
      escalated: true,
      step: 'kill',
      status: 'stopped',
    });
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 1, accepted: { kill: 1 } });
    // The unanswered request got its outcome: not known, not sent again.
    const outcome = (await powerRows(app)).find((r) => r.refId === requested.id);
    expect(outcome).toMatchObject({ outcome: 'timeout', vergeosStatus: null });
    expect(outcome!.vergeosMessage).toMatch(/not sent again/);
  });

  it('closing the app sends nothing more: an escalation due later is not sent after close', async () => {
    const stores = await storesForTest();
    const app = await appOn(stores);
    const [key] = keysIn(app, 'running', 1) as [number];
    await prepare(app, sim, [{ key, status: 'running', ignoresAcpi: true }]);
    await clearSimStats(sim);
    const op = await startOperation(app, { action: 'shutdown', vms: [key], forceAfterS: 10 });
    await vi.waitFor(async () => {
      const o = await app.operations.get(op.id);
      expect(vmOf(o!, key).detail).toMatch(/^Shutting down/);
    }, WAIT);
    await app.close();
    const deadline = (await stores.operations.get(op.id))!.vms[0]!.deadline!;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(deadline) + 300 - Date.now())));
    expect(actionsOf(await simStats(sim))).toEqual({ posts: 1, accepted: { poweroff: 1 } });
  });
});
