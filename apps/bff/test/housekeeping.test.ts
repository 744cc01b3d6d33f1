// Housekeeping on the real app and real SQLite: at start and then every hour, sessions that ended, spent sign-in
// counters, tokens that expired more than a day ago, operations finished more than 30 days ago, and single sign-ons
// under way that were consumed or expired and refusals past their page are deleted; live sessions and tokens, running
// operations and recent ones, a sign-in still under way and a refusal still shown stay.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PENDING_MAX_AGE_MS, REFUSAL_MAX_AGE_MS } from '../src/plugins/sso';
import {
  OPERATIONS_KEPT_MS,
  SCHEDULE_RUNS_KEPT_MS,
  TOKENS_KEPT_AFTER_EXPIRY_MS,
} from '../src/plugins/housekeeping';
import type { OperationRecord } from '../src/stores/types';
import {
  buildTestApp,
  openTestStores,
  signIn,
  startSim,
  TEST_PASSWORD,
  upstreamFor,
  type TestApp,
} from './support';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function operation(id: string, finishedAgoMs: number | null): OperationRecord {
  const at = (ago: number) => new Date(Date.now() - ago).toISOString();
  return {
    id,
    action: 'start',
    status: finishedAgoMs === null ? 'running' : 'finished',
    owner: 'admin',
    ownerRole: 'admin',
    ownerAuthKind: 'session',
    source: '127.0.0.1',
    userAgent: 'test',
    requestId: `req-${id}`,
    createdAt: at((finishedAgoMs ?? 0) + 60_000),
    finishedAt: finishedAgoMs === null ? null : at(finishedAgoMs),
    cancelledBy: null,
    forceAfterS: null,
    timeoutS: 120,
    parallelism: 4,
    reason: null,
    vms: [
      {
        key: 7,
        name: 'vm-7',
        state: finishedAgoMs === null ? 'pending' : 'done',
        step: null,
        stepPhase: null,
        stepAt: null,
        deadline: null,
        escalated: false,
        forcedAfterS: null,
        detail: '',
        status: 'stopped',
        startedBefore: null,
        moved: false,
        auditId: null,
        tier: null,
      },
    ],
  };
}

const DAY_MS = 24 * 3600_000;

async function app(): Promise<TestApp> {
  const sim = await startSim();
  cleanups.push(() => sim.close());
  const stores = await openTestStores();
  cleanups.push(() => stores.close());
  // Before the app starts: what it finds on disk.
  await stores.operations.create(operation('finished-40-days-ago', 40 * DAY_MS));
  await stores.operations.create(operation('finished-yesterday', DAY_MS));
  await stores.operations.create(operation('running', null));
  const built = await buildTestApp(upstreamFor(sim), { stores });
  cleanups.push(() => built.close());
  return built;
}

