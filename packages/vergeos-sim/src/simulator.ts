// createSimulator: builds the fleet, the app and (with tls) the certificates, and listens.

import type { Socket } from 'node:net';
import { Auth } from './auth';
import { systemClock, type Clock } from './clock';
import { Cluster } from './cluster';
import type { SimContext } from './context';
import { generateFleet } from './fleet';
import { resolveOptions, type SimulatorOptions } from './options';
import { Scenarios, isScenarioName, type ScenarioName } from './scenarios';
import { buildApp } from './server';
import { Stats, type SimStats } from './stats';
import { buildCatalog } from './tables';
import { createTls, type SimTls } from './tls';

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly apiKey: string;
  readonly readOnlyApiKey: string;
  readonly username: string;
  readonly password: string;
  /** With tls: the CA certificate to pin, as a file and as PEM text. */
  readonly caFile?: string;
  readonly caPem?: string;
  setScenario(name: ScenarioName): void;
  /** Fleet back to its seeded state, scenario none, stats cleared. */
  reset(): void;
  stats(): SimStats;
  /** Stops listening, drops every open connection (hung ones too) and removes the CA file. */
  close(): Promise<void>;
}

/** Hooks for tests of the simulator itself; not part of the public API. */
interface SimulatorInternals {
  clock?: Clock;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function startSimulator(
  options: SimulatorOptions = {},
  internals: SimulatorInternals = {},
): Promise<Simulator> {
  const o = resolveOptions(options);
  const clock = internals.clock ?? systemClock;
  const startedAt = clock();
  const fleet = generateFleet({ vms: o.vms, nodes: o.nodes, seed: o.seed, epochMs: startedAt });
  const cluster = new Cluster(fleet, clock, o.timeScale);
  const scenarios = new Scenarios(o.seed);
  scenarios.set(o.scenario);
  const stats = new Stats();
  const ctx: SimContext = {
    cluster,
    catalog: buildCatalog(cluster, { cloudName: 'Powerdeck Simulator', createdMs: startedAt }),
    auth: new Auth(o),
    scenarios,
    stats,
    timers: new Set<NodeJS.Timeout>(),
    hung: new Set<Socket>(),
    reset() {
      cluster.reset();
      scenarios.set('none');
      stats.clear();
    },
  };

  const tls: SimTls | undefined = o.tls ? await createTls() : undefined;
  const app = buildApp(ctx, {
    logger: o.logger,
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
  });
  try {
    await app.listen({ port: o.port, host: o.host });
  } catch (error) {
    await app.close().catch(() => undefined);
    await tls?.cleanup();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = `${tls ? 'https' : 'http'}://${displayHost(o.host)}:${port}`;

  let closing: Promise<void> | undefined;
  const close = async () => {
    for (const timer of ctx.timers) clearTimeout(timer);
    ctx.timers.clear();
    for (const socket of ctx.hung) socket.destroy();
    ctx.hung.clear();
    await app.close();
    await tls?.cleanup();
  };

  return {
    url,
    apiKey: o.apiKey,
    readOnlyApiKey: o.readOnlyApiKey,
    username: o.username,
    password: o.password,
    ...(tls ? { caFile: tls.caFile, caPem: tls.caPem } : {}),
    setScenario(name) {
      if (!isScenarioName(name)) throw new Error(`Unknown scenario '${String(name)}'`);
      scenarios.set(name);
    },
    reset: () => ctx.reset(),
    stats: () => stats.snapshot(scenarios.current),
    close() {
      closing ??= close();
      return closing;
    },
  };
}

/** Starts a simulator; it is listening when the promise resolves. */
export function createSimulator(options?: SimulatorOptions): Promise<Simulator> {
  return startSimulator(options);
}
