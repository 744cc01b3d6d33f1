// The operations event stream: every browser sees each operation's progress (real HTTP on 127.0.0.1), and the
// stream ends when its credential no longer holds.
import type { Operation } from '@powerdeck/contracts/operations';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { keysIn, opsApp, prepare, SCALE, startOperation, WAIT } from './operations-support';
import { openStream, signIn, startSim, type AuthHeaders, type TestApp } from './support';

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

async function listening(): Promise<TestApp> {
  const app = await opsApp(sim, { heartbeatMs: 50 });
  cleanups.push(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

interface Client {
  status: number;
  operations: () => Operation[];
  heartbeats: () => number;
  ended: () => boolean;
}

async function connect(app: TestApp, headers: AuthHeaders): Promise<Client> {
  const stream = await openStream(app, '/api/operations/events', headers);
  cleanups.push(() => stream.req.destroy());
  return {
    status: stream.status,
    operations: () =>
      stream
        .text()
        .split('\n\n')
        .filter((block) => block.includes('event: operation\n'))
        .map(
          (block) =>
            JSON.parse(
              block
                .split('\n')
                .find((l) => l.startsWith('data: '))!
                .slice(6),
            ) as Operation,
        ),
    heartbeats: () =>
      stream
        .text()
        .split('\n')
        .filter((l) => l === ': heartbeat').length,
    ended: stream.ended,
  };
}

describe('GET /api/operations/events', () => {
  it("streams an operation's progress to every subscriber, from start to finish", async () => {
    const app = await listening();
    const keys = keysIn(app, 'running', 3);
    await prepare(
      app,
      sim,
      keys.map((key) => ({ key, status: 'running', shutdownS: 10 })),
    );
    const viewer = await connect(app, await signIn(app, 'viewer'));
    const admin = await connect(app, app.adminHeaders);
    expect(viewer.status).toBe(200);

    const op = await startOperation(app, { action: 'shutdown', vms: keys, parallelism: 1 });
    for (const client of [viewer, admin]) {
      await vi.waitFor(() => {
        const last = client
          .operations()
          .filter((o) => o.id === op.id)
          .at(-1);
        expect(last?.status).toBe('finished');
      }, WAIT);
      const mine = client.operations().filter((o) => o.id === op.id);
      // Progress, not just the end: VMs were seen active one at a time, and done one after another.
      expect(mine.some((o) => o.counts.active === 1 && o.counts.pending > 0)).toBe(true);
      expect(mine.at(-1)!.counts).toMatchObject({ done: 3, active: 0 });
      expect(Object.keys(mine[0]!).sort()).toEqual(Object.keys(op).sort());
    }
  });

  it('sends the running operations when a stream opens', async () => {
    const app = await listening();
    const [key] = keysIn(app, 'running', 1) as [number];
    await prepare(app, sim, [{ key, status: 'running', ignoresAcpi: true }]);
    const op = await startOperation(app, { action: 'shutdown', vms: [key], timeoutS: 1800 });
    const late = await connect(app, app.adminHeaders);
    await vi.waitFor(() => expect(late.operations().map((o) => o.id)).toContain(op.id), WAIT);
  });

  it('ends when the credential no longer holds (signed out), and refuses to open without one', async () => {
    const app = await listening();
    const headers = await signIn(app, 'viewer');
    const client = await connect(app, headers);
    expect(client.status).toBe(200);
    // Open across several checks of its credential (every 50 ms here)...
    await vi.waitFor(() => expect(client.heartbeats()).toBeGreaterThanOrEqual(3), WAIT);
    expect(client.ended()).toBe(false);
    // ...and ended soon after the person signs out.
    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers });
    expect(out.statusCode).toBe(204);
    await vi.waitFor(() => expect(client.ended()).toBe(true), WAIT);

    const anonymous = await connect(app, {});
    expect(anonymous.status).toBe(401);
  });
});
