// One caller of the VergeOS routes cannot starve the others (security finding 2): a viewer's flood of reads made an
// admin's power on wait behind it. Each principal has at most 8 requests open and 300 a minute (429 with Retry-After
// past either); power actions have connections to VergeOS that reads cannot take; the timeouts count from a request's
// arrival, so a request that waited for a connection answers 504 on time, never sent. What reached "VergeOS" is read
// from the simulator's /__sim/stats.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimStats } from '@powerdeck/vergeos-sim';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { ACTION_CONNECTIONS, READ_CONNECTIONS } from '../src/plugins/vergeos';
import {
  buildTestApp,
  signIn,
  simStats,
  TEST_PASSWORD,
  tokenHeaders,
  upstreamFor,
  useSimApp,
  type AuthHeaders,
  type TestApp,
} from './support';

const READ_TIMEOUT_MS = 2000;
const ACTION_TIMEOUT_MS = 3000;
/** The default number of requests a principal may have open at once. */
const PER_PRINCIPAL = 8;

const env = useSimApp({
  resetSim: true,
  waitForFirstPoll: true,
  clearStats: true,
  app: { upstreamTimeouts: { readTimeoutMs: READ_TIMEOUT_MS, actionTimeoutMs: ACTION_TIMEOUT_MS } },
});

/** A URL only these tests read (the fleet poller never does), so the simulator's counts are the tests' own. */
const READ = '/api/v4/machine_status/54';
const reads = (stats: SimStats) => stats.log.filter((e) => e.url === READ);
const actionsSent = (stats: SimStats) => stats.log.filter((e) => e.method === 'POST');

