// `pnpm bench proxy`: the latency the BFF adds to GET /api/v4/machine_status/:key, against the
// simulator direct, at a fixed 1,000 requests/s (open loop). The simulator and the BFF run as their own
// processes, as in production. The load generator runs in a worker thread, so the main thread (process
// spawning, bookkeeping, printing) never shares an event loop with it, and it allocates almost nothing
// per request: latencies go to a preallocated Float64Array, no promise per request is kept, bodies are
// drained without being buffered. Rounds alternate direct/BFF in ABBA order so that a slow phase of the
// machine hits both targets; every round's p99 is printed, and the load generator's own GC pauses per
// round are reported so that a stall of the measuring side shows instead of being blamed on a target.
//
// The BFF serves its API to signed-in callers only: the load generator is a script with a personal access
// token (`Authorization: Bearer pd_…`, created in the BFF's own temporary data directory before it starts), so
// every request through the BFF pays for its token lookup, as a real script's would.
//
// Second part (`--only flood` runs it alone, `--only latency` the first alone): how long an admin's power action
// takes while a viewer floods the VergeOS routes with reads and VergeOS is slow (1.5 s an answer) or hangs. A BFF with
// the default limits runs against the same simulator; the viewer's script keeps 400 (slow) or 300 (hang) reads open,
// sending the next one the moment one is answered, whatever the answer (429 included), and the admin's script sends
// one `poweron` at a time through a connection of its own. Figures per phase: the action latencies, and what the
// flood got (statuses).
//
// `--baseline <git ref>` (with the latency part): a second BFF runs the code of apps/bff at that commit (checked out
// into apps/bff/.bench-baseline/, which the run removes; it resolves its packages from apps/bff/node_modules), as a third
// target in the same rounds, so a change is measured before and after side by side, on the same machine at the same
// time: `pnpm bench proxy -- --only latency --baseline main`.
//
// Extra Node flags for one measured process (e.g. to ground a claim with `--trace-gc` or `--heap-prof`):
// BENCH_BFF_NODE_FLAGS, BENCH_SIM_NODE_FLAGS (space-separated, passed to node through tsx). Their output goes to bench-<name>.log in the cwd when
// BENCH_CHILD_LOGS=1.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';
import { openSqliteStores } from '../src/stores/sqlite/open';
import { percentile } from './support';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const RATE = 1000;
const WARMUP_MS = 2000;
const ROUND_MS = 4000;
/** Rounds per target. */
const ROUNDS = 5;
const PATH = '/api/v4/machine_status/54';

/** A data directory for the BFF with one viewer and a personal access token of theirs (what a script holds). */
async function dataDirWithToken(): Promise<{ dataDir: string; token: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pd-bench-proxy-'));
  const stores = openSqliteStores(dataDir);
  try {
    const user = await stores.users.create({
      username: 'bench',
      role: 'viewer',
      password: `bench-${crypto.randomUUID()}`,
    });
    const { token } = await stores.tokens.create({
      userId: user.id,
      name: 'proxy benchmark',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 24 * 3600_000),
    });
    return { dataDir, token };
  } finally {
    stores.close();
  }
}

