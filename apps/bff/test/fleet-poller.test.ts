// The fleet poller against a real simulator over HTTP: what it asks, how often, what it keeps when VergeOS fails,
// how it backs off and recovers, and how it stops.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import type { VergeClient } from '@powerdeck/vergeos-client';
import { createSimulator } from '@powerdeck/vergeos-sim';
import { describe, expect, it, vi } from 'vitest';
import {
  WAIT,
  WARN,
  LogCapture,
  buildTestApp,
  clearSimStats,
  firstPoll,
  onCleanup,
  putVm,
  setScenario,
  settledCounts,
  simAction,
  simStats,
  startTestSim,
  upstreamCount,
  upstreamFor,
} from './support';

const VMS = 'GET /api/v4/vms';
const NODES = 'GET /api/v4/nodes';

/** Every state the poller publishes, from now on. */
function record(app: { fleet: { subscribe(l: (s: { snapshot: FleetSnapshot }) => void): () => void } }) {
  const seen: FleetSnapshot[] = [];
  app.fleet.subscribe((s) => seen.push(s.snapshot));
  return seen;
}

describe('fleet poller: snapshot', () => {
  it('maps the fleet: VM 42 on machine 54, node capacity against summed usage, no snapshots', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    const snapshot = await firstPoll(app);

    expect(snapshot.stale).toBe(false);
    expect(snapshot.staleReason).toBeNull();
    expect(snapshot.staleSince).toBeNull();
    expect(snapshot.pollIntervalMs).toBe(60_000);
    expect(Date.parse(snapshot.fetchedAt ?? '')).toBeGreaterThan(Date.now() - 10_000);

    expect(snapshot.vms.find((v) => v.key === 42)).toEqual({
      key: 42,
      machine: 54,
      name: 'test',
      description: 'test vm',
      osFamily: 'linux',
      cpuCores: 3,
      ram: 16384,
      guestAgent: true,
      agentReporting: false,
      status: 'stopped',
      state: 'offline',
      running: false,
      powerstate: false,
      node: null,
      nodeName: null,
      runningCores: 3,
      runningRam: 16384,
      started: 1755993338,
      lastUpdate: 1755993358,
      statusInfo: '',
    });
    const web = snapshot.vms.find((v) => v.name === 'web-01');
    expect(web).toMatchObject({
      status: 'running',
      running: true,
      agentReporting: true,
      node: 1,
      nodeName: 'node1',
    });

    // Snapshots live in the same table: none of them is in the fleet.
    const all = (await (
      await fetch(`${sim.url}/api/v4/vms?fields=$key,is_snapshot`, {
        headers: { authorization: `Bearer ${sim.apiKey}` },
      })
    ).json()) as { $key: number; is_snapshot: boolean }[];
    const snapshotKeys = all.filter((r) => r.is_snapshot).map((r) => r.$key);
    expect(snapshotKeys.length).toBeGreaterThan(0);
    expect(snapshot.vms).toHaveLength(all.length - snapshotKeys.length);
    for (const key of snapshotKeys) expect(snapshot.vms.some((v) => v.key === key)).toBe(false);

    // Capacity for VMs (cores, vm_ram) from the node list; usage summed from the running VMs, as the simulator
    // accounts it itself.
    expect(snapshot.nodes.length).toBe(4);
    for (const node of snapshot.nodes) {
      const sims = (await (await fetch(`${sim.url}/__sim/nodes/${node.key}`)).json()) as {
        node: { name: string; maintenance: boolean };
        capacity: { cores: number; vm_ram: number };
        used: { cores: number; vm_ram: number };
      };
      const running = snapshot.vms.filter((v) => v.running && v.node === node.key);
      expect(node).toEqual({
        key: node.key,
        name: sims.node.name,
        cores: sims.capacity.cores,
        ram: sims.capacity.vm_ram,
        runningCores: sims.used.cores,
        runningRam: sims.used.vm_ram,
        runningVms: running.length,
        maintenance: sims.node.maintenance,
      });
      expect(node.runningCores).toBe(running.reduce((n, v) => n + v.runningCores, 0));
    }
  });

  it('makes exactly 2 upstream requests per tick: the joined VM list and the nodes', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    await firstPoll(app);
    for (let i = 0; i < 3; i++) {
      const before = app.fleet.status().polls;
      app.fleet.wake();
      await vi.waitFor(
        () => expect(app.fleet.status()).toMatchObject({ polls: before + 1, polling: false }),
        WAIT,
      );
    }
    const { polls, stats } = await settledCounts(app, sim);
    expect(polls).toBe(4);
    expect(stats.requests).toEqual({ [VMS]: 4, [NODES]: 4 });
    expect(stats.total).toBe(2 * polls);

    const vmUrls = stats.log.filter((e) => e.route === '/api/v4/vms').map((e) => decodeURIComponent(e.url));
    for (const url of vmUrls) {
      expect(url).toContain('filter=is_snapshot eq false');
      expect(url).toContain('machine#status#status as status');
      expect(url).toContain('machine#status#node#name as node_name');
      expect(url).toContain('machine#status#agent_version as agent_version');
    }
    const nodeUrls = stats.log
      .filter((e) => e.route === '/api/v4/nodes')
      .map((e) => decodeURIComponent(e.url));
    for (const url of nodeUrls) expect(url).toContain('fields=$key,name,cores,vm_ram,maintenance');

    // And on its own timer, at a short interval: still 2 per tick.
    const fast = await startTestSim();
    const app2 = await buildTestApp(upstreamFor(fast), { closeAfterTest: true, poll: { intervalMs: 20 } });
    await firstPoll(app2);
    await vi.waitFor(() => expect(app2.fleet.status().polls).toBeGreaterThanOrEqual(8), WAIT);
    const settled = await settledCounts(app2, fast);
    expect(upstreamCount(settled.stats, VMS)).toBe(settled.polls);
    expect(upstreamCount(settled.stats, NODES)).toBe(settled.polls);
    expect(settled.stats.total).toBe(2 * settled.polls);
  });

  it('keeps the same state (same object, same ETag, no event) when a poll changes nothing', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    await firstPoll(app);
    const before = app.fleet.current();
    const events = record(app);
    app.fleet.wake();
    await vi.waitFor(() => expect(app.fleet.status()).toMatchObject({ polls: 2, polling: false }), WAIT);
    expect(app.fleet.current()).toBe(before);
    expect(events).toEqual([]);

    await putVm(sim, 1, { status: 'stopped' });
    app.fleet.wake();
    await vi.waitFor(() => expect(events).toHaveLength(1), WAIT);
    expect(app.fleet.current().etag).not.toBe(before.etag);
    expect(app.fleet.current().snapshot.vms.find((v) => v.key === 1)?.status).toBe('stopped');
    expect(Date.parse(app.fleet.current().snapshot.fetchedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(before.snapshot.fetchedAt ?? ''),
    );
  });

  it('reports an unknown status once, whatever the number of polls, and keeps polling', async () => {
    const rows = [
      {
        $key: 1,
        name: 'odd',
        machine: 3,
        status: 'quantum-superposition',
        running: true,
        node: 1,
        agent_version: '',
      },
      {
        $key: 2,
        name: 'fine',
        machine: 4,
        status: 'running',
        running: true,
        node: 1,
        running_cores: 2,
        running_ram: 512,
      },
    ];
    // VergeOS's answers, in place of the simulator's.
    const fakeClient = {
      vms: { list: () => Promise.resolve(rows) },
      nodes: {
        list: () => Promise.resolve([{ $key: 1, name: 'node1', cores: 8, vm_ram: 4096, maintenance: false }]),
      },
    } as unknown as Pick<VergeClient, 'vms' | 'nodes'>;
    const logs = new LogCapture();
    const app = await buildTestApp(upstreamFor(await startTestSim()), {
      closeAfterTest: true,
      logs,
      poll: { intervalMs: 10 },
      beforeReady(a) {
        a.vergeos.client.vms = fakeClient.vms;
        a.vergeos.client.nodes = fakeClient.nodes;
      },
    });
    await firstPoll(app);
    await vi.waitFor(() => expect(app.fleet.status().polls).toBeGreaterThanOrEqual(10), WAIT);
    const vm = app.fleet.current().snapshot.vms.find((v) => v.key === 1);
    expect(vm).toMatchObject({
      status: 'running',
      statusInfo: expect.stringContaining('quantum-superposition') as unknown,
    });
    const warns = logs.records().filter((l) => l.level === WARN && l.msg.includes('unknown to Powerdeck'));
    expect(warns).toHaveLength(1);
    expect(app.fleet.current().snapshot.stale).toBe(false);
  });
});

