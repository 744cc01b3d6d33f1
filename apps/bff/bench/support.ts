// What the BFF's benchmarks share (each bench is its own script, `pnpm bench <name>`; this one is none): the real app
// on throw-away SQLite stores against the simulator, the simulator's control API (`/__sim/...`) as they set the scene
// and read its request counters, a wait for the fleet poller to show the scene, and the percentile their figures are
// reported by.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { SimStats, Simulator } from '@powerdeck/vergeos-sim';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../src/app';
import type { FleetPoller } from '../src/fleet/types';
import { openSqliteStores, type SqliteStores } from '../src/stores/sqlite/open';

/** Password hashing cheap enough that the benches' users cost nothing worth measuring. */
export const HASH = { timeCost: 1, memoryCost: 8192 } as const;

export interface BenchApp {
  app: FastifyInstance;
  stores: SqliteStores;
  /** Closes the app and its stores, and removes their directory. */
  close: () => Promise<void>;
}

/**
 * The real app (SQLite stores in a temporary directory `pd-bench-<name>-...`, the fleet poller, the operation
 * engine) against `sim` with the VergeOS API key, ready, the poller's first snapshot in.
 */
export async function benchApp(
  sim: Simulator,
  name: string,
  opts: Pick<AppOptions, 'config' | 'operations' | 'alerts'>,
): Promise<BenchApp> {
  const dataDir = mkdtempSync(join(tmpdir(), `pd-bench-${name}-`));
  const stores = openSqliteStores(dataDir, { hashOptions: HASH });
  let app: FastifyInstance | undefined;
  const close = async () => {
    await app?.close();
    stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    app = await buildApp({
      ...opts,
      upstream: {
        url: sim.url,
        auth: { kind: 'apiKey', apiKey: sim.apiKey },
        insecureTls: false,
        demo: false,
      },
      stores,
    });
    await app.ready();
    while (app.fleet.lastSuccessAt() === null) await new Promise((resolve) => setTimeout(resolve, 20));
    return { app, stores, close };
  } catch (err) {
    await close();
    throw err;
  }
}

type SimAt = Pick<Simulator, 'url'>;

/** `method /__sim/<path>` (`vms/42`, `stats`) with `body` as JSON, if any: its JSON answer; an error status throws. */
export async function control(sim: SimAt, path: string, method: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/__sim/${path}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
  if (!res.ok) throw new Error(`${method} /__sim/${path} answered ${res.status}`);
  return res.json();
}

/** The simulator's request counters and its log of the last requests (`GET /__sim/stats`). */
export async function simStats(sim: SimAt): Promise<SimStats> {
  return (await control(sim, 'stats', 'GET')) as SimStats;
}

/**
 * Until the poller's snapshot holds `count` VMs, all in `status` (what the bench just put them in through
 * `control`); throws after `withinMs`.
 */
export async function untilFleetShows(
  fleet: FleetPoller,
  count: number,
  status: FleetVm['status'],
  withinMs: number,
): Promise<void> {
  for (const deadline = Date.now() + withinMs; ;) {
    const { vms } = fleet.current().snapshot;
    if (vms.length === count && vms.every((v) => v.status === status)) return;
    if (Date.now() > deadline) throw new Error(`the fleet did not show every VM ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The nearest-rank `p`th percentile (0-100) of `sorted` (ascending); NaN when it is empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
