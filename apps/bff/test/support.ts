// Test support: a real simulator as the upstream and the real app built against it.
import { Writable } from 'node:stream';
import {
  createSimulator,
  type Simulator,
  type SimulatorOptions,
  type SimStats,
} from '@powerdeck/vergeos-sim';
import type { FastifyInstance } from 'fastify';
import { buildApp, REDACT_PATHS, type AppOptions } from '../src/app';
import type { UpstreamOptions } from '../src/plugins/vergeos';

export const FAST_POLL = { intervalMs: 200, fastIntervalMs: 50, fastWindowMs: 1000 };

export async function startSim(options: SimulatorOptions = {}): Promise<Simulator> {
  return createSimulator({ timeScale: 0.01, ...options });
}

export function upstreamFor(sim: Simulator, extra: Partial<UpstreamOptions> = {}): UpstreamOptions {
  return {
    url: sim.url,
    auth: { kind: 'apiKey', apiKey: sim.apiKey },
    insecureTls: false,
    demo: false,
    ...extra,
  };
}

/** Every log line the app writes, as text, for checks that secrets never reach a log. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text() {
    return this.lines.join('\n');
  }
}

export async function buildTestApp(
  upstream: UpstreamOptions,
  overrides: Partial<AppOptions> & { logs?: LogCapture } = {},
): Promise<FastifyInstance> {
  const { logs, ...rest } = overrides;
  const app = await buildApp({
    config: { poll: FAST_POLL },
    upstream,
    logger: logs
      ? { level: 'debug', stream: logs, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
      : false,
    ...rest,
  });
  await app.ready();
  return app;
}

export async function simStats(sim: Simulator): Promise<SimStats> {
  const res = await fetch(`${sim.url}/__sim/stats`);
  return (await res.json()) as SimStats;
}

export async function clearSimStats(sim: Simulator): Promise<void> {
  await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });
}

/** Requests that reached the simulator's VergeOS API, excluding the fleet poller's own reads. */
export function nonPollerRequests(stats: SimStats) {
  return stats.log.filter(
    (e) =>
      !(e.url.startsWith('/api/v4/vms?') && e.url.includes('is_snapshot')) &&
      !e.url.startsWith('/api/v4/nodes'),
  );
}
