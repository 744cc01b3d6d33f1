// Shared by the fleet tests: a simulator, a small BFF (vergeos plugin + fleet poller + fleet routes) against it,
// the simulator's control routes over HTTP, a log capture, and cleanup after each test.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import {
  createSimulator,
  type Simulator,
  type SimulatorOptions,
  type SimStats,
} from '@powerdeck/vergeos-sim';
import Fastify, { type FastifyInstance, type FastifyPluginCallback } from 'fastify';
import { afterEach, vi } from 'vitest';
import type { BackoffOptions, PollOptions } from '../src/fleet/poller';
import fleetPoller from '../src/plugins/fleet-poller';
import vergeos from '../src/plugins/vergeos';
import fleetRoutes from '../src/routes/fleet';

const cleanups: (() => unknown)[] = [];

/** Registers something to close after the test (last registered, first closed). */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

afterEach(async () => {
  while (cleanups.length) {
    const fn = cleanups.pop();
    if (fn)
      await Promise.resolve()
        .then(fn)
        .catch(() => undefined);
  }
});

/** A simulator 100 times faster than real time, closed after the test. */
export async function startSim(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await createSimulator({ timeScale: 0.01, ...options });
  onCleanup(() => sim.close());
  return sim;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export const WARN = 40;

export interface FleetAppOptions {
  poll?: Partial<PollOptions>;
  backoff?: Partial<BackoffOptions>;
  heartbeatMs?: number;
  /** Runs after the vergeos plugin loaded, before the poller: instrument `app.vergeos.client` here. */
  beforePoller?: (app: FastifyInstance) => void;
  /** Registers this in place of the real vergeos plugin (a fake upstream). */
  vergeosPlugin?: FastifyPluginCallback;
}

export interface FleetApp {
  app: FastifyInstance;
  logs: LogLine[];
}

/** The BFF's fleet part against `sim`: vergeos -> fleet-poller -> routes, as app.ts registers them. */
export async function buildFleetApp(sim: Simulator | null, options: FleetAppOptions = {}): Promise<FleetApp> {
  const logs: LogLine[] = [];
  const app = Fastify({
    logger: {
      level: 'debug',
      stream: {
        write(line: string) {
          logs.push(JSON.parse(line) as LogLine);
        },
      },
    },
  });
  onCleanup(() => app.close());
  if (options.vergeosPlugin) {
    await app.register(options.vergeosPlugin);
  } else {
    if (!sim) throw new Error('a simulator is needed for the real vergeos plugin');
    await app.register(vergeos, {
      upstream: {
        url: sim.url,
        auth: { kind: 'apiKey', apiKey: sim.apiKey },
        insecureTls: false,
        demo: false,
      },
    });
  }
  options.beforePoller?.(app);
  await app.register(fleetPoller, {
    poll: { intervalMs: 50, fastIntervalMs: 50, fastWindowMs: 0, ...options.poll },
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  await app.register(fleetRoutes, { heartbeatMs: options.heartbeatMs ?? 15_000 });
  return { app, logs };
}

/** `GET /__sim/stats`. */
export async function simStats(sim: Simulator): Promise<SimStats> {
  const res = await fetch(`${sim.url}/__sim/stats`);
  if (!res.ok) throw new Error(`GET /__sim/stats answered ${res.status}`);
  return (await res.json()) as SimStats;
}

/** `DELETE /__sim/stats`. */
export async function clearSimStats(sim: Simulator): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`DELETE /__sim/stats answered ${res.status}`);
}

/** `PUT /__sim/vms/:key`. */
export async function putVm(sim: Simulator, key: number, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/vms/${key}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw new Error(`PUT /__sim/vms/${key} answered ${res.status}: ${await res.text()}`);
}

/** `POST /__sim/scenario`. */
export async function setScenario(sim: Simulator, name: string, settings: { latencyMs?: number } = {}) {
  const res = await fetch(`${sim.url}/__sim/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, ...settings }),
  });
  if (!res.ok) throw new Error(`POST /__sim/scenario answered ${res.status}: ${await res.text()}`);
}

/** A VergeOS action sent to the simulator directly (as another VergeOS client would). */
export async function simAction(sim: Simulator, vm: number, action: string): Promise<void> {
  const res = await fetch(`${sim.url}/api/v4/vm_actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sim.apiKey}` },
    body: JSON.stringify({ vm, action }),
  });
  if (res.status !== 201) throw new Error(`vm_actions answered ${res.status}: ${await res.text()}`);
}

export const upstreamCount = (stats: SimStats, route: string): number => stats.requests[route] ?? 0;

/**
 * The poller's poll count and the simulator's counters, read while no poll is in flight (so every request of every
 * counted poll has reached the simulator, and none of the next).
 */
export async function settledCounts(
  app: FastifyInstance,
  sim: Simulator,
): Promise<{ polls: number; stats: SimStats }> {
  for (;;) {
    await vi.waitFor(() => {
      if (app.fleet.status().polling) throw new Error('a poll is in flight');
    }, WAIT);
    const polls = app.fleet.status().polls;
    const stats = await simStats(sim);
    const after = app.fleet.status();
    if (!after.polling && after.polls === polls) return { polls, stats };
  }
}

/** `GET /api/fleet` through inject, parsed. */
export async function getFleet(app: FastifyInstance, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url: '/api/fleet', headers });
  return {
    res,
    etag: String(res.headers.etag),
    snapshot: res.statusCode === 200 ? (JSON.parse(res.body) as FleetSnapshot) : null,
  };
}

/** Waits for the first successful poll. */
export async function firstPoll(app: FastifyInstance): Promise<FleetSnapshot> {
  await app.ready();
  await vi.waitFor(() => {
    if (app.fleet.lastSuccessAt() === null) throw new Error('no successful poll yet');
  }, WAIT);
  return app.fleet.current().snapshot;
}

/** vi.waitFor options: generous timeout, short interval. */
export const WAIT = { timeout: 5_000, interval: 10 } as const;
