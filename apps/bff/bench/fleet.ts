// Fleet snapshot fan-out: the BFF (the real app, on SQLite stores in a temporary directory) against a 10,000-VM
// simulator at time scale 1, default cadence (5 s / 1 s / 60 s). Shows that the load on VergeOS does not grow with
// the number of browsers, and what a browser's poll costs the BFF. Every client is a signed-in browser: it sends
// a session cookie, so each poll pays for its session lookup, as a real one does.
//
// 1. For 1, 50 and 200 clients, each polling `GET /api/fleet` every second with If-None-Match for WINDOW_MS (one VM
//    changes state in the middle of each window, so every client downloads one new snapshot): upstream requests
//    per minute (from the simulator's `/__sim/stats`), 200 / 304 answers and their latency.
// 2. A burst: BURST_CONNECTIONS keep-alive connections (undici, in a worker thread so the load generator has its
//    own core) sending `GET /api/fleet` with the current ETag back to back for BURST_MS: 304 answers per second.
//
//   pnpm bench fleet      (from the repository root; binds 127.0.0.1 only, stops by itself in about 75 s)

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createSimulator } from '@powerdeck/vergeos-sim';
import { Pool } from 'undici';
import { buildApp } from '../src/app';
import { mapFleet } from '../src/fleet/map';
import { etagOf, serialiseContent } from '../src/fleet/snapshot';
import { openSqliteStores } from '../src/stores/sqlite/open';
import { control, percentile, simStats } from './support';

const VMS = 10_000;
const POLL = { intervalMs: 5_000, fastIntervalMs: 1_000, fastWindowMs: 60_000 };
const CLIENTS = [1, 50, 200];
const WINDOW_MS = 20_000;
const CLIENT_PERIOD_MS = 1_000;
const BURST_CONNECTIONS = 50;
const BURST_WARMUP_MS = 1_000;
const BURST_MS = 5_000;

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const int = (n: number) => Math.round(n).toLocaleString('en-US');

interface WindowResult {
  clients: number;
  seconds: number;
  ticks: number;
  upstream: number;
  upstreamPerMin: number;
  ok: number;
  notModified: number;
  p50_304: number;
  p95_304: number;
  p95_200: number;
  errors: number;
}

