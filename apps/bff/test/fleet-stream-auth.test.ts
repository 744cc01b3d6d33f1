// The fleet event stream stays open for hours, so "revocable at once" must hold for it too: its
// credential is looked up again at every heartbeat (here every 50 ms), and the stream ends as soon as
// the session or token no longer holds. Real app, real HTTP on 127.0.0.1, real SQLite, real simulator.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI_ACTOR, disableUser, revokeDisplayLink, revokeToken } from '../src/stores/admin';
import {
  buildTestApp,
  openStream,
  openTestStores,
  signIn,
  startSim,
  upstreamFor,
  type AuthHeaders,
  type TestApp,
} from './support';

const WAIT = { timeout: 5_000, interval: 10 } as const;

let sim: Simulator;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function listening(overrides: Parameters<typeof buildTestApp>[1] = {}): Promise<TestApp> {
  const app = await buildTestApp(upstreamFor(sim), { heartbeatMs: 50, ...overrides });
  cleanups.push(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  await vi.waitFor(() => {
    if (app.fleet.lastSuccessAt() === null) throw new Error('no poll yet');
  }, WAIT);
  return app;
}

interface Client {
  status: number;
  snapshots: () => number;
  heartbeats: () => number;
  ended: () => boolean;
  body: () => string;
}

/** An event-stream client on node:http with a browser's (or a script's) credentials. */
async function connect(app: TestApp, headers: AuthHeaders): Promise<Client> {
  const stream = await openStream(app, '/api/fleet/events', headers);
  cleanups.push(() => stream.req.destroy());
  const lines = () => stream.text().split('\n');
  return {
    status: stream.status,
    snapshots: () => lines().filter((l) => l === 'event: snapshot').length,
    heartbeats: () => lines().filter((l) => l === ': heartbeat').length,
    ended: stream.ended,
    body: stream.text,
  };
}

/** The stream is open, has its snapshot, and outlives several checks of its credential. */
async function live(client: Client) {
  expect(client.status).toBe(200);
  await vi.waitFor(() => expect(client.snapshots()).toBe(1), WAIT);
  const seen = client.heartbeats();
  await vi.waitFor(() => expect(client.heartbeats()).toBeGreaterThanOrEqual(seen + 3), WAIT);
  expect(client.ended()).toBe(false);
}

async function endsSoon(client: Client) {
  await vi.waitFor(() => expect(client.ended()).toBe(true), WAIT);
}

describe('an open fleet event stream', () => {
  it('refuses to open without a credential', async () => {
    const app = await listening();
    const client = await connect(app, {});
    expect(client.status).toBe(401);
    await endsSoon(client);
    expect(client.body()).toMatch(/Sign in to continue/);
  });

  it("ends when its user is disabled, and only that user's", async () => {
    const app = await listening();
    // The app's own listeners (the recent-stops tracker) are subscribed before any stream.
    const own = app.fleet.status().subscribers;
    const helpdesk = await connect(app, await signIn(app, 'helpdesk'));
    const admin = await connect(app, app.adminHeaders);
    await live(helpdesk);
    await live(admin);
    expect(app.fleet.status().subscribers).toBe(own + 2);

    await disableUser(app.testStores, CLI_ACTOR, 'helpdesk');
    await endsSoon(helpdesk);
    await vi.waitFor(() => expect(app.fleet.status().subscribers).toBe(own + 1), WAIT);
    await live(admin);
  });

  it('ends when the person signs out (in another tab)', async () => {
    const app = await listening();
    const viewer = await signIn(app, 'viewer');
    const client = await connect(app, viewer);
    await live(client);
    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers: viewer });
    expect(out.statusCode).toBe(204);
    await endsSoon(client);
  });

  it('ends when its display link is revoked', async () => {
    const app = await listening();
    const admin = await app.testStores.users.get('admin');
    const { secret, link } = await app.testStores.displayLinks.create({
      name: 'Lobby',
      createdBy: admin!.id,
    });
    const opened = await app.inject({
      method: 'POST',
      url: '/api/display-session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { secret },
    });
    const cookie = opened.cookies.find((c) => c.name === 'pd_session')!.value;
    const wall = await connect(app, { cookie: `pd_session=${cookie}` });
    const other = await connect(app, app.adminHeaders);
    await live(wall);

    await revokeDisplayLink(app.testStores, CLI_ACTOR, link.id);
    await endsSoon(wall);
    await live(other);
  });

  it('ends when its token is revoked', async () => {
    const app = await listening();
    const helpdesk = await app.testStores.users.get('helpdesk');
    const { token, info } = await app.testStores.tokens.create({
      userId: helpdesk!.id,
      name: 'wallboard script',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const client = await connect(app, { authorization: `Bearer ${token}` });
    await live(client);
    await revokeToken(app.testStores, CLI_ACTOR, info.id);
    await endsSoon(client);
  });

  it('ends when its token expires, and when its session idles out', async () => {
    const clock = { now: Date.now() };
    const stores = await openTestStores({ now: () => clock.now });
    cleanups.push(() => stores.close());
    const app = await listening({ stores, auth: { idleTimeoutMs: 10 * 60_000 } });
    const helpdesk = await stores.users.get('helpdesk');
    const { token } = await stores.tokens.create({
      userId: helpdesk!.id,
      name: 'one hour',
      role: 'helpdesk',
      expiresAt: new Date(clock.now + 3600_000),
    });
    const script = await connect(app, { authorization: `Bearer ${token}` });
    const browser = await connect(app, await signIn(app, 'viewer'));
    await live(script);
    await live(browser);

    // Nine minutes on: both still hold (the stream's own checks count as use of the session).
    clock.now += 9 * 60_000;
    await live(script);
    await live(browser);

    // An hour and a bit: the token has expired, and the session has had no check for longer than its timeout.
    clock.now += 61 * 60_000;
    await endsSoon(script);
    await endsSoon(browser);
  });
});