const children: ChildProcess[] = [];
/** Run once the children have exited (the BFF's data directory). */
const cleanups: (() => void)[] = [];
function launch(name: string, args: string[], env: Record<string, string>, pattern: RegExp): Promise<string> {
  const nodeFlags = (process.env[`BENCH_${name.toUpperCase()}_NODE_FLAGS`] ?? '').split(' ').filter(Boolean);
  const child = spawn(tsx, [...nodeFlags, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const logFile = process.env.BENCH_CHILD_LOGS === '1' ? createWriteStream(`bench-${name}.log`) : undefined;
  return new Promise((resolve, reject) => {
    let out = '';
    let found = false;
    const timer = setTimeout(() => reject(new Error(`no URL from ${args.join(' ')}:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      logFile?.write(d);
      if (found) return; // keep draining the pipe, but stop accumulating
      out += d.toString();
      const m = pattern.exec(out);
      if (m?.[1]) {
        found = true;
        out = '';
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

/** The load generator (CommonJS, undici loaded by path), one round per message from the main thread. */
const LOADGEN = `
const { workerData, parentPort } = require('node:worker_threads');
const { PerformanceObserver } = require('node:perf_hooks');
const { Pool } = require(workerData.undiciPath);
const RATE = workerData.rate;
const PATH = workerData.path;
const pools = {};
for (const [name, t] of Object.entries(workerData.targets)) {
  pools[name] = { pool: new Pool(t.origin, { connections: 64, pipelining: 1 }), headers: t.headers };
}
// The load generator's own GC pauses, per round.
let gcCount = 0, gcTotal = 0, gcMax = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) { gcCount++; gcTotal += e.duration; if (e.duration > gcMax) gcMax = e.duration; }
}).observe({ entryTypes: ['gc'] });

function round(name, ms) {
  const { pool, headers } = pools[name];
  const capacity = Math.ceil((ms / 1000) * RATE) + 16;
  const lat = new Float64Array(capacity);
  let n = 0, errors = 0, sent = 0, inflight = 0, maxInflight = 0, lateMax = 0, finished = false, done;
  gcCount = 0; gcTotal = 0; gcMax = 0;
  const finish = () => {
    if (finished && inflight === 0) done();
  };
  const start = performance.now();
  const fire = () => {
    const t0 = performance.now();
    inflight++;
    if (inflight > maxInflight) maxInflight = inflight;
    pool.request({ method: 'GET', path: PATH, headers }, (err, res) => {
      if (err) { errors++; inflight--; finish(); return; }
      const ok = res.statusCode === 200;
      res.body.on('error', () => { errors++; inflight--; finish(); });
      res.body.on('end', () => {
        if (ok && n < capacity) lat[n++] = performance.now() - t0; else errors++;
        inflight--;
        finish();
      });
      res.body.resume();
    });
  };
  return new Promise((resolve) => {
    done = () => resolve({ lat, n, errors, sent, maxInflight, lateMax, gcCount, gcTotal, gcMax });
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(capacity - 16, Math.floor((Math.min(elapsed, ms) / 1000) * RATE));
      // How far behind schedule the generator itself is (a stall of this thread, not of a target).
      if (due > sent) { const late = elapsed - (sent / RATE) * 1000; if (late > lateMax) lateMax = late; }
      for (; sent < due; sent++) fire();
      if (elapsed < ms) setTimeout(tick, 1);
      else { finished = true; finish(); }
    };
    tick();
  });
}

parentPort.on('message', async (m) => {
  if (m.cmd === 'close') {
    await Promise.all(Object.values(pools).map((p) => p.pool.close()));
    parentPort.close();
    return;
  }
  const r = await round(m.target, m.ms);
  const lat = r.lat.slice(0, r.n);
  parentPort.postMessage({ ...r, lat }, [lat.buffer]);
});
`;

interface RoundResult {
  lat: Float64Array;
  n: number;
  errors: number;
  sent: number;
  maxInflight: number;
  lateMax: number;
  gcCount: number;
  gcTotal: number;
  gcMax: number;
}

type Target = 'direct' | 'bff' | 'baseline';

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}

async function main() {
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
  if (only !== undefined && only !== 'latency' && only !== 'flood') {
    throw new Error(`--only takes latency or flood (got ${only})`);
  }
  const simUrl = await launch(
    'sim',
    ['packages/vergeos-sim/src/cli.ts', '--port', '0', '--time-scale', '1'],
    {},
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const baselineAt = process.argv.indexOf('--baseline');
  const baseline = baselineAt === -1 ? undefined : process.argv[baselineAt + 1];
  if (baselineAt !== -1 && !baseline) throw new Error('--baseline takes a git ref');
  if (only !== 'flood') await latency(simUrl, baseline);
  if (only !== 'latency') await flood(simUrl);
}

/** apps/bff (its source, migrations, package.json) at `ref`, checked out under apps/bff (so that it finds apps/bff/node_modules); its server.ts. */
function checkoutBaseline(ref: string): string {
  const dir = join(root, 'apps', 'bff', '.bench-baseline');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const tar = execFileSync('git', ['archive', '--format=tar', ref, 'apps/bff'], { cwd: root });
  execFileSync('tar', ['-x', '-C', dir, '--strip-components=2'], { input: tar });
  return join('apps', 'bff', '.bench-baseline', 'src', 'server.ts');
}

async function launchBff(
  name: string,
  server: string,
  simUrl: string,
): Promise<{ url: string; token: string }> {
  const { dataDir, token } = await dataDirWithToken();
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const url = await launch(
    name,
    [server],
    {
      PORT: '0',
      VERGEOS_URL: simUrl,
      VERGEOS_API_KEY: 'sim-admin-key',
      POWERDECK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // 1,000 requests/s from one token: far past the per-principal limits of a real deployment.
      POWERDECK_API_RATE_PER_MINUTE: '1000000',
      POWERDECK_API_CONCURRENCY: '256',
    },
    /Powerdeck: (http:\/\/127\.0\.0\.1:\d+)/,
  );
  // One request first: a refused token would otherwise only show as a column of errors.
  const probe = await fetch(`${url}${PATH}`, { headers: { authorization: `Bearer ${token}` } });
  if (probe.status !== 200)
    throw new Error(`the ${name} BFF answered ${probe.status} to the benchmark's token`);
  return { url, token };
}

async function latency(simUrl: string, baselineRef: string | undefined) {
  const bff = await launchBff('bff', 'apps/bff/src/server.ts', simUrl);
  const baseline =
    baselineRef === undefined
      ? undefined
      : await launchBff('baseline', checkoutBaseline(baselineRef), simUrl);
  const targets: Target[] = baseline ? ['direct', 'baseline', 'bff'] : ['direct', 'bff'];
  const worker = new Worker(LOADGEN, {
    eval: true,
    workerData: {
      undiciPath: createRequire(import.meta.url).resolve('undici'),
      rate: RATE,
      path: PATH,
      targets: {
        direct: { origin: simUrl, headers: { authorization: 'Bearer sim-admin-key' } },
        bff: { origin: bff.url, headers: { authorization: `Bearer ${bff.token}` } },
        ...(baseline
          ? { baseline: { origin: baseline.url, headers: { authorization: `Bearer ${baseline.token}` } } }
          : {}),
      },
    },
  });
  let pending: { resolve: (r: RoundResult) => void; reject: (e: unknown) => void } | undefined;
  worker.on('message', (m: RoundResult) => pending?.resolve(m));
  worker.on('error', (e) => pending?.reject(e));
  const run = (target: Target, ms: number) =>
    new Promise<RoundResult>((resolve, reject) => {
      pending = { resolve, reject };
      worker.postMessage({ cmd: 'round', target, ms });
    });

  // warm-up (JIT, connection pools on both hops)
  for (const target of targets) await run(target, WARMUP_MS);

  const parts: Record<Target, Float64Array[]> = { direct: [], bff: [], baseline: [] };
  const errors: Record<Target, number> = { direct: 0, bff: 0, baseline: 0 };
  const perRound: { target: Target; round: number; r: RoundResult; p50: number; p99: number; max: number }[] =
    [];
  for (let round = 0; round < ROUNDS; round++) {
    const order: Target[] = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const r = await run(target, ROUND_MS);
      const s = r.lat.sort();
      parts[target].push(s);
      errors[target] += r.errors;
      perRound.push({
        target,
        round: round + 1,
        r,
        p50: percentile(s, 50),
        p99: percentile(s, 99),
        max: s.at(-1) ?? NaN,
      });
    }
  }
  worker.postMessage({ cmd: 'close' });

  const label = (t: Target) =>
    t === 'bff'
      ? 'through the BFF'
      : t === 'baseline'
        ? `through the BFF at ${baselineRef ?? ''}`
        : 'simulator direct';
  console.log(
    `GET ${PATH} at ${RATE} requests/s (open loop, load generator in a worker thread), ${ROUNDS} rounds of ` +
      `${ROUND_MS / 1000} s per target in ABBA order after ${WARMUP_MS / 1000} s warm-up each`,
  );
  console.log('\nPer round:');
  console.log(
    '| round | target | requests | errors | p50 (ms) | p99 (ms) | max (ms) | max in flight | generator late max (ms) | generator GC max (ms) |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const x of perRound) {
    console.log(
      `| ${x.round} | ${label(x.target)} | ${x.r.n} | ${x.r.errors} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} | ${x.max.toFixed(2)} | ${x.r.maxInflight} | ${x.r.lateMax.toFixed(1)} | ${x.r.gcMax.toFixed(1)} |`,
    );
  }
  const rows = targets.map((t) => {
    const s = concat(parts[t]);
    return {
      t,
      n: s.length,
      errors: errors[t],
      p50: percentile(s, 50),
      p99: percentile(s, 99),
      max: s.at(-1) ?? NaN,
    };
  });
  console.log('\nAll rounds:');
  console.log('| target | requests | errors | p50 (ms) | p99 (ms) | max (ms) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${label(r.t)} | ${r.n} | ${r.errors} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} |`,
    );
  }
  const d = rows[0]!;
  const roundP99 = (t: Target) =>
    perRound
      .filter((x) => x.target === t)
      .map((x) => x.p99)
      .sort((x, y) => x - y);
  const median = (a: number[]) => a[Math.floor(a.length / 2)] ?? NaN;
  for (const b of rows.slice(1)) {
    console.log(
      `\nadded ${label(b.t)}: p50 ${(b.p50 - d.p50).toFixed(2)} ms, p99 ${(b.p99 - d.p99).toFixed(2)} ms ` +
        `(median of per-round p99: ${(median(roundP99(b.t)) - median(roundP99('direct'))).toFixed(2)} ms; goal: p99 under 5 ms)`,
    );
  }
}

// ---- the flood ----

const FLOOD_PATH = '/api/v4/machine_status/54';
const SLOW_MS = 1500;
/** Actions measured per phase, one at a time, this far apart. */
const ACTIONS = 6;
const ACTION_GAP_MS = 500;
/** How long the flood runs before the first action. */
const FLOOD_WARMUP_MS = 3000;

/** A data directory with a viewer and an admin, each with a personal access token (two scripts). */
async function dataDirWithTwoTokens(): Promise<{ dataDir: string; viewer: string; admin: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pd-bench-flood-'));
  const stores = openSqliteStores(dataDir);
  try {
    const tokens: Record<string, string> = {};
    for (const role of ['viewer', 'admin'] as const) {
      const user = await stores.users.create({
        username: `bench-${role}`,
        role,
        password: `bench-${crypto.randomUUID()}`,
      });
      const { token } = await stores.tokens.create({
        userId: user.id,
        name: `flood benchmark (${role})`,
        role,
        expiresAt: new Date(Date.now() + 24 * 3600_000),
      });
      tokens[role] = token;
    }
    return { dataDir, viewer: tokens.viewer!, admin: tokens.admin! };
  } finally {
    stores.close();
  }
}

/** Keeps `count` reads open through `pool`, each answered one replaced at once; counts the answers by status. */
function startFlood(pool: Pool, count: number, token: string) {
  const statuses = new Map<string, number>();
  const note = (s: string) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
  let stopping = false;
  let open = 0;
  let drained: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (drained = resolve));
  const one = () => {
    if (stopping) {
      if (open === 0) drained();
      return;
    }
    open++;
    pool.request(
      { method: 'GET', path: FLOOD_PATH, headers: { authorization: `Bearer ${token}` } },
      (err, res) => {
        const next = (status: string) => {
          note(status);
          open--;
          setImmediate(one);
        };
        if (err) return next('error');
        res.body.on('error', () => next('error'));
        res.body.on('end', () => next(String(res.statusCode)));
        res.body.resume();
      },
    );
  };
  for (let i = 0; i < count; i++) one();
  return {
    statuses,
    stop(): Promise<void> {
      stopping = true;
      if (open === 0) drained();
      return done;
    },
  };
}

