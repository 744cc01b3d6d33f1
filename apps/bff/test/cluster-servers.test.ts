// Several Powerdeck servers on one PostgreSQL database (issue 17), in one process: three real apps, each with its
// own pool, event connection and lease, against one simulator (time scale 0.01). One leads; only it polls VergeOS;
// every server serves the same snapshot (same ETag) and the same operations; a person signed in through one server
// is signed in on all, and signing out ends it everywhere; an operation asked of a server that does not lead is run
// once by the leader; when the leader closes, another takes over and the fleet stays live.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { Operation } from '@powerdeck/contracts/operations';
import type { Simulator } from '@powerdeck/vergeos-sim';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type { AppOptions } from '../src/app';
import { pruneRateWindows } from '../src/cluster/rate-windows';
import { putVm, SCALE } from './operations-support';
import { clusterDatabase, clusterServer, leaders, type Server } from './cluster-support';
import { signIn, startTestSim } from './support';

const WAIT = { timeout: 15_000, interval: 25 };
/** `n` servers on a fresh database with a viewer, a helpdesk and an admin. */
async function cluster(
  sim: Simulator,
  n: number,
  extra: Partial<AppOptions> = {},
): Promise<{ url: string; servers: Server[] }> {
  const { url, dir } = await clusterDatabase();
  const servers: Server[] = [];
  for (let i = 1; i <= n; i++) servers.push(await clusterServer(sim, url, dir, `pd-${i}`, extra));
  return { url, servers };
}

async function etagOf(app: FastifyInstance, headers: Record<string, string>): Promise<string | undefined> {
  const res = await app.inject({ method: 'GET', url: '/api/fleet', headers });
  expect(res.statusCode).toBe(200);
  return res.headers.etag;
}