describe('fleet poller: cadence', () => {
  it('ticks fast while a VM is transitional, then returns to the normal cadence', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 60_000, fastIntervalMs: 20 },
    });
    await firstPoll(app);
    // A guest that takes 100 s to shut down, at time scale 0.01: stopping for 1 s.
    await putVm(sim, 1, { shutdown_seconds: 100 });
    await simAction(sim, 1, 'poweroff');
    const polls = app.fleet.status().polls;
    app.fleet.wake(); // someone else's action: only the wake, no fast window
    await vi.waitFor(() => {
      const s = app.fleet.current().snapshot;
      expect(s.vms.find((v) => v.key === 1)?.status).toBe('stopping');
      expect(s.pollIntervalMs).toBe(20);
    }, WAIT);
    await vi.waitFor(
      () => expect(app.fleet.current().snapshot.vms.find((v) => v.key === 1)?.status).toBe('stopped'),
      WAIT,
    );
    expect(app.fleet.status().polls - polls).toBeGreaterThanOrEqual(10);
    expect(app.fleet.current().snapshot.pollIntervalMs).toBe(60_000);
    const settled = app.fleet.status().polls;
    await new Promise((r) => setTimeout(r, 150));
    expect(app.fleet.status().polls).toBe(settled);
  });

  it('after actionAccepted(): polls at once, fast for the fast window, then normal again', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 60_000, fastIntervalMs: 20, fastWindowMs: 400 },
    });
    await firstPoll(app);
    expect(app.fleet.current().snapshot.pollIntervalMs).toBe(60_000);
    const polls = app.fleet.status().polls;
    const t0 = Date.now();
    app.fleet.actionAccepted();
    await vi.waitFor(() => expect(app.fleet.status().polls).toBe(polls + 1), WAIT);
    expect(Date.now() - t0).toBeLessThan(500);
    await vi.waitFor(() => expect(app.fleet.current().snapshot.pollIntervalMs).toBe(20), WAIT);
    await vi.waitFor(() => expect(app.fleet.current().snapshot.pollIntervalMs).toBe(60_000), WAIT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(app.fleet.status().polls - polls).toBeGreaterThanOrEqual(5);
  });

  it('never overlaps polls when VergeOS is slow: the next tick waits for the current one', async () => {
    const sim = await startTestSim();
    let inFlight = 0;
    let maxInFlight = 0;
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 10, fastIntervalMs: 10 },
      beforeReady(a) {
        const list = a.vergeos.client.vms.list.bind(a.vergeos.client.vms);
        a.vergeos.client.vms.list = async (options) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            return await list(options);
          } finally {
            inFlight -= 1;
          }
        };
      },
    });
    await firstPoll(app);
    await setScenario(sim, 'slow', { latencyMs: 150 });
    await clearSimStats(sim);
    const t0 = Date.now();
    const polls = app.fleet.status().polls;
    // Waking while slow polls run must not start another one alongside.
    const waker = setInterval(() => app.fleet.wake(), 5);
    onCleanup(() => clearInterval(waker));
    await vi.waitFor(() => expect(app.fleet.status().polls - polls).toBeGreaterThanOrEqual(5), WAIT);
    clearInterval(waker);
    const { polls: settledPolls, stats } = await settledCounts(app, sim);
    const elapsed = Date.now() - t0;
    expect(maxInFlight).toBe(1);
    // At most one tick per 150 ms of latency (plus the one in flight when stats were cleared).
    expect(upstreamCount(stats, VMS)).toBeLessThanOrEqual(Math.floor(elapsed / 150) + 1);
    expect(upstreamCount(stats, VMS)).toBeLessThanOrEqual(settledPolls - polls + 1);
    expect(upstreamCount(stats, NODES)).toBe(upstreamCount(stats, VMS));
  });

  it('wake() during a poll triggers exactly one follow-up poll', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    await firstPoll(app);
    await setScenario(sim, 'slow', { latencyMs: 150 });
    app.fleet.wake();
    await vi.waitFor(() => expect(app.fleet.status()).toMatchObject({ polls: 2, polling: true }), WAIT);
    for (let i = 0; i < 5; i++) app.fleet.wake();
    await vi.waitFor(() => expect(app.fleet.status()).toMatchObject({ polls: 3, polling: true }), WAIT);
    for (let i = 0; i < 3; i++) app.fleet.wake();
    await vi.waitFor(() => expect(app.fleet.status()).toMatchObject({ polls: 4 }), WAIT);
    await vi.waitFor(() => expect(app.fleet.status().polling).toBe(false), WAIT);
    await new Promise((r) => setTimeout(r, 300));
    expect(app.fleet.status()).toMatchObject({ polls: 4, polling: false, scheduled: true });
    const { stats } = await settledCounts(app, sim);
    expect(upstreamCount(stats, VMS)).toBe(4);
  });
});

