// Several Powerdeck servers (issue 17): real server processes behind a real nginx on one PostgreSQL database
// (test/cluster-harness.ts starts them, each reaching VergeOS through a tap that notes who sent what and when),
// against a 10,000-VM simulator in a process of its own (so that its list building never delays the measuring side),
// at the servers' default cadence (5 s; 1 s while a VM is transitional or after an action).
//
// 1. Load: three servers, then ONE server (same nginx configuration, same simulator), each with BROWSERS signed-in
//    browsers polling `GET /api/fleet` through nginx as the web app does (fetch-snapshot.ts, fleet-queries.ts): its
//    own session cookie, `If-None-Match` with the ETag in hand, `Accept-Encoding: gzip`, every max(1 s, the
//    snapshot's pollIntervalMs). After every browser holds the snapshot, a measured window of WINDOW_S seconds with
//    one VM changing state in its middle (each browser downloads one new snapshot). Upstream requests per minute are
//    counted at the taps (every request any server sent to VergeOS in the window); their ratio three / one should be
//    1.0. Through nginx: answers per second, the share of 304s, latency p50/p99. Then a burst: BURST_CONNECTIONS
//    keep-alive connections (a worker thread) sending the current ETag back to back for BURST_MS: 304s per second.
// 2. Failover: a fresh three-server cluster per run; once the leader polls, it is SIGKILLed at a random moment of its
//    renewal cycle; the time from the kill to the new leader's lease (its log line) and to its first request to
//    VergeOS (the taps' log). RUNS runs with the default lease (10 s, renewal every third of it), then RUNS with a 2 s
//    lease. Timings are printed, never asserted.
//
//   pnpm bench replicas [--window 60] [--browsers 200] [--runs 5] [--only load|failover] [--no-short-lease]
//   (from the repository root; needs Debian's postgresql and nginx; binds 127.0.0.1 only; about 6 minutes)
//
// The PostgreSQL server is a throwaway one (scripts/pg-cluster.mjs) unless POWERDECK_TEST_DATABASE_URL names a
// superuser URL; each cluster gets a database of its own, dropped afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import pg from 'pg';
import { Pool } from 'undici';
import { startPgCluster } from '../../../scripts/pg-cluster.mjs';
import { SERVER_HEADER } from '../src/plugins/cluster';
import { startCluster, type PowerdeckCluster, type UpstreamRecord } from '../test/cluster-harness';
import { control, percentile } from './support';

const { values: argv } = parseArgs({
  options: {
    window: { type: 'string', default: '60' },
    browsers: { type: 'string', default: '200' },
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    'no-short-lease': { type: 'boolean', default: false },
  },
});
const WINDOW_S = Number(argv.window);
const BROWSERS = Number(argv.browsers);
const RUNS = Number(argv.runs);
const ONLY = argv.only;
if (
  !(WINDOW_S >= 10) ||
  !Number.isInteger(BROWSERS) ||
  BROWSERS < 1 ||
  !Number.isInteger(RUNS) ||
  RUNS < 1 ||
  (ONLY !== undefined && ONLY !== 'load' && ONLY !== 'failover')
) {
  throw new Error(
    'usage: replicas.ts [--window seconds>=10] [--browsers N>=1] [--runs N>=1] [--only load|failover] [--no-short-lease]',
  );
}

const VMS = 10_000;
/** The servers' default cadence (config.ts): what production polls VergeOS at. */
const POLL = { intervalMs: 5_000, fastIntervalMs: 1_000, fastWindowMs: 60_000 };
/** The web app never polls more often than this (fleet-queries.ts MIN_INTERVAL_MS), nor less than the BFF says. */
const BROWSER_MIN_INTERVAL_MS = 1_000;
const DEFAULT_LEASE_MS = 10_000;
const SHORT_LEASE_MS = 2_000;
const BURST_CONNECTIONS = 50;
const BURST_WARMUP_MS = 1_000;
const BURST_MS = 5_000;
/** The VM the load part turns running / stopped in the middle of each window. */
const CHANGING_VM = 42;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const note = (msg: string) => process.stderr.write(`  ${msg}\n`);

// ------------------------------------------------------------------------------------------
// The simulator and the databases

interface SimProcess {
  url: string;
  apiKey: string;
  close(): void;
}

