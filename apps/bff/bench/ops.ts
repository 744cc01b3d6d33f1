// Bulk operations: how long a watched reboot of 200 VMs takes with parallelism 1, 4 and 16. The real app (SQLite
// stores in a temporary directory, the operation engine, the fleet poller) against a 200-VM simulator in the same
// process. The simulator and the engine's waits run at TIME_SCALE (a guest's 5-60 s shut down lasts 25-300 ms), so a
// run takes seconds, not hours; the fleet poller keeps real time (fast cadence 50 ms while VMs change state), so its
// latency weighs more here than it would at time scale 1. Each reboot is sent once (`reset` with graceful: true) and
// watched until the VM runs again; the operation is started over HTTP by a signed-in admin.
//
//   pnpm bench ops      (from the repository root; binds 127.0.0.1 only, stops by itself in about a minute)

import { cpus } from 'node:os';
import type { Operation } from '@powerdeck/contracts/operations';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { createSimulator, type Simulator } from '@powerdeck/vergeos-sim';
import { benchApp, control, simStats, untilFleetShows } from './support';

const VMS = 200;
const TIME_SCALE = 0.005;
const PARALLELISM = [1, 4, 16];
const POLL = { intervalMs: 200, fastIntervalMs: 50, fastWindowMs: 2_000 };

interface Run {
  parallelism: number;
  seconds: number;
  done: number;
  failed: number;
  posts: number;
  highWater: number;
  perVmMs: number;
}

async function run(sim: Simulator, parallelism: number): Promise<Run> {
  sim.reset();
  const { app, stores, close } = await benchApp(sim, 'ops', {
    config: { poll: POLL },
    operations: { timeScale: TIME_SCALE },
  });
  try {
    // Every VM running, with a guest that honours the reboot (the seeded fleet has some that ignore ACPI).
    const keys = app.fleet.current().snapshot.vms.map((v) => v.key);
    for (const key of keys)
      await control(sim, `vms/${key}`, 'PUT', { status: 'running', ignores_acpi: false });
    await untilFleetShows(app.fleet, VMS, 'running', 10_000);
    await stores.users.create({ username: 'admin', role: 'admin', password: 'bench-password-123' });
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { username: 'admin', password: 'bench-password-123' },
    });
    const cookie = signIn.cookies.find((c) => c.name === 'pd_session')!.value;
    // VMs just put into running got `started` = now (epoch seconds): let that second pass, so that a reboot's new
    // `started` differs even where a poll misses its short stopping/starting phase.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await control(sim, 'stats', 'DELETE');

    let highWater = 0;
    let id = '';
    let resolveDone: (op: Operation) => void = () => undefined;
    const finished = new Promise<Operation>((resolve) => (resolveDone = resolve));
    app.operations.subscribe((op) => {
      if (op.id !== id) return;
      highWater = Math.max(highWater, op.counts.active);
      if (op.status !== 'running') resolveDone(op);
    });
    const started = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: '/api/operations',
      headers: { cookie: `pd_session=${cookie}`, [CSRF_HEADER]: '1' },
      payload: { action: 'reboot', vms: keys, parallelism, timeoutS: 300 },
    });
    if (res.statusCode !== 201)
      throw new Error(`POST /api/operations answered ${res.statusCode}: ${res.body}`);
    id = res.json<Operation>().id;
    const op = await finished;
    const seconds = (performance.now() - started) / 1000;
    const stats = await simStats(sim);
    return {
      parallelism,
      seconds,
      done: op.counts.done,
      failed: op.counts.failed,
      posts: stats.requests['POST /api/v4/vm_actions'] ?? 0,
      highWater,
      // The time one slot spent per VM on average (reboot, detection, bookkeeping).
      perVmMs: (seconds * 1000 * parallelism) / VMS,
    };
  } finally {
    await close();
  }
}

async function main() {
  const sim = await createSimulator({ vms: VMS, timeScale: TIME_SCALE });
  try {
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(
      `Bulk reboot of ${VMS} VMs, simulator and engine at time scale ${TIME_SCALE}, fast poll ${POLL.fastIntervalMs} ms; ` +
        `Node ${process.version}, ${cpus().length} x ${cpu}`,
    );
    const results: Run[] = [];
    for (const p of PARALLELISM) {
      const r = await run(sim, p);
      results.push(r);
      console.log(`  parallelism ${p}: ${r.seconds.toFixed(1)} s`);
    }
    console.log('');
    console.log(
      '| parallelism | time (s) | at time scale 1 (min, approx.) | VMs done | failed | reboots sent | most active at once | per VM per slot (ms) |',
    );
    console.log('| --: | --: | --: | --: | --: | --: | --: | --: |');
    for (const r of results) {
      console.log(
        `| ${r.parallelism} | ${r.seconds.toFixed(1)} | ${(r.seconds / TIME_SCALE / 60).toFixed(0)} | ${r.done} | ${r.failed} | ${r.posts} | ${r.highWater} | ${r.perVmMs.toFixed(0)} |`,
      );
    }
  } finally {
    await sim.close();
  }
}

await main();