/** `clients` browsers, each polling every second with If-None-Match, for WINDOW_MS. */
async function pollWindow(
  origin: string,
  cookie: string,
  simUrl: string,
  clients: number,
  change: () => Promise<void>,
  polls: () => number,
): Promise<WindowResult> {
  const pool = new Pool(origin, { connections: clients, pipelining: 1 });
  const before = await simStats({ url: simUrl });
  const ticksBefore = polls();
  const start = performance.now();
  const end = start + WINDOW_MS;
  const lat304: number[] = [];
  const lat200: number[] = [];
  let errors = 0;
  const changer = (async () => {
    await sleep(WINDOW_MS / 2);
    await change();
  })();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      let etag: string | undefined;
      // Spread the clients over the second, as real browsers are.
      let next = start + (i * CLIENT_PERIOD_MS) / clients;
      for (;;) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        if (performance.now() >= end) break;
        next += CLIENT_PERIOD_MS;
        const t = performance.now();
        try {
          const res = await pool.request({
            path: '/api/fleet',
            method: 'GET',
            headers: etag
              ? { cookie, 'if-none-match': etag, 'accept-encoding': 'gzip' }
              : { cookie, 'accept-encoding': 'gzip' },
          });
          await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
          const took = performance.now() - t;
          if (res.statusCode === 304) lat304.push(took);
          else if (res.statusCode === 200) {
            lat200.push(took);
            const e = res.headers.etag;
            etag = typeof e === 'string' ? e : undefined;
          } else errors += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  await changer;
  const seconds = (performance.now() - start) / 1000;
  const after = await simStats({ url: simUrl });
  await pool.close();
  const upstream = after.total - before.total;
  lat304.sort((a, b) => a - b);
  lat200.sort((a, b) => a - b);
  return {
    clients,
    seconds,
    ticks: polls() - ticksBefore,
    upstream,
    upstreamPerMin: (upstream * 60) / seconds,
    ok: lat200.length,
    notModified: lat304.length,
    p50_304: percentile(lat304, 50),
    p95_304: percentile(lat304, 95),
    p95_200: percentile(lat200, 95),
    errors,
  };
}

/** The burst's load generator, run in a worker thread (CommonJS, undici loaded by path). */
const BURST_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { Pool } = require(workerData.undiciPath);
async function run(durationMs) {
  const pool = new Pool(workerData.origin, { connections: workerData.connections, pipelining: 1 });
  const end = Date.now() + durationMs;
  let notModified = 0, other = 0;
  const lat = [];
  await Promise.all(Array.from({ length: workerData.connections }, async () => {
    while (Date.now() < end) {
      const t = performance.now();
      const res = await pool.request({ path: '/api/fleet', method: 'GET', headers: { cookie: workerData.cookie, 'if-none-match': workerData.etag, 'accept-encoding': 'gzip' } });
      await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
      if (res.statusCode === 304) notModified++; else other++;
      lat.push(performance.now() - t);
    }
  }));
  await pool.close();
  lat.sort((a, b) => a - b);
  return { notModified, other, lat };
}
(async () => {
  await run(workerData.warmupMs);
  const t = performance.now();
  const r = await run(workerData.durationMs);
  const seconds = (performance.now() - t) / 1000;
  const pick = (p) => r.lat[Math.min(r.lat.length - 1, Math.max(0, Math.ceil(p / 100 * r.lat.length) - 1))];
  parentPort.postMessage({ notModified: r.notModified, other: r.other, seconds, p50: pick(50), p99: pick(99) });
})().catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });
`;

interface BurstResult {
  notModified: number;
  other: number;
  seconds: number;
  p50: number;
  p99: number;
  error?: string;
}

function burst(origin: string, cookie: string, etag: string): Promise<BurstResult> {
  const undiciPath = createRequire(import.meta.url).resolve('undici');
  const worker = new Worker(BURST_WORKER, {
    eval: true,
    workerData: {
      origin,
      cookie,
      etag,
      undiciPath,
      connections: BURST_CONNECTIONS,
      warmupMs: BURST_WARMUP_MS,
      durationMs: BURST_MS,
    },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: BurstResult) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const sim = await createSimulator({ vms: VMS, timeScale: 1, host: '127.0.0.1' });
  const dataDir = mkdtempSync(join(tmpdir(), 'pd-bench-fleet-'));
  const stores = openSqliteStores(dataDir);
  const app = await buildApp({
    config: { poll: POLL },
    upstream: { url: sim.url, auth: { kind: 'apiKey', apiKey: sim.apiKey }, insecureTls: false, demo: false },
    stores,
  });
  try {
    // One signed-in person; every client sends their session cookie.
    const user = await stores.users.create({
      username: 'bench',
      role: 'viewer',
      password: `bench-${crypto.randomUUID()}`,
    });
    const { secret } = await stores.sessions.create({ kind: 'session', userId: user.id });
    const cookie = `pd_session=${secret}`;
    // Time each tick's two upstream reads, and keep the last rows to time the BFF's own work on them.
    // (The poller starts when the app is ready, so these wrappers see its first tick.)
    const client = app.vergeos.client;
    const listVms = client.vms.list.bind(client.vms);
    const listNodes = client.nodes.list.bind(client.nodes);
    const readMs: number[] = [];
    let lastRows: { vms: unknown; nodes: unknown } = { vms: [], nodes: [] };
    client.nodes.list = async (options) => {
      const rows = await listNodes(options);
      lastRows = { ...lastRows, nodes: rows };
      return rows;
    };
    client.vms.list = (async (options) => {
      const t = performance.now();
      const rows = await listVms(options);
      readMs.push(performance.now() - t);
      lastRows = { ...lastRows, vms: rows };
      return rows;
    }) as typeof client.vms.list;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // One request first: a refused cookie would otherwise only show as a column of errors.
    const probe = await fetch(`${origin}/api/session`, { headers: { cookie } });
    if (probe.status !== 200) throw new Error(`the BFF answered ${probe.status} to the benchmark's session`);
    const readyAt = performance.now();
    while (app.fleet.lastSuccessAt() === null) await sleep(10);
    const firstSnapshotMs = performance.now() - readyAt;
    const state = app.fleet.current();
    const bodyBytes = Buffer.byteLength(state.body);
    console.log(
      `BFF fleet fan-out: ${int(state.snapshot.vms.length)} VMs, ${state.snapshot.nodes.length} nodes, snapshot body ${(bodyBytes / 1024 / 1024).toFixed(1)} MiB, first snapshot ${ms(firstSnapshotMs)} ms after listen; Node ${process.version}`,
    );

    // VM 42 (stopped) goes running, stopped, running: one change in the middle of each window.
    let running = false;
    const change = async () => {
      running = !running;
      await control(sim, 'vms/42', 'PUT', { status: running ? 'running' : 'stopped' });
    };
    const windows: WindowResult[] = [];
    for (const clients of CLIENTS) {
      const r = await pollWindow(origin, cookie, sim.url, clients, change, () => app.fleet.status().polls);
      windows.push(r);
      console.error(`  ${clients} client(s): ${r.upstream} upstream requests in ${r.seconds.toFixed(1)} s`);
    }

    const b = await burst(origin, cookie, app.fleet.current().etag);

    // The BFF's own work on a changed answer: map, serialise, hash (what each change costs, once, whatever the clients).
    const work: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const mapped = mapFleet(lastRows.vms, lastRows.nodes);
      const json = serialiseContent({
        stale: false,
        staleReason: null,
        staleSince: null,
        normalIntervalMs: 5000,
        pollIntervalMs: 5000,
        ...mapped,
      });
      etagOf(json);
      work.push(performance.now() - t);
    }
    work.sort((x, y) => x - y);
    readMs.sort((x, y) => x - y);

    console.log(
      `\nClients poll GET /api/fleet every ${CLIENT_PERIOD_MS / 1000} s with If-None-Match for ${WINDOW_MS / 1000} s each; one VM changes state mid-window. BFF cadence ${POLL.intervalMs / 1000} s (fast ${POLL.fastIntervalMs / 1000} s).\n`,
    );
    console.log(
      '| clients | window (s) | polls | upstream requests | per poll | upstream / min | answers 200 | answers 304 | 304 p50 (ms) | 304 p95 (ms) | 200 p95 (ms) | errors |',
    );
    console.log('| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
    for (const r of windows) {
      console.log(
        `| ${r.clients} | ${r.seconds.toFixed(1)} | ${r.ticks} | ${r.upstream} | ${r.ticks ? (r.upstream / r.ticks).toFixed(1) : '-'} | ${r.upstreamPerMin.toFixed(1)} | ${int(r.ok)} | ${int(r.notModified)} | ${ms(r.p50_304)} | ${ms(r.p95_304)} | ${ms(r.p95_200)} | ${r.errors} |`,
      );
    }
    console.log(
      `\nPer poll: the VM list read (joined status, ${int(VMS)} rows) p50 ${ms(percentile(readMs, 50))} ms, max ${ms(readMs[readMs.length - 1] ?? Number.NaN)} ms over ${readMs.length} polls; the BFF's work on a changed answer (map, serialise, hash) p50 ${ms(percentile(work, 50))} ms.`,
    );
    console.log(
      `\nBurst: ${BURST_CONNECTIONS} keep-alive connections (undici, worker thread), If-None-Match with the current ETag, ${BURST_MS / 1000} s after ${BURST_WARMUP_MS / 1000} s warm-up:`,
    );
    console.log(
      `${int(b.notModified / b.seconds)} answers 304 per second (${int(b.notModified)} in ${b.seconds.toFixed(1)} s, ${b.other} other), latency p50 ${ms(b.p50)} ms, p99 ${ms(b.p99)} ms`,
    );
    console.error(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await app.close();
    await sim.close();
    stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
