// Starting the simulator for integration tests, and reading its control routes over HTTP.
import { createSimulator } from '@powerdeck/vergeos-sim';
import { Agent, fetch } from 'undici';
import { createVergeClient } from '../../src/index';
import type { VergeAuth, VergeClient, VergeClientOptions } from '../../src/index';

export type Simulator = Awaited<ReturnType<typeof createSimulator>>;
export type SimOptions = Parameters<typeof createSimulator>[0];

/** 100x faster than real time: a poweron takes 30 ms, a kill 20 ms. */
export const FAST = 0.01;
/** Poll often: the simulator's transitions are short. */
export const POLL_MS = 5;

export function startSim(options: SimOptions = {}): Promise<Simulator> {
  return createSimulator({ timeScale: FAST, ...options });
}

const clients = new Set<VergeClient>();

/** A client for the simulator (API key by default); closed by `closeClients()`. */
export function clientFor(
  sim: Simulator,
  options: Partial<VergeClientOptions> & { auth?: VergeAuth } = {},
): VergeClient {
  const client = createVergeClient({
    baseUrl: sim.url,
    auth: { type: 'apiKey', apiKey: sim.apiKey },
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    timeoutMs: 5_000,
    ...options,
  });
  clients.add(client);
  return client;
}

export async function closeClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
}

function controlDispatcher(sim: Simulator): Agent | undefined {
  return sim.url.startsWith('https:') ? new Agent({ connect: { ca: sim.caPem } }) : undefined;
}

/** `GET /__sim/stats` -> request counts by `METHOD /route`. */
export async function requestCounts(sim: Simulator): Promise<Record<string, number>> {
  const dispatcher = controlDispatcher(sim);
  const res = await fetch(new URL('/__sim/stats', sim.url), dispatcher ? { dispatcher } : {});
  if (!res.ok) throw new Error(`GET /__sim/stats answered ${res.status}`);
  const stats = (await res.json()) as { requests?: Record<string, number> };
  await dispatcher?.close();
  return stats.requests ?? {};
}

/** How many requests the simulator saw for `key` (e.g. `POST /api/v4/vm_actions`). */
export async function countOf(sim: Simulator, key: string): Promise<number> {
  return (await requestCounts(sim))[key] ?? 0;
}

/** `POST /__sim/scenario`. */
export async function setScenarioOverHttp(sim: Simulator, name: string): Promise<void> {
  const dispatcher = controlDispatcher(sim);
  const res = await fetch(new URL('/__sim/scenario', sim.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
    ...(dispatcher ? { dispatcher } : {}),
  });
  await res.text();
  await dispatcher?.close();
  if (!res.ok) throw new Error(`POST /__sim/scenario answered ${res.status}`);
}

/** `PUT /__sim/vms/:key`: sets a VM's state. */
export async function setVm(sim: Simulator, key: number, patch: Record<string, unknown>): Promise<void> {
  const dispatcher = controlDispatcher(sim);
  const res = await fetch(new URL(`/__sim/vms/${key}`, sim.url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await res.text();
  await dispatcher?.close();
  if (!res.ok) throw new Error(`PUT /__sim/vms/${key} answered ${res.status}: ${text}`);
}
