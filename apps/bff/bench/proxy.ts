// `pnpm bench proxy`: the latency the BFF adds to GET /api/v4/machine_status/:key, against the
// simulator direct, at a fixed 1,000 requests/s (open loop), side by side in one run. The simulator
// and the BFF run as their own processes, as in production; this process only generates load.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const RATE = 1000;
const ROUND_MS = 5000;
const ROUNDS = 3;
const PATH = '/api/v4/machine_status/54';

const children: ChildProcess[] = [];
function launch(args: string[], env: Record<string, string>, pattern: RegExp): Promise<string> {
  const child = spawn(tsx, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL from ${args.join(' ')}:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sends RATE requests per second for `ms`, whatever the answers take; returns latencies (ms). */
async function openLoop(pool: Pool, headers: Record<string, string>, ms: number) {
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) {
    const due = Math.floor(((performance.now() - start) / 1000) * RATE);
    for (; sent < due; sent++) {
      const t0 = performance.now();
      inflight.push(
        pool.request({ method: 'GET', path: PATH, headers }).then(
          async (res) => {
            await res.body.text();
            if (res.statusCode === 200) latencies.push(performance.now() - t0);
            else errors++;
          },
          () => {
            errors++;
          },
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  return { latencies, errors, sent };
}

async function main() {
  const simUrl = await launch(
    ['packages/vergeos-sim/src/cli.ts', '--port', '0', '--time-scale', '1'],
    {},
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const bffUrl = await launch(
    ['apps/bff/src/server.ts'],
    { PORT: '0', VERGEOS_URL: simUrl, VERGEOS_API_KEY: 'sim-admin-key', LOG_LEVEL: 'warn' },
    /Powerdeck: (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const targets = {
    direct: {
      pool: new Pool(simUrl, { connections: 64 }),
      headers: { authorization: 'Bearer sim-admin-key' },
    },
    bff: { pool: new Pool(bffUrl, { connections: 64 }), headers: {} },
  };
  const results = { direct: [] as number[], bff: [] as number[] };
  const errors = { direct: 0, bff: 0 };
  // warm-up
  for (const t of Object.values(targets)) await openLoop(t.pool, t.headers, 1500);
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ['direct', 'bff'] as const) {
      const r = await openLoop(targets[name].pool, targets[name].headers, ROUND_MS);
      results[name].push(...r.latencies);
      errors[name] += r.errors;
    }
  }
  const rows = (['direct', 'bff'] as const).map((name) => {
    const s = [...results[name]].sort((a, b) => a - b);
    return {
      name,
      n: s.length,
      errors: errors[name],
      p50: percentile(s, 50),
      p99: percentile(s, 99),
      max: s.at(-1) ?? NaN,
    };
  });
  const [d, b] = rows as [(typeof rows)[number], (typeof rows)[number]];
  console.log(
    `GET ${PATH} at ${RATE} requests/s, ${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s per target`,
  );
  console.log('| target | requests | errors | p50 (ms) | p99 (ms) | max (ms) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.name === 'bff' ? 'through the BFF' : 'simulator direct'} | ${r.n} | ${r.errors} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} |`,
    );
  }
  console.log(
    `added by the BFF: p50 ${(b.p50 - d.p50).toFixed(2)} ms, p99 ${(b.p99 - d.p99).toFixed(2)} ms (goal: p99 under 5 ms)`,
  );
  await Promise.all(Object.values(targets).map((t) => t.pool.close()));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
