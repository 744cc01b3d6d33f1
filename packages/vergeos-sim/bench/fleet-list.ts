// Full-fleet list over real HTTP: the request a dashboard poller makes, the VM list with its joined status,
// against simulators of 24, 1,000 and 10,000 VMs. Prints p50/p95/max of 30 timed requests each.
//
//   pnpm bench sim      (from the repository root)

import http from 'node:http';
import { createSimulator } from '../src/index';

const PATH =
  '/api/v4/vms?fields=$key,name,machine,machine%23status%23status%20as%20status,machine%23status%23running%20as%20running&filter=is_snapshot%20eq%20false';
const SIZES = [24, 1000, 10000];
const WARMUP = 5;
const RUNS = 30;
const GOAL_MS = 200;

function get(
  url: URL,
  agent: http.Agent,
  apiKey: string,
): Promise<{ ms: number; bytes: number; rows: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: PATH,
        agent,
        headers: { authorization: `Bearer ${apiKey}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode !== 200) {
            reject(new Error(`HTTP ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`));
            return;
          }
          const rows = (JSON.parse(body.toString('utf8')) as unknown[]).length;
          resolve({ ms: performance.now() - t, bytes: body.length, rows });
        });
      },
    );
    req.on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const results: string[] = [];
  let slowest = 0;
  for (const vms of SIZES) {
    const sim = await createSimulator({ vms });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = new URL(sim.url);
      for (let i = 0; i < WARMUP; i += 1) await get(url, agent, sim.apiKey);
      const times: number[] = [];
      let last = { bytes: 0, rows: 0 };
      for (let i = 0; i < RUNS; i += 1) {
        const r = await get(url, agent, sim.apiKey);
        times.push(r.ms);
        last = r;
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50);
      const p95 = percentile(times, 95);
      const max = times[times.length - 1] ?? Number.NaN;
      if (vms === 10000) slowest = p95;
      results.push(
        `| ${vms.toLocaleString('en-US')} | ${last.rows.toLocaleString('en-US')} | ${(last.bytes / 1024).toFixed(0)} KiB | ${p50.toFixed(1)} | ${p95.toFixed(1)} | ${max.toFixed(1)} |`,
      );
    } finally {
      agent.destroy();
      await sim.close();
    }
  }
  console.log(`GET ${PATH}`);
  console.log(
    `${RUNS} requests per fleet after ${WARMUP} warm-up requests, one keep-alive connection, Node ${process.version}\n`,
  );
  console.log('| VMs | rows | body | p50 (ms) | p95 (ms) | max (ms) |');
  console.log('| --: | --: | --: | --: | --: | --: |');
  for (const line of results) console.log(line);
  console.log(
    `\nGoal: under ${GOAL_MS} ms at 10,000 VMs: ${slowest < GOAL_MS ? 'met' : 'NOT met'} (p95 ${slowest.toFixed(1)} ms)`,
  );
}

await main();
