// Schedules at scale: 1,000 schedules over a 10,000-VM fleet (the simulator in the same process, over HTTP).
// 1. Deciding: a scheduler on its own SQLite store decides a simulated day of the 1,000 schedules (its clock and
//    timer moved by the bench, wake after wake, as its timer would fire): the CPU it spends per minute of schedule
//    time (listing schedules, computing next runs, resolving targets over the 10,000 VMs, recording each run). Its
//    engine is a stand-in that answers at once: starting the operations is part 2's, not deciding's.
// 2. Firing: the real app (real clock, timer, engine, SQLite with synchronous=FULL, fleet poller) with 1,000
//    schedules, of which 40 are due at each of the next three minute boundaries (one stopped VM each, start): the
//    delay from each scheduled moment to its POST /api/v4/vm_actions reaching the simulator (its request log's
//    arrival time), p50/p99 over the 120 runs.
//
//   pnpm bench schedules   (from the repository root; binds 127.0.0.1 only; about 4 minutes)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Operation } from '@powerdeck/contracts/operations';
import type { When } from '@powerdeck/contracts/schedules';
import { createSimulator } from '@powerdeck/vergeos-sim';
import { Scheduler, type SchedulerTimers } from '../src/schedules/scheduler';
import { openSqliteStores, type SqliteStores } from '../src/stores/sqlite/open';
import type { ScheduleFields } from '../src/stores/types';
import { benchApp, control, HASH, percentile, simStats } from './support';

const VMS = 10_000;
const SCHEDULES = 1_000;
const DUE_PER_MINUTE = 40;
const MINUTES = 3;
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'UTC',
  'Asia/Tokyo',
  'America/Chicago',
];
const DAY_START = Date.parse('2027-01-04T00:00:00Z'); // a Monday

/** A deterministic pseudo-random sequence (mulberry32), so every run benches the same schedules. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The mix: daily 40 %, weekdays 30 %, weekly 20 %, cron every 15 min 5 %, once 5 %; half by filter. */
function mix(vms: readonly FleetVm[], count: number, seed: number): ScheduleFields[] {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const out: ScheduleFields[] = [];
  for (let i = 0; i < count; i++) {
    const time = `${pad(Math.floor(r() * 24))}:${pad(Math.floor(r() * 60))}`;
    const kind = r();
    const when: When =
      kind < 0.4
        ? { kind: 'daily', time }
        : kind < 0.7
          ? { kind: 'weekdays', time }
          : kind < 0.9
            ? { kind: 'weekly', days: [1 + Math.floor(r() * 5), 6], time }
            : kind < 0.95
              ? { kind: 'cron', expression: '*/15 * * * *' }
              : { kind: 'once', date: '2027-01-04', time };
    const byFilter = r() < 0.5;
    // A filter: the first word of a VM's name and its node (matches a handful to a few hundred VMs).
    const vm = pick(vms);
    const targets = byFilter
      ? {
          kind: 'filter' as const,
          filter: `${vm.name.split(/[-_]/)[0] ?? vm.name}${vm.nodeName ? ` node:${vm.nodeName}` : ''}`,
        }
      : { kind: 'vms' as const, vms: [...new Set(Array.from({ length: 10 }, () => pick(vms).key))] };
    out.push({
      name: `bench ${i}`,
      enabled: true,
      action: pick(['start', 'shutdown', 'reboot'] as const),
      forceAfterS: null,
      targets,
      when,
      timeZone: pick(ZONES),
      graceMinutes: 15,
      exclusions: [],
    });
  }
  return out;
}

async function addSchedules(
  stores: SqliteStores,
  list: readonly ScheduleFields[],
  at: number,
): Promise<void> {
  const iso = new Date(at).toISOString();
  for (const fields of list) {
    await stores.schedules.create({
      ...fields,
      id: randomUUID(),
      owner: 'admin',
      createdAt: iso,
      updatedAt: iso,
    });
  }
}