/** `npm run sim` with 10,000 VMs at time scale 1, in a process of its own. */
async function startSim(): Promise<SimProcess> {
  // node itself (not the tsx wrapper, which runs node as a child of its own): the kill reaches the simulator.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'packages/vergeos-sim/src/cli.ts',
      '--port',
      '0',
      '--vms',
      String(VMS),
      '--time-scale',
      '1',
    ],
    { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', close);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the simulator did not start within 60 s:\n${out}`)),
      60_000,
    );
    const onData = (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const apiKey = /API key \(admin\):\s+(\S+)/.exec(out)?.[1];
      if (url && apiKey) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ url, apiKey, close });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the simulator ended (${code}) before it listened:\n${out}`));
    });
  });
}

/** A PostgreSQL superuser URL (`postgres` database): the given one, or a throwaway server's. */
async function postgresServer(): Promise<{ url: string; stop(): void }> {
  const given = process.env.POWERDECK_TEST_DATABASE_URL;
  if (given) return { url: given, stop: () => undefined };
  const server = await startPgCluster();
  return { url: server.url, stop: () => server.stop() };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A cluster on a database of its own; `close()` stops it and drops the database. */
async function cluster(
  serverUrl: string,
  sim: SimProcess,
  servers: number,
  leaseMs: number,
): Promise<{ c: PowerdeckCluster; close: () => Promise<void> }> {
  const name = `pd_bench_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const drop = () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  let c: PowerdeckCluster;
  try {
    c = await startCluster({
      sim,
      databaseUrl: url.toString(),
      servers,
      leaseMs,
      // The product's default: a third of the lease (config.ts).
      renewMs: Math.floor(leaseMs / 3),
      poll: POLL,
      users: ['viewer'],
    });
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    c,
    close: async () => {
      await c.stop();
      await drop();
    },
  };
}

/** Until one server leads and its first poll has reached VergeOS (through its tap). */
async function leaderPolling(c: PowerdeckCluster, withinMs = 60_000): Promise<string> {
  for (const deadline = Date.now() + withinMs; ; await sleep(100)) {
    const leader = await c.leader();
    if (leader && c.upstream().some((r) => r.server === leader.name && isPoll(r))) return leader.name;
    if (Date.now() > deadline) throw new Error('no server led and polled VergeOS within 60 s');
  }
}

/** A fleet poll's request to VergeOS (the VM list or the node list). */
function isPoll(r: UpstreamRecord): boolean {
  return r.method === 'GET' && /^\/api\/v4\/(vms|nodes)\b/.test(r.url);
}

// ------------------------------------------------------------------------------------------
// 1. Load

interface LoadResult {
  servers: number;
  seconds: number;
  upstream: number;
  upstreamPerMin: number;
  polls: number;
  upstreamBy: Map<string, number>;
  answers: number;
  ok: number;
  notModified: number;
  errors: number;
  p50_304: number;
  p99_304: number;
  p50_200: number;
  p99_200: number;
  answeredBy: Map<string, number>;
  burst: BurstResult;
}

/** pollIntervalMs from the head of a snapshot answer (gzip or not) without inflating and parsing 3 MiB of it. */
function pollIntervalOf(head: Buffer, gzip: boolean): number | null {
  let text: string;
  try {
    text = (gzip ? gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }) : head).toString('utf8');
  } catch {
    return null;
  }
  const m = /"pollIntervalMs":(\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}

interface Browser {
  headers: Record<string, string>;
  etag: string | null;
  intervalMs: number;
}

/** One poll of one browser, as fetch-snapshot.ts makes it. */
async function poll(
  pool: Pool,
  b: Browser,
): Promise<{ status: number; ms: number; server: string | null } | { error: string; ms: number }> {
  const t = performance.now();
  try {
    const res = await pool.request({
      path: '/api/fleet',
      method: 'GET',
      headers: {
        ...b.headers,
        accept: 'application/json',
        'accept-encoding': 'gzip, deflate, br',
        ...(b.etag ? { 'if-none-match': b.etag } : {}),
      },
    });
    if (res.statusCode === 200) {
      // The head of the body is enough for pollIntervalMs; the rest is downloaded and dropped.
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        if (size < 4096) {
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
      }
      const etag = res.headers.etag;
      b.etag = typeof etag === 'string' ? etag : null;
      const interval = pollIntervalOf(Buffer.concat(chunks), res.headers['content-encoding'] === 'gzip');
      b.intervalMs = Math.max(BROWSER_MIN_INTERVAL_MS, interval ?? 5000);
    } else {
      await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
    }
    const server = res.headers[SERVER_HEADER];
    return {
      status: res.statusCode,
      ms: performance.now() - t,
      server: typeof server === 'string' ? server : null,
    };
  } catch (err) {
    return { error: (err as Error).message, ms: performance.now() - t };
  }
}