describe('housekeeping', () => {
  it('at start: deletes operations finished more than 30 days ago, keeps recent and running ones', async () => {
    expect(OPERATIONS_KEPT_MS).toBe(30 * DAY_MS);
    const a = await app();
    const ops = a.testStores.operations;
    await vi.waitFor(async () => expect(await ops.get('finished-40-days-ago')).toBeNull(), { timeout: 5000 });
    expect(await ops.get('finished-yesterday')).not.toBeNull();
    expect(await ops.get('running')).not.toBeNull();
  });

  it('deletes sessions that ended; a live session goes on working', async () => {
    const a = await app();
    const viewer = await signIn(a, 'viewer');
    const gone = await signIn(a, 'helpdesk');
    const out = await a.inject({ method: 'DELETE', url: '/api/session', headers: gone });
    expect(out.statusCode).toBeLessThan(300);
    const count = () =>
      (a.testStores.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
    const before = count();

    const counts = await a.housekeeping.run();
    expect(counts).toMatchObject({ sessions: 1, operations: 0 });
    expect(count()).toBe(before - 1);
    expect((await a.inject({ method: 'GET', url: '/api/session', headers: viewer })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/api/session', headers: gone })).statusCode).toBe(401);
  });

  it('deletes tokens a day after they expired (the 8-hour ones of POST /api/sys/tokens); a live token goes on working', async () => {
    expect(TOKENS_KEPT_AFTER_EXPIRY_MS).toBe(DAY_MS);
    // The stores' clock, moved by the test (the login route's 8 hours are counted by it too).
    let now = Date.now();
    const sim = await startSim();
    cleanups.push(() => sim.close());
    const stores = await openTestStores({ now: () => now });
    cleanups.push(() => stores.close());
    const a = await buildTestApp(upstreamFor(sim), { stores });
    cleanups.push(() => a.close());
    await a.ready();

    const login = await a.inject({
      method: 'POST',
      url: '/api/sys/tokens',
      payload: { login: 'viewer', password: TEST_PASSWORD },
    });
    expect(login.statusCode).toBe(201);
    const loginToken = login.json<{ $key: string }>().$key;
    const admin = await stores.users.get('admin');
    const live = await stores.tokens.create({
      userId: admin!.id,
      name: 'nightly report',
      role: 'viewer',
      expiresAt: new Date(now + 30 * DAY_MS),
    });
    const rows = () =>
      (stores.db.prepare('SELECT count(*) AS n FROM access_tokens').get() as { n: number }).n;
    expect(rows()).toBe(2);

    // Expired a minute ago: refused, still listed as expired.
    now += 8 * 3600_000 + 60_000;
    expect(await a.housekeeping.run()).toMatchObject({ tokens: 0 });
    expect(await stores.tokens.lookup(loginToken)).toBeNull();
    expect(await stores.tokens.find(loginToken)).not.toBeNull();

    // A day later: gone; the live token stays and works.
    now += TOKENS_KEPT_AFTER_EXPIRY_MS;
    expect(await a.housekeeping.run()).toMatchObject({ tokens: 1 });
    expect(await stores.tokens.find(loginToken)).toBeNull();
    expect(rows()).toBe(1);
    const res = await a.inject({
      method: 'GET',
      url: '/api/v4/vms/42?fields=name',
      headers: { authorization: `Bearer ${live.token}` },
    });
    expect([res.statusCode, res.json()]).toEqual([200, { name: 'test' }]);
  });

  it("deletes schedule runs recorded more than 180 days ago; a recent run stays in the schedule's history", async () => {
    expect(SCHEDULE_RUNS_KEPT_MS).toBe(180 * DAY_MS);
    let now = Date.now() - 200 * DAY_MS;
    const sim = await startSim();
    cleanups.push(() => sim.close());
    const stores = await openTestStores({ now: () => now });
    cleanups.push(() => stores.close());
    const at = (ms: number) => new Date(ms).toISOString();
    await stores.schedules.create({
      id: 'nightly',
      name: 'Nightly off',
      enabled: true,
      action: 'shutdown',
      forceAfterS: null,
      targets: { kind: 'filter', filter: 'lab' },
      when: { kind: 'daily', time: '19:00' },
      timeZone: 'UTC',
      graceMinutes: 15,
      exclusions: [],
      owner: 'admin',
      createdAt: at(now),
      updatedAt: at(now),
    });
    const run = (ms: number) =>
      stores.schedules.recordRun({
        scheduleId: 'nightly',
        scheduleName: 'Nightly off',
        scheduledFor: at(ms),
        outcome: 'skipped',
        detail: 'Skipped by admin: holiday',
        operationId: null,
      });
    expect(await run(now)).not.toBeNull();
    now = Date.now();
    expect(await run(now)).not.toBeNull();
    const a = await buildTestApp(upstreamFor(sim), { stores });
    cleanups.push(() => a.close());
    await a.ready();

    expect(await a.housekeeping.run()).toMatchObject({ scheduleRuns: 0 });
    const runs = await stores.schedules.listRuns({ scheduleId: 'nightly', limit: 10 });
    expect(runs.map((r) => r.scheduledFor)).toEqual([at(now)]);
  });

  it('deletes single sign-ons under way once consumed or older than 10 minutes, and refusals after 15', async () => {
    expect([PENDING_MAX_AGE_MS, REFUSAL_MAX_AGE_MS]).toEqual([10 * 60_000, 15 * 60_000]);
    let now = Date.now();
    const sim = await startSim();
    cleanups.push(() => sim.close());
    const stores = await openTestStores({ now: () => now });
    cleanups.push(() => stores.close());
    const a = await buildTestApp(upstreamFor(sim), { stores });
    cleanups.push(() => a.close());
    await a.ready();
    const count = (table: string) =>
      (stores.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const pending = (state: string) => ({ state, nonce: 'n', codeVerifier: 'v', returnTo: '/' });

    // A browser that gave up at the provider, one that came back, and a refusal page.
    await stores.sso.createPending('browser-gave-up', pending('abandoned'));
    await stores.sso.createPending('browser-back', pending('consumed'));
    expect(await stores.sso.consumePending('browser-back', 'consumed', PENDING_MAX_AGE_MS)).not.toBeNull();
    const refusal = await stores.sso.addRefusal('browser-refused', { reason: 'no-rule' });
    now += 5 * 60_000;
    await stores.sso.createPending('browser-now', pending('under-way'));

    expect(await a.housekeeping.run()).toMatchObject({ ssoSignIns: 1, ssoRefusals: 0 });
    expect(count('sso_pending')).toBe(2);

    now += 6 * 60_000;
    expect(await a.housekeeping.run()).toMatchObject({ ssoSignIns: 1, ssoRefusals: 0 });
    // The one begun 6 minutes ago can still come back; the refusal (11 minutes old) is still shown.
    expect(await stores.sso.consumePending('browser-now', 'under-way', PENDING_MAX_AGE_MS)).not.toBeNull();
    expect(await stores.sso.getRefusal(refusal, 'browser-refused', REFUSAL_MAX_AGE_MS)).not.toBeNull();

    now += 5 * 60_000;
    expect(await a.housekeeping.run()).toMatchObject({ ssoSignIns: 1, ssoRefusals: 1 });
    expect([count('sso_pending'), count('sso_refusals')]).toEqual([0, 0]);
  });
});