async function deciding(vmsOf: () => FleetVm[], fleet: Parameters<typeof buildScheduler>[1]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-bench-sched-'));
  const stores = openSqliteStores(dir, { hashOptions: HASH });
  try {
    await stores.users.create({ username: 'admin', role: 'admin', password: 'bench-password-123' });
    await addSchedules(stores, mix(vmsOf(), SCHEDULES, 1), DAY_START - 60_000);
    let now = DAY_START;
    const { scheduler, created } = buildScheduler(stores, fleet, () => now);
    await scheduler.start();
    await scheduler.poke();
    const end = DAY_START + 24 * 3600_000;
    let wakes = 0;
    const before = process.cpuUsage();
    const wall = performance.now();
    for (;;) {
      const at = scheduler.armedAt();
      if (at === null || at > end) break;
      now = at;
      await scheduler.poke();
      wakes++;
    }
    const cpu = process.cpuUsage(before);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    await scheduler.stop();
    console.log(
      `Deciding a simulated day (${new Date(DAY_START).toISOString().slice(0, 10)}, UTC day) of ${SCHEDULES} ` +
        `schedules over ${VMS} VMs: ${wakes} wakes, ${created()} runs started (stand-in engine), ` +
        `CPU ${(cpuMs / 1000).toFixed(2)} s (wall ${((performance.now() - wall) / 1000).toFixed(2)} s) = ` +
        `${(cpuMs / 1440).toFixed(1)} ms of CPU per minute of schedule time, ${(cpuMs / Math.max(1, wakes)).toFixed(1)} ms per wake` +
        '',
    );
  } finally {
    stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function buildScheduler(
  stores: SqliteStores,
  fleet: ConstructorParameters<typeof Scheduler>[0]['fleet'],
  now: () => number,
) {
  let count = 0;
  const timers: SchedulerTimers = { set: () => null, clear: () => undefined };
  const scheduler = new Scheduler({
    store: stores.schedules,
    users: stores.users,
    fleet,
    engine: {
      // The stand-in: an operation created at once, all its VMs pending.
      create: (input) => {
        count++;
        return Promise.resolve({
          id: randomUUID(),
          vms: input.vms.map(() => ({ state: 'pending' })),
        } as Operation);
      },
    },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    now,
    timers,
  });
  return { scheduler, created: () => count };
}

async function main() {
  const sim = await createSimulator({ vms: VMS });
  const { app, stores, close } = await benchApp(sim, 'sched-app', {
    config: { poll: { intervalMs: 5_000, fastIntervalMs: 1_000, fastWindowMs: 10_000 } },
  });
  try {
    console.log(`Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
    const vms = () => app.fleet.current().snapshot.vms;
    console.log(`fleet: ${vms().length} VMs`);

    await deciding(vms, app.fleet);

    // 2. Firing, in real time.
    await stores.users.create({ username: 'admin', role: 'admin', password: 'bench-password-123' });
    const stopped = vms().filter((vm) => vm.status === 'stopped');
    if (stopped.length < DUE_PER_MINUTE * MINUTES) throw new Error('not enough stopped VMs in the fleet');
    const first = Math.ceil((Date.now() + 30_000) / 60_000) * 60_000;
    const boundaries = Array.from({ length: MINUTES }, (_, i) => first + i * 60_000);
    // The rest of the 1,000: the same mix, in UTC at times six hours away, so that none runs during the window.
    const away = `${pad((new Date().getUTCHours() + 6) % 24)}:00`;
    const background = mix(vms(), SCHEDULES - DUE_PER_MINUTE * MINUTES, 2).map((s): ScheduleFields => ({
      ...s,
      timeZone: 'UTC',
      when:
        s.when.kind === 'weekly' || s.when.kind === 'weekdays'
          ? { ...s.when, time: away }
          : { kind: 'daily', time: away },
    }));
    const now = Date.now();
    await addSchedules(stores, background, now);
    const due: ScheduleFields[] = [];
    boundaries.forEach((b, m) => {
      const d = new Date(b);
      for (let i = 0; i < DUE_PER_MINUTE; i++) {
        const vm = stopped[m * DUE_PER_MINUTE + i] as FleetVm;
        due.push({
          name: `due ${m}.${i}`,
          enabled: true,
          action: 'start',
          forceAfterS: null,
          targets: { kind: 'vms', vms: [vm.key] },
          when: {
            kind: 'once',
            date: d.toISOString().slice(0, 10),
            time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
          },
          timeZone: 'UTC',
          graceMinutes: 15,
          exclusions: [],
        });
      }
    });
    await addSchedules(stores, due, now);
    await app.scheduler.poke();
    // Each run's POST is found by its request id: the engine sends its audit row's request id (x-request-id),
    // which the simulator's request log keeps with the arrival time. The log is read every 500 ms (it keeps 500).
    await control(sim, 'stats', 'DELETE');
    const arrived = new Map<string, number>();
    const dueIds = new Map<string, number>();
    const list = await stores.schedules.list();
    for (const sch of list) {
      const m = /^due (\d+)\./.exec(sch.name);
      if (m) dueIds.set(sch.id, boundaries[Number(m[1])] as number);
    }
    const end = (boundaries[MINUTES - 1] as number) + 30_000;
    while (Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const e of (await simStats(sim)).log) {
        if (e.method === 'POST' && e.route === '/api/v4/vm_actions' && e.requestId !== null) {
          arrived.set(e.requestId, Date.parse(e.time));
        }
      }
      if (arrived.size >= DUE_PER_MINUTE * MINUTES) break;
    }
    const rows = (await stores.audit.query({ kind: 'power', order: 'asc', limit: 1000 })).rows;
    const delays: number[] = [];
    const perMinute = new Map<number, number[]>();
    for (const row of rows) {
      if (row.outcome !== 'requested' || row.scheduleId == null || row.requestId === null) continue;
      const moment = dueIds.get(row.scheduleId);
      const at = arrived.get(row.requestId);
      if (moment === undefined || at === undefined) continue;
      delays.push(at - moment);
      perMinute.set(moment, [...(perMinute.get(moment) ?? []), at - moment]);
    }
    for (const b of boundaries) {
      const ds = perMinute.get(b) ?? [];
      console.log(
        `  ${new Date(b).toISOString()}: ${ds.length} runs reached VergeOS, first after ${Math.min(...ds)} ms, last after ${Math.max(...ds)} ms`,
      );
    }
    const sorted = [...delays].sort((a, b) => a - b);
    console.log(
      `Firing: ${delays.length} runs (${DUE_PER_MINUTE} at each of ${MINUTES} minute boundaries, ${SCHEDULES} schedules ` +
        `loaded, ${VMS} VMs): scheduled moment -> POST at VergeOS p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, ` +
        `max ${sorted[sorted.length - 1]} ms`,
    );
  } finally {
    await close();
    await sim.close();
  }
}

await main();