async function load(serverUrl: string, sim: SimProcess, servers: number): Promise<LoadResult> {
  const { c, close } = await cluster(serverUrl, sim, servers, DEFAULT_LEASE_MS);
  try {
    await leaderPolling(c);
    // Every browser a person signed in through nginx, with a session of their own.
    const browsers: Browser[] = [];
    for (let i = 0; i < BROWSERS; i++) {
      const headers = await c.signIn('viewer');
      browsers.push({ headers: { cookie: headers.cookie! }, etag: null, intervalMs: 5000 });
    }
    const pool = new Pool(c.url, { connections: BROWSERS, pipelining: 1 });
    // The page opens: every browser's first snapshot (a 200), once the snapshot holds the whole fleet.
    for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
      const a = await c.request('/api/fleet', { headers: browsers[0]!.headers });
      if (a.status === 200 && a.json<{ vms: unknown[] }>().vms.length === VMS) break;
      if (Date.now() > deadline)
        throw new Error(`the fleet through nginx did not show ${VMS} VMs within 60 s`);
    }
    for (let i = 0; i < browsers.length; i += 20) {
      const first = await Promise.all(browsers.slice(i, i + 20).map((b) => poll(pool, b)));
      const bad = first.find((r) => !('status' in r) || r.status !== 200);
      if (bad) throw new Error(`a browser's first snapshot failed: ${JSON.stringify(bad)}`);
    }
    note(`${servers} server(s): ${BROWSERS} browsers hold the snapshot; measuring ${WINDOW_S} s`);

    const start = Date.now();
    const startPerf = performance.now();
    const end = startPerf + WINDOW_S * 1000;
    const lat304: number[] = [];
    const lat200: number[] = [];
    const answeredBy = new Map<string, number>();
    let errors = 0;
    let firstError = '';
    const changer = (async () => {
      await sleep((WINDOW_S * 1000) / 2);
      const vm = (await control(sim, `vms/${CHANGING_VM}`, 'GET')) as { machine_status: { status: string } };
      const next = vm.machine_status.status === 'running' ? 'stopped' : 'running';
      await control(sim, `vms/${CHANGING_VM}`, 'PUT', { status: next });
    })();
    await Promise.all(
      browsers.map(async (b, i) => {
        // Spread over the interval, as browsers opened at different moments are.
        let next = startPerf + (i * b.intervalMs) / browsers.length;
        for (;;) {
          if (next >= end) break;
          const wait = next - performance.now();
          if (wait > 0) await sleep(wait);
          const r = await poll(pool, b);
          // The next poll is due an interval after this one ended (TanStack Query's refetchInterval runs from the end).
          next = performance.now() + b.intervalMs;
          if ('error' in r) {
            errors += 1;
            firstError ||= r.error;
            continue;
          }
          if (r.server) answeredBy.set(r.server, (answeredBy.get(r.server) ?? 0) + 1);
          if (r.status === 304) lat304.push(r.ms);
          else if (r.status === 200) lat200.push(r.ms);
          else {
            errors += 1;
            firstError ||= `status ${r.status}`;
          }
        }
      }),
    );
    await changer;
    // Polls start within the window (the last answers may come just after it); upstream requests counted in it.
    const seconds = WINDOW_S;
    const stopAt = start + seconds * 1000;
    const upstream = c.upstream().filter((r) => r.at >= start && r.at < stopAt);
    const upstreamBy = new Map<string, number>();
    for (const r of upstream) upstreamBy.set(r.server, (upstreamBy.get(r.server) ?? 0) + 1);
    if (errors) note(`${errors} errors, the first: ${firstError}`);

    // The ETag in hand now (the change may have reached the snapshot after this browser's last poll).
    const b = browsers[0]!;
    await poll(pool, b);
    const burstResult = await burst(c.url, b.headers.cookie!, b.etag ?? '');
    await pool.close();
    lat304.sort((x, y) => x - y);
    lat200.sort((x, y) => x - y);
    return {
      servers,
      seconds,
      upstream: upstream.length,
      upstreamPerMin: (upstream.length * 60) / seconds,
      polls: upstream.filter((r) => r.url.startsWith('/api/v4/vms')).length,
      upstreamBy,
      answers: lat304.length + lat200.length + errors,
      ok: lat200.length,
      notModified: lat304.length,
      errors,
      p50_304: percentile(lat304, 50),
      p99_304: percentile(lat304, 99),
      p50_200: percentile(lat200, 50),
      p99_200: percentile(lat200, 99),
      answeredBy,
      burst: burstResult,
    };
  } finally {
    await close();
  }
}