async function setScenario(body: { name: string; latencyMs?: number }) {
  const res = await fetch(`${env.sim.url}/__sim/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
}

/** Fires requests at once and counts them as they settle. */
function fire(app: TestApp, count: number, headers: AuthHeaders, url = READ) {
  const answers: LightMyRequestResponse[] = [];
  const all = Promise.all(
    Array.from({ length: count }, () =>
      app.inject({ method: 'GET', url, headers }).then((res) => {
        answers.push(res);
        return res;
      }),
    ),
  );
  return { answers, all };
}

function postAction(app: TestApp, headers: AuthHeaders, vm = 42) {
  return app.inject({
    method: 'POST',
    url: '/api/v4/vm_actions',
    headers,
    payload: { vm, action: 'poweron' },
  });
}

/** A 429 of the per-principal limits: too many open at once, or past the rate; its code, in either case. */
function expectRefused(res: LightMyRequestResponse): string {
  expect(res.statusCode).toBe(429);
  const body = res.json<{ err: string; error: string; statusCode: number; code: string }>();
  expect(body.error).toBe(body.err);
  expect(body.statusCode).toBe(429);
  if (body.code === 'too_many_open') {
    expect(res.headers['retry-after']).toBe('1');
    expect(body.err).toMatch(/at most 8 .*for each person or token/);
  } else {
    expect(body.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(body.err).toMatch(/at most 300 a minute for each person or token/);
  }
  return body.code;
}

/** Nothing held once every answer is out: no principal's place, no connection slot, no exchange expected. */
async function expectAllReleased(app: TestApp) {
  await vi.waitFor(
    () => {
      expect(app.vergeos.proxy.inFlight.count()).toBe(0);
      expect(app.vergeos.proxy.read.slots.inUse).toBe(0);
      expect(app.vergeos.proxy.action.slots.inUse).toBe(0);
      expect(app.vergeos.proxy.read.slots.waiting).toBe(0);
      expect(app.vergeos.proxy.exchanges.pending).toBe(0);
    },
    { timeout: 5000, interval: 20 },
  );
}

/** `n` more viewers, each with a personal access token: n principals. */
async function viewers(app: TestApp, n: number): Promise<AuthHeaders[]> {
  const out: AuthHeaders[] = [];
  for (let i = 0; i < n; i++) {
    const user = await app.testStores.users.create({
      username: `viewer${i}`,
      role: 'viewer',
      password: TEST_PASSWORD,
    });
    const { token } = await app.testStores.tokens.create({
      userId: user.id,
      name: 'flood',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 3600_000),
    });
    out.push({ authorization: `Bearer ${token}` });
  }
  return out;
}

describe("one viewer's flood of reads", () => {
  it('with VergeOS slow: the excess gets 429 at once, and the admin powers on (201)', async () => {
    await setScenario({ name: 'slow', latencyMs: 300 });
    const viewer = await tokenHeaders(env.app.testStores, 'viewer');
    const flood = fire(env.app, 400, viewer);
    await vi.waitFor(() => expect(flood.answers.length).toBeGreaterThanOrEqual(400 - PER_PRINCIPAL), {
      timeout: 5000,
      interval: 10,
    });
    // The first 300 of the minute pass the rate; 8 of them are let through.
    const codes = flood.answers.slice(0, 400 - PER_PRINCIPAL).map(expectRefused);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(100);
    expect(codes.filter((c) => c === 'too_many_open')).toHaveLength(300 - PER_PRINCIPAL);

    const action = await postAction(env.app, env.app.adminHeaders);
    expect(action.statusCode).toBe(201);

    const answers = await flood.all;
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(PER_PRINCIPAL);
    expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(400 - PER_PRINCIPAL);
    const stats = await simStats(env.sim);
    expect(reads(stats)).toHaveLength(PER_PRINCIPAL);
    expect(stats.actions).toEqual({ poweron: 1 });
    await expectAllReleased(env.app);
  }, 20_000);

  it('with VergeOS hanging: at most 8 reach it, and the admin’s action is sent at once', async () => {
    await setScenario({ name: 'hang' });
    const viewer = await tokenHeaders(env.app.testStores, 'viewer');
    const flood = fire(env.app, 300, viewer);
    await vi.waitFor(() => expect(flood.answers.length).toBe(300 - PER_PRINCIPAL), {
      timeout: 5000,
      interval: 10,
    });
    // 300: exactly the rate of a minute; only the limit of 8 open refuses.
    expect(flood.answers.map(expectRefused)).toEqual(Array(300 - PER_PRINCIPAL).fill('too_many_open'));
    await vi.waitFor(async () => expect(reads(await simStats(env.sim))).toHaveLength(PER_PRINCIPAL), {
      timeout: 5000,
      interval: 20,
    });

    const action = postAction(env.app, env.app.adminHeaders);
    // Sent while the viewer's reads still hang (they answer only at their 2 s timeout).
    await vi.waitFor(async () => expect(actionsSent(await simStats(env.sim))).toHaveLength(1), {
      timeout: 1000,
      interval: 10,
    });
    expect(flood.answers).toHaveLength(300 - PER_PRINCIPAL);

    const res = await action;
    expect(res.statusCode).toBe(504);
    expect(res.json<{ err: string }>().err).toBe(
      'VergeOS did not answer within 3 s; the action may still happen',
    );
    const answers = await flood.all;
    expect(answers.filter((r) => r.statusCode === 504)).toHaveLength(PER_PRINCIPAL);
    expect(reads(await simStats(env.sim))).toHaveLength(PER_PRINCIPAL);
    await expectAllReleased(env.app);
  }, 20_000);
});

describe('upstream capacity', () => {
  it("many people's reads cannot take the actions' connections; a read left waiting answers 504 unsent", async () => {
    await setScenario({ name: 'hang' });
    // 9 principals at their limit: 72 reads, more than the read connections (48; 64 shared before).
    const people = await viewers(env.app, 9);
    const floods = people.map((h) => fire(env.app, PER_PRINCIPAL, h));
    await vi.waitFor(async () => expect(reads(await simStats(env.sim))).toHaveLength(READ_CONNECTIONS), {
      timeout: 5000,
      interval: 20,
    });

    const action = postAction(env.app, env.app.adminHeaders);
    await vi.waitFor(async () => expect(actionsSent(await simStats(env.sim))).toHaveLength(1), {
      timeout: 1000,
      interval: 10,
    });
    expect((await action).statusCode).toBe(504);

    const answers = (await Promise.all(floods.map((f) => f.all))).flat();
    expect(answers).toHaveLength(9 * PER_PRINCIPAL);
    const errs = answers.map((res) => {
      expect(res.statusCode).toBe(504);
      expect(res.json()).toMatchObject({ code: 'upstream_timeout' });
      return res.json<{ err: string }>().err;
    });
    expect(errs.filter((e) => e === 'VergeOS did not answer within 2 s')).toHaveLength(READ_CONNECTIONS);
    expect(errs.filter((e) => e === 'No connection to VergeOS was free in time')).toHaveLength(
      9 * PER_PRINCIPAL - READ_CONNECTIONS,
    );
    // The reads that waited for a connection timed out counting from their arrival: none was sent late.
    const stats = await simStats(env.sim);
    expect(reads(stats)).toHaveLength(READ_CONNECTIONS);
    const postAt = actionsSent(stats)[0]!.seq;
    expect(reads(stats).every((e) => e.seq < postAt)).toBe(true);
    await expectAllReleased(env.app);
  }, 20_000);

  it('an action left waiting for a connection answers 504 at its timeout, is never sent, and is audited so', async () => {
    await setScenario({ name: 'hang' });
    // 16 actions hang at VergeOS (three principals, each under its limit of 8), the 17th waits.
    const adminToken = await tokenHeaders(env.app.testStores, 'admin');
    const helpdesk = await signIn(env.app, 'helpdesk');
    const senders = [
      ...Array.from({ length: PER_PRINCIPAL }, () => env.app.adminHeaders),
      ...Array.from({ length: ACTION_CONNECTIONS - PER_PRINCIPAL }, () => adminToken),
    ];
    const hanging = senders.map((h, i) => postAction(env.app, h, 42 + (i % 3)));
    await vi.waitFor(
      async () => expect(actionsSent(await simStats(env.sim))).toHaveLength(ACTION_CONNECTIONS),
      {
        timeout: 5000,
        interval: 20,
      },
    );

    const waiting = await postAction(env.app, helpdesk);
    expect(waiting.statusCode).toBe(504);
    expect(waiting.json()).toMatchObject({
      err: 'No connection to VergeOS was free in time; the action was not sent',
      code: 'upstream_timeout',
    });
    for (const res of await Promise.all(hanging)) expect(res.statusCode).toBe(504);
    expect(actionsSent(await simStats(env.sim))).toHaveLength(ACTION_CONNECTIONS);

    await vi.waitFor(async () => {
      const trail = await env.app.testStores.audit.query({ actor: 'helpdesk', kind: 'power', order: 'asc' });
      expect(trail.rows.map((r) => [r.outcome, r.vergeosStatus, r.vergeosMessage])).toEqual([
        ['requested', null, null],
        ['timeout', null, 'No connection to VergeOS was free in time; the action was not sent'],
      ]);
    });
    await expectAllReleased(env.app);
  }, 20_000);
});

describe('the rate per principal', () => {
  it('past it: 429 with Retry-After, for all of one person’s tokens; other principals go on', async () => {
    const app = await buildTestApp(upstreamFor(env.sim), { proxyLimits: { ratePerMinute: 20 } });
    try {
      const viewer = await tokenHeaders(app.testStores, 'viewer');
      for (let i = 0; i < 20; i++) {
        const res = await app.inject({ url: READ, headers: viewer });
        expect(res.statusCode).toBe(200);
      }
      const over = await app.inject({ url: READ, headers: viewer });
      expect(over.statusCode).toBe(429);
      const after = Number(over.headers['retry-after']);
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThanOrEqual(60);
      expect(over.json()).toMatchObject({
        statusCode: 429,
        code: 'rate_limited',
        err: expect.stringMatching(/^Too many requests to the VergeOS routes: at most 20 a minute/),
        error: expect.stringMatching(/^Too many requests/),
      });
      // Another token of the same person shares the count; actions count too.
      const second = await tokenHeaders(app.testStores, 'viewer');
      expect((await app.inject({ url: READ, headers: second })).statusCode).toBe(429);
      expect(reads(await simStats(env.sim))).toHaveLength(20);

      // The same person's browser, the admin: each a principal of its own.
      const browser = await signIn(app, 'viewer');
      expect((await app.inject({ url: READ, headers: browser })).statusCode).toBe(200);
      expect((await postAction(app, app.adminHeaders)).statusCode).toBe(201);
      await expectAllReleased(app);
    } finally {
      await app.close();
    }
  });
});

describe('a principal’s places are given back', () => {
  it('after answers, refusals, VergeOS errors and timeouts', async () => {
    const viewer = await tokenHeaders(env.app.testStores, 'viewer');
    const rounds: [string | null, string, number][] = [
      [null, READ, 200],
      [null, '/api/v4/vms?fields=machine%23cluster%23name', 422],
      // VergeOS's 422 for a limit that is not a count, refused before VergeOS.
      [null, '/api/v4/vms?limit=x', 422],
      [null, '/api/v4/vms/99999', 404],
      ['unavailable', READ, 503],
      ['hang', READ, 504],
    ];
    for (const [scenario, url, status] of rounds) {
      if (scenario) await setScenario({ name: scenario });
      // Twice the limit, one after the other, in rounds of the limit: a place not given back shows as a 429.
      for (let round = 0; round < 2; round++) {
        const answers = await fire(env.app, PER_PRINCIPAL, viewer, url).all;
        expect(answers.map((r) => r.statusCode)).toEqual(Array(PER_PRINCIPAL).fill(status));
        await expectAllReleased(env.app);
      }
    }
  }, 30_000);

  it('when the client hangs up: a read waiting for VergeOS is abandoned upstream too', async () => {
    await setScenario({ name: 'hang' });
    const viewer = await tokenHeaders(env.app.testStores, 'viewer');
    await env.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = env.app.server.address() as AddressInfo;
    const requests = Array.from({ length: PER_PRINCIPAL }, () => {
      const req = http.get({ host: '127.0.0.1', port, path: READ, headers: viewer, agent: false });
      req.on('error', () => undefined);
      return req;
    });
    await vi.waitFor(async () => expect(reads(await simStats(env.sim))).toHaveLength(PER_PRINCIPAL), {
      timeout: 5000,
      interval: 20,
    });
    expect(env.app.vergeos.proxy.inFlight.count()).toBe(PER_PRINCIPAL);
    for (const req of requests) req.destroy();
    // Well before the 2 s timeout: the upstream requests were aborted, their connections and places given back.
    await vi.waitFor(
      () => {
        expect(env.app.vergeos.proxy.inFlight.count()).toBe(0);
        expect(env.app.vergeos.proxy.read.slots.inUse).toBe(0);
      },
      { timeout: 1000, interval: 10 },
    );
    await setScenario({ name: 'none' });
    const after = await env.app.inject({ url: READ, headers: viewer });
    expect(after.statusCode).toBe(200);
  });
});
