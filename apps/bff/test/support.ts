// Test support: a real simulator as the upstream (and its control routes over HTTP), real SQLite stores in a
// temporary directory, the real app built against them (buildTestApp, useSimApp), people of each role and how they
// sign in, the fleet's answers, and cleanup after each test.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { CSRF_HEADER, type Role } from '@powerdeck/contracts/roles';
import {
  createSimulator,
  type Simulator,
  type SimulatorOptions,
  type SimStats,
} from '@powerdeck/vergeos-sim';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { buildApp, REDACT_PATHS, type AppOptions } from '../src/app';
import type { PollOptions } from '../src/fleet/poller';
import type { UpstreamOptions } from '../src/plugins/vergeos';
import { openSqliteStores, type SqliteStores, type SqliteStoresOptions } from '../src/stores/sqlite/open';

export const FAST_POLL = { intervalMs: 200, fastIntervalMs: 50, fastWindowMs: 1000 };

/** vi.waitFor options: generous timeout, short interval. */
export const WAIT = { timeout: 5_000, interval: 10 } as const;

const cleanups: (() => unknown)[] = [];

/** Registers something to close after the current test (last registered, first closed). */
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

/** A simulator 100 times faster than real time; the caller closes it. */
export async function startSim(options: SimulatorOptions = {}): Promise<Simulator> {
  return createSimulator({ timeScale: 0.01, ...options });
}