// Each test starts two or three servers on a fresh database and waits up to WAIT: more than Vitest's 5 s default.
describe('several servers on one PostgreSQL database', { timeout: 30_000 }, () => {
  it('one leads and polls; all serve the same fleet; a session holds on every server and ends everywhere', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { servers } = await cluster(sim, 3);
    await vi.waitFor(() => expect(leaders(servers)).toHaveLength(1), WAIT);
    const [leader] = leaders(servers) as [Server];

    // Sign in through one server that does not lead; the cookie works on the other two.
    const follower = servers.find((s) => s !== leader)!;
    const headers = await signIn(follower.app, 'admin');
    await vi.waitFor(async () => {
      const tags = await Promise.all(servers.map((s) => etagOf(s.app, headers)));
      expect(tags[0]).toBeDefined();
      expect(new Set(tags).size).toBe(1);
      expect(servers[0]!.app.fleet.current().snapshot.fetchedAt).not.toBeNull();
    }, WAIT);

    // Each server says who it is, on every answer and in /readyz (ready: the database answers, a server leads).
    for (const s of servers) {
      const ready = await s.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({
        status: 'ready',
        server: s.name,
        role: s === leader ? 'leader' : 'follower',
      });
      expect(ready.headers['x-powerdeck-server']).toBe(s.name);
    }

    // Only the leader polls VergeOS. The fleet is at rest (nothing changing, no action lately), so one poller asks
    // for the VM list every 200 ms: at most 7 times in a second (5, the one in flight, one of slack); three
    // pollers would ask some 15 times.
    await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });
    await new Promise((r) => setTimeout(r, 1000));
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as {
      requests: Record<string, number>;
    };
    const vmLists = stats.requests['GET /api/v4/vms'] ?? 0;
    expect(vmLists).toBeGreaterThan(0);
    expect(vmLists).toBeLessThanOrEqual(7);

    // A change in VergeOS reaches every server's snapshot.
    const changed = await etagOf(servers[0]!.app, headers);
    await putVm(sim, 1, { status: 'stopped' });
    await vi.waitFor(async () => {
      for (const s of servers) expect(await etagOf(s.app, headers)).not.toBe(changed);
      for (const s of servers)
        expect(s.app.fleet.current().snapshot.vms.find((v) => v.key === 1)?.status).toBe('stopped');
    }, WAIT);

    // Signing out through a third server ends the session on all of them.
    const third = servers.find((s) => s !== leader && s !== follower)!;
    const out = await third.app.inject({ method: 'DELETE', url: '/api/session', headers });
    expect(out.statusCode).toBeLessThan(300);
    for (const s of servers) {
      const res = await s.app.inject({ method: 'GET', url: '/api/fleet', headers });
      expect(res.statusCode).toBe(401);
    }
  });

  it('runs an operation asked of a server that does not lead once, on the leader; every server sees it finish', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { servers } = await cluster(sim, 2);
    await vi.waitFor(() => expect(leaders(servers)).toHaveLength(1), WAIT);
    const leader = leaders(servers)[0]!;
    const follower = servers.find((s) => s !== leader)!;
    const headers = await signIn(follower.app, 'admin');
    await putVm(sim, 5, { status: 'stopped' });
    await vi.waitFor(
      () =>
        expect(follower.app.fleet.current().snapshot.vms.find((v) => v.key === 5)?.status).toBe('stopped'),
      WAIT,
    );
    await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });

    const res = await follower.app.inject({
      method: 'POST',
      url: '/api/operations',
      headers: { ...headers, [CSRF_HEADER]: '1' },
      payload: { action: 'start', vms: [5] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const op = res.json<Operation>();
    for (const s of servers) {
      await vi.waitFor(async () => {
        const got = await s.app.inject({ method: 'GET', url: `/api/operations/${op.id}`, headers });
        expect(got.json<Operation>().status).toBe('finished');
        expect(got.json<Operation>().vms[0]?.state).toBe('done');
      }, WAIT);
    }
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as {
      log: { method: string; route: string }[];
    };
    expect(stats.log.filter((e) => e.method === 'POST' && e.route === '/api/v4/vm_actions')).toHaveLength(1);
    // The audit names the person who asked, through the server they asked.
    const audit = await follower.stores.audit.query({ vmKey: 5, limit: 50 });
    expect(
      audit.rows.some((r) => r.operationId === op.id && r.actor === 'admin' && r.action === 'poweron'),
    ).toBe(true);
  });

  it('hands over when the leader closes: another leads and the fleet stays live', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { servers } = await cluster(sim, 2);
    await vi.waitFor(() => expect(leaders(servers)).toHaveLength(1), WAIT);
    const first = leaders(servers)[0]!;
    const other = servers.find((s) => s !== first)!;
    const headers = await signIn(other.app, 'admin');
    await first.app.close();
    await vi.waitFor(() => expect(other.app.cluster?.isLeader()).toBe(true), WAIT);
    await putVm(sim, 2, { status: 'stopped' });
    // The new leader polls and shares: the change shows through the server still standing, its ETag moves on.
    await vi.waitFor(
      () => expect(other.app.fleet.current().snapshot.vms.find((v) => v.key === 2)?.status).toBe('stopped'),
      WAIT,
    );
    expect(other.app.fleet.current().snapshot.stale).toBe(false);
    const tag = await etagOf(other.app, headers);
    await putVm(sim, 2, { status: 'running' });
    await vi.waitFor(async () => expect(await etagOf(other.app, headers)).not.toBe(tag), WAIT);
  });

  it('a leader that stops leading between marking a step and sending it sends nothing; the next one watches', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { servers } = await cluster(sim, 2);
    await vi.waitFor(() => expect(leaders(servers)).toHaveLength(1), WAIT);
    const leader = leaders(servers)[0]!;
    const other = servers.find((s) => s !== leader)!;
    const headers = await signIn(other.app, 'admin');
    await putVm(sim, 5, { status: 'stopped' });
    await vi.waitFor(
      () => expect(other.app.fleet.current().snapshot.vms.find((v) => v.key === 5)?.status).toBe('stopped'),
      WAIT,
    );
    await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });

    // The leader loses the lease the moment its "about to send" is on record (as a leader paused right there
    // would find on waking): the lease is given up, the other server takes it at once.
    const store = leader.stores.operations;
    const update = store.update.bind(store);
    let lost = false;
    store.update = async (id, change) => {
      await update(id, change);
      if (!lost && change.vms?.some((v) => v.patch.stepPhase === 'sending')) {
        lost = true;
        await leader.app.cluster!.lease.stop();
      }
    };

    const res = await other.app.inject({
      method: 'POST',
      url: '/api/operations',
      headers: { ...headers, [CSRF_HEADER]: '1' },
      payload: { action: 'start', vms: [5] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const op = res.json<Operation>();
    await vi.waitFor(() => expect(other.app.cluster?.isLeader()).toBe(true), WAIT);
    // The new leader finds the step `sending`, never sends it again, and watches the VM until its timeout: the VM
    // never started, so the operation ends with it failed.
    const ended = await vi.waitFor(async () => {
      const got = await other.app.inject({ method: 'GET', url: `/api/operations/${op.id}`, headers });
      expect(got.json<Operation>().status).toBe('finished');
      return got.json<Operation>();
    }, WAIT);
    expect(lost).toBe(true);
    expect(ended.vms[0]?.state).toBe('failed');
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as {
      actionLog: { vm: number | null; action: string | null }[];
    };
    expect(stats.actionLog.filter((e) => e.vm === 5)).toEqual([]);
    // The audit says why nothing left.
    const audit = await other.stores.audit.query({ vmKey: 5, limit: 50 });
    expect(
      audit.rows.some(
        (r) =>
          r.operationId === op.id &&
          r.outcome === 'failed' &&
          r.vergeosMessage === 'Not sent: this Powerdeck server stopped leading before the request left',
      ),
    ).toBe(true);
  });

  it('counts a principal’s rate on the VergeOS routes once for all servers', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { servers } = await cluster(sim, 2, { proxyLimits: { ratePerMinute: 10 } });
    const [a, b] = servers as [Server, Server];
    const headers = await signIn(a.app, 'viewer');
    // Ten requests spread over both servers, then the eleventh is refused on either: one window, not one each.
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = i % 2 === 0 ? a : b;
      answers.push((await s.app.inject({ url: '/api/v4/machine_status/54', headers })).statusCode);
    }
    expect(answers).toEqual(Array(10).fill(200));
    for (const s of servers) {
      const over = await s.app.inject({ url: '/api/v4/machine_status/54', headers });
      expect(over.statusCode).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // Another person has a window of their own.
    const admin = await signIn(b.app, 'admin');
    expect((await a.app.inject({ url: '/api/v4/machine_status/54', headers: admin })).statusCode).toBe(200);
    // Housekeeping forgets windows only once they have ended.
    expect((await a.app.housekeeping.run())?.rateWindows).toBe(0);
    // Once they have (here: a window's end moved a minute into the past), both are deleted and the person may go on.
    expect(await pruneRateWindows(a.stores.pool, -60_000)).toBe(2);
    expect((await b.app.inject({ url: '/api/v4/machine_status/54', headers })).statusCode).toBe(200);
  });
});