/** The burst's load generator, run in a worker thread (CommonJS, undici loaded by path), as in fleet.ts. */
const BURST_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { Pool } = require(workerData.undiciPath);
async function run(durationMs) {
  const pool = new Pool(workerData.origin, { connections: workerData.connections, pipelining: 1 });
  const end = Date.now() + durationMs;
  let notModified = 0, other = 0;
  const statuses = {};
  const lat = [];
  await Promise.all(Array.from({ length: workerData.connections }, async () => {
    while (Date.now() < end) {
      const t = performance.now();
      const res = await pool.request({ path: '/api/fleet', method: 'GET', headers: { cookie: workerData.cookie, accept: 'application/json', 'if-none-match': workerData.etag, 'accept-encoding': 'gzip, deflate, br' } });
      await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
      if (res.statusCode === 304) notModified++; else { other++; statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; }
      lat.push(performance.now() - t);
    }
  }));
  await pool.close();
  lat.sort((a, b) => a - b);
  return { notModified, other, statuses, lat };
}
(async () => {
  await run(workerData.warmupMs);
  const t = performance.now();
  const r = await run(workerData.durationMs);
  const seconds = (performance.now() - t) / 1000;
  const pick = (p) => r.lat[Math.min(r.lat.length - 1, Math.max(0, Math.ceil(p / 100 * r.lat.length) - 1))];
  parentPort.postMessage({ notModified: r.notModified, other: r.other, statuses: r.statuses, seconds, p50: pick(50), p99: pick(99) });
})().catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });
`;

interface BurstResult {
  notModified: number;
  other: number;
  /** The other answers by status. */
  statuses: Record<string, number>;
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

// ------------------------------------------------------------------------------------------
// 2. Failover

interface FailoverRun {
  /** The kill to the new leader's "this server is now the leader" (its log's time). */
  takeoverMs: number;
  /** The kill to the new leader's first request to VergeOS (its tap's time). */
  firstPollMs: number;
  from: string;
  to: string;
}

async function failover(serverUrl: string, sim: SimProcess, leaseMs: number): Promise<FailoverRun> {
  const { c, close } = await cluster(serverUrl, sim, 3, leaseMs);
  try {
    const old = c.server(await leaderPolling(c));
    // A moment anywhere in the leader's renewal cycle, after a poll or two.
    await sleep(2_000 + Math.random() * Math.floor(leaseMs / 3));
    const killAt = Date.now();
    await c.kill(old, 'SIGKILL');
    const limit = killAt + leaseMs * 3 + 30_000;
    for (;;) {
      const first = c.upstream().find((r) => r.at >= killAt && r.server !== old.name);
      if (first) {
        const to = c.server(first.server);
        const gained = to
          .logLines()
          .find((l) => l.msg === 'this server is now the leader' && l.time >= killAt - 5);
        return {
          takeoverMs: gained ? gained.time - killAt : Number.NaN,
          firstPollMs: first.at - killAt,
          from: old.name,
          to: to.name,
        };
      }
      if (Date.now() > limit)
        throw new Error(`no server polled VergeOS within ${limit - killAt} ms of the kill`);
      await sleep(20);
    }
  } finally {
    await close();
  }
}

// ------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = performance.now();
  const server = await postgresServer();
  const sim = await startSim();
  const end = () => {
    sim.close();
    server.stop();
  };
  process.once('SIGINT', () => {
    end();
    process.exit(130);
  });
  try {
    console.log(
      `Several servers: ${int(VMS)} VMs (simulator in its own process, time scale 1), servers' cadence ${POLL.intervalMs / 1000} s (fast ${POLL.fastIntervalMs / 1000} s); Node ${process.version}, ${cpus().length} cores`,
    );
    if (ONLY !== 'failover') {
      const results: LoadResult[] = [];
      for (const servers of [3, 1]) results.push(await load(server.url, sim, servers));
      const [three, one] = results as [LoadResult, LoadResult];
      console.log(
        `\n${BROWSERS} signed-in browsers poll GET /api/fleet through nginx (If-None-Match, gzip, every max(1 s, pollIntervalMs)) for ${WINDOW_S} s; VM ${CHANGING_VM} changes state mid-window. Upstream = every request a server sent to VergeOS in the window (the taps).\n`,
      );
      console.log(
        '| servers | window (s) | upstream requests | VM list reads | upstream / min | by server | answers / s | 304 share | 304 p50 (ms) | 304 p99 (ms) | 200 p50 (ms) | 200 p99 (ms) | errors | answered by |',
      );
      console.log('| --: | --: | --: | --: | --: | :-- | --: | --: | --: | --: | --: | --: | --: | :-- |');
      const spread = (m: Map<string, number>) =>
        [...m]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k} ${int(v)}`)
          .join(', ') || '-';
      for (const r of results) {
        console.log(
          `| ${r.servers} | ${r.seconds.toFixed(1)} | ${r.upstream} | ${r.polls} | ${r.upstreamPerMin.toFixed(1)} | ${spread(r.upstreamBy)} | ${(r.answers / r.seconds).toFixed(1)} | ${((100 * r.notModified) / Math.max(1, r.answers)).toFixed(1)} % | ${ms(r.p50_304)} | ${ms(r.p99_304)} | ${ms(r.p50_200)} | ${ms(r.p99_200)} | ${r.errors} | ${spread(r.answeredBy)} |`,
        );
      }
      console.log(
        `\nUpstream requests per minute, three servers / one server: **${(three.upstreamPerMin / one.upstreamPerMin).toFixed(2)}**`,
      );
      console.log(
        `\nBurst: ${BURST_CONNECTIONS} keep-alive connections through nginx (undici, worker thread), If-None-Match with the current ETag, ${BURST_MS / 1000} s after ${BURST_WARMUP_MS / 1000} s warm-up:\n`,
      );
      console.log('| servers | answers 304 / s | other answers | p50 (ms) | p99 (ms) |');
      console.log('| --: | --: | --: | --: | --: |');
      for (const r of results) {
        const b = r.burst;
        console.log(
          `| ${r.servers} | ${int(b.notModified / b.seconds)} | ${b.other}${b.other ? ` (${JSON.stringify(b.statuses)})` : ''} | ${ms(b.p50)} | ${ms(b.p99)} |`,
        );
      }
    }
    if (ONLY !== 'load') {
      const leases = argv['no-short-lease'] ? [DEFAULT_LEASE_MS] : [DEFAULT_LEASE_MS, SHORT_LEASE_MS];
      console.log(
        `\nFailover: three servers; the leader SIGKILLed at a random moment of its renewal cycle; ${RUNS} runs per lease, a fresh cluster each.\n`,
      );
      console.log(
        '| lease (ms) | renewal (ms) | runs | takeover p50 (ms) | takeover max (ms) | first poll p50 (ms) | first poll max (ms) | first poll, each run (ms) |',
      );
      console.log('| --: | --: | --: | --: | --: | --: | --: | :-- |');
      for (const leaseMs of leases) {
        const runs: FailoverRun[] = [];
        for (let i = 0; i < RUNS; i++) {
          const r = await failover(server.url, sim, leaseMs);
          note(
            `lease ${leaseMs} ms, run ${i + 1}: ${r.from} killed, ${r.to} leads after ${ms(r.takeoverMs)} ms, polls after ${ms(r.firstPollMs)} ms`,
          );
          runs.push(r);
        }
        const take = runs.map((r) => r.takeoverMs).sort((a, b) => a - b);
        const first = runs.map((r) => r.firstPollMs).sort((a, b) => a - b);
        console.log(
          `| ${leaseMs} | ${Math.floor(leaseMs / 3)} | ${RUNS} | ${int(percentile(take, 50))} | ${int(take[take.length - 1]!)} | ${int(percentile(first, 50))} | ${int(first[first.length - 1]!)} | ${runs.map((r) => int(r.firstPollMs)).join(', ')} |`,
        );
      }
    }
    note(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    end();
  }
}

await main();
