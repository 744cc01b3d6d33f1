// Power plans at scale: a 10-tier start plan of 500 VMs (50 a tier, parallelism 16) against the time-scaled
// simulator in the same process, run by the real app (SQLite stores in a temporary directory, the fleet poller, the
// operation engine). The figure: the time from one tier's last VM up to the next tier's first POST reaching the
// simulator — what a plan adds between tiers on top of VergeOS's own start time (detection by the next fleet poll,
// ending the tier, recording it, sending the next tier's first step).
// - "Up": the simulator puts a started VM in `running` exactly START_MS x time scale after its poweron arrived, so a
//   tier's last VM is up at max(arrival + start time) over its VMs.
// - Arrivals: each step's POST, recorded by the simulator's request log with its arrival time. Tiers run one after
//   the other, so the run's 500 POSTs sorted by arrival are the tiers' 50 in order.
// The poller runs with the product's default cadence (1 s while VMs change state) and, for comparison, at 250 ms.
//
//   pnpm bench plans      (from the repository root; binds 127.0.0.1 only; about 4 minutes)
import { cpus } from 'node:os';
import type { Operation } from '@powerdeck/contracts/operations';
import { createSimulator, type Simulator } from '@powerdeck/vergeos-sim';
import type { Requester } from '../src/audit-fields';
import type { PlanRunTierSettings } from '../src/stores/types';
import { benchApp, control, percentile, simStats, untilFleetShows } from './support';

const TIERS = 10;
const PER_TIER = 50;
const VMS = TIERS * PER_TIER;
const PARALLELISM = 16;
const TIME_SCALE = 0.1;
/** The simulator's poweron: `starting` until `running` (packages/vergeos-sim/src/timings.ts), at time scale 1. */
const START_MS = 3000;
const RUNS = 3;
const POLLS = [1_000, 250];

const runner: Requester = {
  actor: 'admin',
  role: 'admin',
  authKind: 'session',
  source: null,
  userAgent: null,
  requestId: 'bench-plans',
};

/** One plan run: the gaps (ms) between each tier's last VM up and the next tier's first POST. */
async function run(sim: Simulator, fastPollMs: number): Promise<{ gaps: number[]; seconds: number }> {
  sim.reset();
  const { app, close } = await benchApp(sim, 'plans', {
    config: { poll: { intervalMs: 5_000, fastIntervalMs: fastPollMs, fastWindowMs: 60_000 } },
    operations: { timeScale: TIME_SCALE },
  });
  try {
    // Room for every VM, and every VM stopped with a guest that starts normally.
    for (const node of app.fleet.current().snapshot.nodes) {
      await control(sim, `nodes/${node.key}`, 'PUT', { cores: 10_000, vm_ram: 64 * 1024 * 1024 });
    }
    const keys = app.fleet.current().snapshot.vms.map((v) => v.key);
    for (const key of keys)
      await control(sim, `vms/${key}`, 'PUT', { status: 'stopped', start_failure: null });
    await untilFleetShows(app.fleet, VMS, 'stopped', 20_000);
    await control(sim, 'stats', 'DELETE');

    // The simulator's request log keeps the last 500 requests: read it often, keep each POST once (by position).
    const arrivals: number[] = [];
    let seenPosts = 0;
    const collect = async () => {
      const stats = await simStats(sim);
      const posts = stats.log.filter((e) => e.method === 'POST' && e.route === '/api/v4/vm_actions');
      const total = stats.requests['POST /api/v4/vm_actions'] ?? 0;
      const fresh = total - seenPosts;
      for (const e of posts.slice(Math.max(0, posts.length - fresh))) arrivals.push(Date.parse(e.time));
      seenPosts = total;
    };

    const tiers: PlanRunTierSettings[] = Array.from({ length: TIERS }, (_, t) => ({
      name: `tier ${t + 1}`,
      upWhen: 'running',
      timeoutS: 600,
      delayAfterS: 0,
      onFailure: 'stop',
      escalate: false,
    }));
    let resolveDone: (op: Operation) => void = () => undefined;
    const finished = new Promise<Operation>((resolve) => (resolveDone = resolve));
    let id = '';
    app.operations.subscribe((op) => {
      if (op.id === id && op.status !== 'running') resolveDone(op);
    });
    const started = performance.now();
    const op = await app.operations.create(
      {
        action: 'start',
        vms: keys,
        forceAfterS: null,
        reason: 'bench',
        parallelism: PARALLELISM,
        plan: { id: 'bench', name: 'Bench', tiers, vmTiers: keys.map((_, i) => Math.floor(i / PER_TIER)) },
      },
      runner,
    );
    id = op.id;
    const poller = setInterval(() => void collect(), 100);
    const done = await finished;
    clearInterval(poller);
    await collect();
    const seconds = (performance.now() - started) / 1000;
    if (done.counts.done !== VMS) throw new Error(`the plan ended with ${JSON.stringify(done.counts)}`);
    if (arrivals.length !== VMS) throw new Error(`saw ${arrivals.length} POSTs, not ${VMS}`);
    arrivals.sort((a, b) => a - b);
    const startMs = START_MS * TIME_SCALE;
    const gaps: number[] = [];
    for (let t = 0; t + 1 < TIERS; t++) {
      const tier = arrivals.slice(t * PER_TIER, (t + 1) * PER_TIER);
      const lastUp = Math.max(...tier) + startMs;
      gaps.push(arrivals[(t + 1) * PER_TIER]! - lastUp);
    }
    return { gaps, seconds };
  } finally {
    await close();
  }
}

async function main() {
  const sim = await createSimulator({ vms: VMS, timeScale: TIME_SCALE });
  try {
    console.log(
      `A ${TIERS}-tier start plan of ${VMS} VMs (${PER_TIER} a tier, parallelism ${PARALLELISM}); simulator and ` +
        `engine at time scale ${TIME_SCALE} (a start takes ${START_MS * TIME_SCALE} ms); ${RUNS} runs per poll ` +
        `cadence; Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`,
    );
    const rows: string[] = [];
    for (const poll of POLLS) {
      const gaps: number[] = [];
      const seconds: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const result = await run(sim, poll);
        gaps.push(...result.gaps);
        seconds.push(result.seconds);
        console.log(`  fast poll ${poll} ms, run ${r + 1}: ${result.seconds.toFixed(1)} s`);
      }
      gaps.sort((a, b) => a - b);
      const mean = seconds.reduce((s, x) => s + x, 0) / seconds.length;
      rows.push(
        `| ${poll} | ${gaps.length} | ${percentile(gaps, 50).toFixed(0)} | ${percentile(gaps, 99).toFixed(0)} | ` +
          `${gaps[0]!.toFixed(0)} | ${mean.toFixed(1)} |`,
      );
    }
    console.log('');
    console.log(
      '| fast poll (ms) | tier changes | last VM up → next tier first POST p50 (ms) | p99 (ms) | min (ms) | whole plan (s) |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
  } finally {
    await sim.close();
  }
}

await main();