/** startSim for one test: closed after it. */
export async function startTestSim(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSim(options);
  onCleanup(() => sim.close());
  return sim;
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
  /** The lines parsed (pino writes one JSON object a line). */
  records(): LogLine[] {
    return this.lines.map((line) => JSON.parse(line) as LogLine);
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** pino's level of a warning. */
export const WARN = 40;

/** A cheap argon2 cost for tests (the real cost is in ARGON2_COST). */
export const TEST_HASH = { timeCost: 1, memoryCost: 8192 } as const;
export const TEST_PASSWORD = 'correct horse battery';

/** Stores in a fresh temporary directory, with one user per role (`viewer`, `helpdesk`, `admin`); removed on close. */
export async function openTestStores(
  options: SqliteStoresOptions = {},
): Promise<SqliteStores & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-test-'));
  const stores = openSqliteStores(dir, { hashOptions: TEST_HASH, ...options });
  for (const role of ['viewer', 'helpdesk', 'admin'] as const) {
    await stores.users.create({ username: role, role, password: TEST_PASSWORD });
  }
  return {
    ...stores,
    dir,
    close() {
      stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headers of a browser request from a signed-in person: the session cookie and the CSRF header. */
export type AuthHeaders = Record<string, string>;

/** Signs in over HTTP as a person (POST /api/session); returns the headers their browser would send. */
export async function signIn(
  app: FastifyInstance,
  username: string,
  password = TEST_PASSWORD,
  headers: Record<string, string> = {},
): Promise<AuthHeaders> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/session',
    headers: { [CSRF_HEADER]: '1', ...headers },
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'pd_session');
  if (!cookie) throw new Error('sign-in set no pd_session cookie');
  return { cookie: `pd_session=${cookie.value}`, [CSRF_HEADER]: '1' };
}

/** Opens a wall display's session with a new display link (made through the store by admin); its browser's headers. */
export async function displayHeaders(app: TestApp, name = 'NOC wall'): Promise<AuthHeaders> {
  const admin = await app.testStores.users.get('admin');
  if (!admin) throw new Error('no user admin');
  const { secret } = await app.testStores.displayLinks.create({ name, createdBy: admin.id });
  const res = await app.inject({
    method: 'POST',
    url: '/api/display-session',
    headers: { [CSRF_HEADER]: '1' },
    payload: { secret },
  });
  if (res.statusCode !== 200) throw new Error(`display sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'pd_session');
  if (!cookie) throw new Error('display sign-in set no pd_session cookie');
  return { cookie: `pd_session=${cookie.value}`, [CSRF_HEADER]: '1' };
}

/** A personal access token for a seeded user (made through the store), as a script's headers. */
export async function tokenHeaders(
  stores: SqliteStores,
  username: Role,
  role: Role = username,
): Promise<AuthHeaders> {
  const user = await stores.users.get(username);
  if (!user) throw new Error(`no user ${username}`);
  const { token } = await stores.tokens.create({
    userId: user.id,
    name: `test ${role}`,
    role,
    expiresAt: new Date(Date.now() + 24 * 3600_000),
  });
  return { authorization: `Bearer ${token}` };
}

/** What a test may change in the app buildTestApp builds (its options, and a capture of its log). */
export type TestAppOverrides = Partial<AppOptions> & {
  logs?: LogCapture;
  /** The fleet poller's cadence, over FAST_POLL. */
  poll?: Partial<PollOptions>;
  /** Runs once the app is built, before it is ready (so before the first poll): instrument `app.vergeos.client`. */
  beforeReady?: (app: FastifyInstance) => void;
  /** Close the app after the current test (for an app built inside a test rather than by useSimApp). */
  closeAfterTest?: boolean;
};

export interface TestApp extends FastifyInstance {
  /** The stores the app runs on (closed and removed with the app). */
  testStores: SqliteStores;
  /** Headers of a signed-in admin's browser (cookie and CSRF header). */
  adminHeaders: AuthHeaders;
}

/**
 * The real app on temporary stores, with an admin signed in (`app.adminHeaders`). Closing the app
 * closes and removes the stores.
 */
export async function buildTestApp(
  upstream: UpstreamOptions,
  overrides: TestAppOverrides = {},
): Promise<TestApp> {
  const { logs, stores: given, poll, beforeReady, closeAfterTest, ...rest } = overrides;
  const stores = given ? undefined : await openTestStores();
  const app = await buildApp({
    config: { poll: { ...FAST_POLL, ...poll } },
    upstream,
    stores: given ?? stores!,
    logger: logs
      ? { level: 'debug', stream: logs, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
      : false,
    ...rest,
  });
  if (stores) {
    app.addHook('onClose', (_instance, done) => {
      stores.close();
      done();
    });
  }
  if (closeAfterTest) onCleanup(() => app.close());
  beforeReady?.(app);
  await app.ready();
  const testApp = app as TestApp;
  testApp.testStores = (given as SqliteStores | undefined) ?? stores!;
  // With a public URL, requests must name its host.
  const origins = overrides.edge?.origins;
  const host: Record<string, string> =
    typeof origins === 'object' && origins[0] ? { host: new URL(origins[0]).host } : {};
  testApp.adminHeaders = await signIn(app, 'admin', TEST_PASSWORD, host);
  return testApp;
}

export interface SimAppOptions {
  /** Options of the file's simulator. */
  sim?: SimulatorOptions;
  /** Overrides of each test's app, or a function that makes them just before each build. */
  app?: TestAppOverrides | (() => TestAppOverrides);
  /** Builds each test's app instead of buildTestApp (e.g. operations-support's opsApp); `app` is then unused. */
  build?: (sim: Simulator) => Promise<TestApp>;
  /** Reset the simulator before building each test's app. */
  resetSim?: boolean;
  /** Once the app is built, wait for its first successful fleet poll. */
  waitForFirstPoll?: boolean;
  /** Last, clear the simulator's request stats (so a test sees only its own requests). */
  clearStats?: boolean;
}

/**
 * A simulator for the file (started once, closed after all its tests) and a fresh app on fresh stores for
 * each test (built in beforeEach, closed in afterEach). Before each test, in order: reset the simulator,
 * build the app, wait for the first poll, clear the stats (each only if asked). Call at the top of a test
 * file; read `env.sim` and `env.app` inside hooks and tests. Hooks registered after it run after its own.
 */
export function useSimApp(options: SimAppOptions = {}): { readonly sim: Simulator; readonly app: TestApp } {
  let sim: Simulator | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    sim = await startSim(options.sim);
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    if (!sim) throw new Error('useSimApp: the simulator did not start');
    if (options.resetSim) sim.reset();
    const overrides = typeof options.app === 'function' ? options.app() : options.app;
    const built = options.build ? await options.build(sim) : await buildTestApp(upstreamFor(sim), overrides);
    app = built;
    if (options.waitForFirstPoll) await firstPoll(built);
    if (options.clearStats) await clearSimStats(sim);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  return {
    get sim() {
      if (!sim) throw new Error('useSimApp: no simulator outside the tests');
      return sim;
    },
    get app() {
      if (!app) throw new Error('useSimApp: no app outside a test');
      return app;
    },
  };
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

/** `GET /api/fleet` through inject as the signed-in admin, parsed. */
export async function getFleet(app: TestApp, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'GET',
    url: '/api/fleet',
    headers: { ...app.adminHeaders, ...headers },
  });
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

/** Requests that reached the simulator's VergeOS API, excluding the fleet poller's own reads. */
export function nonPollerRequests(stats: SimStats) {
  return stats.log.filter(
    (e) =>
      !(e.url.startsWith('/api/v4/vms?') && e.url.includes('is_snapshot')) &&
      !e.url.startsWith('/api/v4/nodes'),
  );
}

/** A stream a listening app sends (an event stream), read over node:http as a browser holds one. */
export interface OpenStream {
  req: http.ClientRequest;
  status: number;
  /** Everything received so far. */
  text: () => string;
  /** The server ended or dropped it. */
  ended: () => boolean;
}

/** Opens `GET path` on a listening app with `accept: text/event-stream`; the caller destroys `req` when done. */
export async function openStream(
  app: FastifyInstance,
  path: string,
  headers: AuthHeaders = {},
): Promise<OpenStream> {
  const { port } = app.server.address() as AddressInfo;
  const { req, res } = await new Promise<{ req: http.ClientRequest; res: http.IncomingMessage }>(
    (resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path,
          agent: new http.Agent({ keepAlive: false }),
          headers: { accept: 'text/event-stream', ...headers },
        },
        (res) => resolve({ req, res }),
      );
      req.on('error', reject);
    },
  );
  let text = '';
  let ended = false;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => (ended = true));
  res.on('close', () => (ended = true));
  return { req, status: res.statusCode ?? 0, text: () => text, ended: () => ended };
}