describe('fleet poller: failures', () => {
  it('keeps the last data, marked stale with a reason, when VergeOS answers 503; backs off with a ceiling; recovers', async () => {
    const sim = await startTestSim();
    const logs = new LogCapture();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      logs,
      poll: { intervalMs: 20 },
      fleetBackoff: { afterFailures: 3, maxMs: 160 },
    });
    const good = await firstPoll(app);
    const seen = record(app);
    sim.setScenario('unavailable');

    await vi.waitFor(() => expect(app.fleet.current().snapshot.stale).toBe(true), WAIT);
    const stale = app.fleet.current().snapshot;
    expect(stale.staleReason).toBe('VergeOS answered 503 Service Unavailable');
    expect(Date.parse(stale.staleSince ?? '')).toBeGreaterThanOrEqual(Date.parse(good.fetchedAt ?? ''));
    expect(stale.fetchedAt).toBe(good.fetchedAt);
    expect(stale.vms).toEqual(good.vms);
    expect(stale.nodes).toEqual(good.nodes);

    // Backoff: 40, 80, 160, 160 ms...
    await vi.waitFor(() => expect(app.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(7), WAIT);
    const intervals = seen.map((s) => s.pollIntervalMs);
    expect(intervals.slice(0, 4)).toEqual([20, 40, 80, 160]);
    expect(Math.max(...intervals)).toBe(160);
    // The normal cadence stays what it is: what a wall counts "three poll intervals" in.
    expect(new Set(seen.map((s) => s.normalIntervalMs))).toEqual(new Set([20]));
    const backingOff = app.fleet.current().snapshot;
    expect(backingOff.staleReason).toBe('VergeOS answered 503 Service Unavailable; retrying in 160 ms');
    expect(backingOff.staleSince).toBe(stale.staleSince);
    expect(backingOff.vms).toEqual(good.vms);
    expect(app.fleet.lastSuccessAt()).not.toBeNull();

    // One warning per change of state, not one per tick.
    const warns = logs
      .records()
      .filter((l) => l.level === WARN)
      .map((l) => l.msg);
    expect(warns.filter((m) => m.startsWith('fleet poll failed'))).toHaveLength(1);
    expect(warns.filter((m) => m.includes('backing off'))).toHaveLength(1);

    sim.setScenario('none');
    await vi.waitFor(() => expect(app.fleet.current().snapshot.stale).toBe(false), WAIT);
    const back = app.fleet.current().snapshot;
    expect(back).toMatchObject({ staleReason: null, staleSince: null, pollIntervalMs: 20 });
    expect(app.fleet.status().consecutiveFailures).toBe(0);
    expect(logs.records().some((l) => l.msg.includes('fleet data is live again'))).toBe(true);
  });

  it('says it cannot connect when VergeOS is gone, keeps the data, and recovers when it is back', async () => {
    const sim = await createSimulator({ timeScale: 0.01 });
    onCleanup(() => sim.close());
    const port = Number(new URL(sim.url).port);
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 20 },
      fleetBackoff: { afterFailures: 3, maxMs: 100 },
    });
    const good = await firstPoll(app);
    await sim.close();

    await vi.waitFor(
      () => expect(app.fleet.current().snapshot.staleReason).toBe('cannot connect to VergeOS'),
      WAIT,
    );
    expect(app.fleet.current().snapshot).toMatchObject({
      stale: true,
      fetchedAt: good.fetchedAt,
      vms: good.vms,
    });
    await vi.waitFor(
      () =>
        expect(app.fleet.current().snapshot.staleReason).toBe(
          'cannot connect to VergeOS; retrying in 100 ms',
        ),
      WAIT,
    );

    const again = await createSimulator({ timeScale: 0.01, port });
    onCleanup(() => again.close());
    await vi.waitFor(() => expect(app.fleet.current().snapshot.stale).toBe(false), WAIT);
    expect(app.fleet.current().snapshot.pollIntervalMs).toBe(20);
    expect((await simStats(again)).requests[VMS]).toBeGreaterThanOrEqual(1);
  });

  it('before the first successful poll: stale, waiting, empty; close aborts the poll in flight and leaves no timer', async () => {
    const sim = await startTestSim({ scenario: 'hang' });
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 20 } });
    await app.ready();
    await vi.waitFor(() => expect(app.fleet.status().polling).toBe(true), WAIT);
    expect(app.fleet.current().snapshot).toEqual({
      fetchedAt: null,
      stale: true,
      staleReason: 'waiting for the first poll',
      staleSince: null,
      pollIntervalMs: 20,
      normalIntervalMs: 20,
      vms: [],
      nodes: [],
    });
    expect(app.fleet.lastSuccessAt()).toBeNull();

    const t0 = Date.now();
    await app.close();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(app.fleet.status()).toMatchObject({ stopped: true, polling: false, scheduled: false, polls: 1 });
    // A stopped poller ignores wakes.
    app.fleet.wake();
    app.fleet.actionAccepted();
    expect(app.fleet.status().scheduled).toBe(false);
  });
});