interface ActionResult {
  ms: number;
  status: number;
}

async function flood(simUrl: string) {
  const { dataDir, viewer, admin } = await dataDirWithTwoTokens();
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const bffUrl = await launch(
    'flood',
    ['apps/bff/src/server.ts'],
    {
      PORT: '0',
      VERGEOS_URL: simUrl,
      VERGEOS_API_KEY: 'sim-admin-key',
      POWERDECK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    /Powerdeck: (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const scenario = async (body: Record<string, unknown>) => {
    const res = await fetch(`${simUrl}/__sim/scenario`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`the simulator refused scenario ${JSON.stringify(body)}: ${res.status}`);
  };
  const floodPool = new Pool(bffUrl, { connections: 512, pipelining: 1 });
  const adminPool = new Pool(bffUrl, { connections: 4, pipelining: 1 });
  const listed = await fetch(`${simUrl}/api/v4/vms?fields=%24key&filter=is_snapshot+eq+false`, {
    headers: { authorization: 'Bearer sim-admin-key' },
  });
  const keys = ((await listed.json()) as { $key: number }[]).map((v) => v.$key);
  let turn = 0;
  const action = async (): Promise<ActionResult> => {
    // Any answer (201, or 409 when the VM already runs) is one round trip to VergeOS.
    const vm = keys[turn++ % keys.length]!;
    const t0 = performance.now();
    const res = await adminPool.request({
      method: 'POST',
      path: '/api/v4/vm_actions',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ vm, action: 'poweron' }),
    });
    await res.body.text();
    return { ms: performance.now() - t0, status: res.statusCode };
  };
  const actions = async (n: number) => {
    const out: ActionResult[] = [];
    for (let i = 0; i < n; i++) {
      out.push(await action());
      await sleep(ACTION_GAP_MS);
    }
    return out;
  };
  const rows: { phase: string; results: ActionResult[]; flood?: Map<string, number>; floodMs?: number }[] =
    [];
  const withFlood = async (phase: string, count: number, n: number) => {
    const f = startFlood(floodPool, count, viewer);
    const started = performance.now();
    await sleep(FLOOD_WARMUP_MS);
    const results = await actions(n);
    const floodMs = performance.now() - started;
    await f.stop();
    rows.push({ phase, results, flood: f.statuses, floodMs });
  };

  await scenario({ name: 'none' });
  await actions(2); // warm-up
  rows.push({ phase: 'VergeOS normal, no flood', results: await actions(ACTIONS) });
  await scenario({ name: 'slow', latencyMs: SLOW_MS });
  rows.push({ phase: `VergeOS slow (${SLOW_MS} ms), no flood`, results: await actions(ACTIONS) });
  await withFlood(`VergeOS slow (${SLOW_MS} ms), viewer keeps 400 reads open`, 400, ACTIONS);
  await scenario({ name: 'hang' });
  await withFlood('VergeOS hangs, viewer keeps 300 reads open', 300, 1);
  await scenario({ name: 'none' });
  await Promise.all([floodPool.close(), adminPool.close()]);

  console.log(
    `\nAn admin's POST /api/v4/vm_actions (poweron, one at a time, ${ACTION_GAP_MS} ms apart) while a viewer's ` +
      `script floods GET ${FLOOD_PATH} (default limits; flood for ${FLOOD_WARMUP_MS / 1000} s before the first action):`,
  );
  console.log('| phase | action latencies (ms) | action statuses | flood answers (status: count, per s) |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) {
    const ms = r.results.map((x) => x.ms.toFixed(0)).join(', ');
    const st = [...new Set(r.results.map((x) => x.status))].join(', ');
    const fl =
      r.flood && r.floodMs
        ? [...r.flood]
            .sort()
            .map(([k, v]) => `${k}: ${v} (${((v * 1000) / r.floodMs!).toFixed(0)}/s)`)
            .join(', ')
        : '-';
    console.log(`| ${r.phase} | ${ms} | ${st} | ${fl} |`);
  }
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    for (const fn of cleanups) fn();
  });
