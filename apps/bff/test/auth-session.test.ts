// Signing in and out over HTTP (the real app on real SQLite stores, against a real simulator): the
// session cookie, one generic failure, throttling and its growing delay, session fixation, idle
// timeout, sign-out, disabled users, password changes and wall-display links.
import { CSRF_HEADER, PASSIVE_HEADER } from '@powerdeck/contracts/roles';
import type { Simulator } from '@powerdeck/vergeos-sim';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { changePassword, CLI_ACTOR, disableUser, enableUser, revokeToken } from '../src/stores/admin';
import type { AuditRecord } from '../src/stores/types';
import {
  buildTestApp,
  clearSimStats,
  displayHeaders,
  openTestStores,
  signIn,
  simStats,
  startSim,
  TEST_PASSWORD,
  tokenHeaders,
  upstreamFor,
  type TestApp,
} from './support';

type Overrides = Parameters<typeof buildTestApp>[1];

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

/** The real app on fresh stores (closed after the test); failed sign-ins wait 1 ms unless told otherwise. */
async function build(overrides: Overrides = {}): Promise<TestApp> {
  const app = await buildTestApp(upstreamFor(sim), {
    ...overrides,
    auth: { failureDelayMs: 1, maxFailureDelayMs: 2, ...overrides.auth },
  });
  cleanups.push(() => app.close());
  return app;
}

/** Stores on a clock the test moves; closed after the app. */
async function clockedStores() {
  const clock = { now: Date.parse('2025-06-02T08:00:00Z') };
  const stores = await openTestStores({ now: () => clock.now });
  cleanups.push(() => stores.close());
  return { stores, clock };
}

function postSession(
  app: TestApp,
  body: { username: string; password: string },
  headers: Record<string, string> = {},
  extra: { remoteAddress?: string } = {},
) {
  return app.inject({
    method: 'POST',
    url: '/api/session',
    headers: { [CSRF_HEADER]: '1', ...headers },
    payload: body,
    ...extra,
  });
}

function cookieOf(res: LightMyRequestResponse, name = 'pd_session') {
  return res.cookies.find((c) => c.name === name);
}

async function whoAmI(app: TestApp, cookie: string) {
  return app.inject({ url: '/api/session', headers: { cookie } });
}

async function auditRows(app: TestApp, kind?: AuditRecord['kind']): Promise<AuditRecord[]> {
  return (await app.testStores.audit.query({ order: 'asc', limit: 1000, ...(kind ? { kind } : {}) })).rows;
}

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Strict, Path=/ cookie, not Secure over http, and says who is signed in', async () => {
    const app = await build();
    const res = await postSession(app, { username: 'helpdesk', password: TEST_PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      authKind: 'session',
      role: 'helpdesk',
      username: 'helpdesk',
      display: null,
      permissions: ['fleet:read', 'vm:start', 'vm:shutdown', 'vm:reboot', 'tokens:own', 'schedules:skip'],
      idleTimeoutMs: 30 * 60_000,
      signInMethod: 'password',
    });
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/^pd_session=[A-Za-z0-9_-]{43}; /);
    expect(raw).toMatch(/; HttpOnly/);
    expect(raw).toMatch(/; SameSite=Strict/);
    expect(raw).toMatch(/; Path=\//);
    expect(raw).not.toMatch(/Secure/i);
    expect(raw).not.toMatch(/Domain=/i);
    const cookie = cookieOf(res)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();

    const me = await whoAmI(app, `pd_session=${cookie.value}`);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      authKind: 'session',
      username: 'helpdesk',
      role: 'helpdesk',
      signInMethod: 'password',
    });
    expect((await app.inject('/api/session')).statusCode).toBe(401);
  });

  it('behind a TLS proxy (trustProxy) uses __Host-pd_session with Secure, and only that cookie over https', async () => {
    const app = await build({ auth: { trustProxy: 1 } });
    const https = { 'x-forwarded-proto': 'https' };
    const res = await postSession(app, { username: 'viewer', password: TEST_PASSWORD }, https);
    expect(res.statusCode).toBe(200);
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/^__Host-pd_session=/);
    expect(raw).toMatch(/; Secure/);
    expect(raw).toMatch(/; Path=\//);
    expect(raw).not.toMatch(/Domain=/i);
    const cookie = cookieOf(res, '__Host-pd_session')!;
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookieOf(res)).toBeUndefined();

    const secret = cookie.value;
    expect(
      (
        await app.inject({
          url: '/api/session',
          headers: { ...https, cookie: `__Host-pd_session=${secret}` },
        })
      ).statusCode,
    ).toBe(200);
    // Over https a cookie without the prefix (one a sibling host could have planted) is not read.
    expect(
      (await app.inject({ url: '/api/session', headers: { ...https, cookie: `pd_session=${secret}` } }))
        .statusCode,
    ).toBe(401);

    // Without trustProxy the forwarded header is not believed: plain cookie, no Secure.
    const direct = await build();
    const plain = await postSession(direct, { username: 'viewer', password: TEST_PASSWORD }, https);
    expect(String(plain.headers['set-cookie'])).toMatch(/^pd_session=/);
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/i);
  });

  it('answers unknown user, wrong password and disabled user with one identical 401, and audits each reason', async () => {
    const app = await build();
    await app.testStores.users.setDisabled('viewer', true);
    const attempts = [
      { username: 'nobody-here', password: TEST_PASSWORD },
      { username: 'helpdesk', password: 'wrong password, long enough' },
      { username: 'viewer', password: TEST_PASSWORD },
    ];
    const answers = [];
    for (const body of attempts) {
      const res = await postSession(app, body, { 'user-agent': 'auth-test/1' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      answers.push(res.body);
    }
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!)).toEqual({
      err: 'Wrong user name or password',
      error: 'Wrong user name or password',
      statusCode: 401,
      code: 'bad_credentials',
    });

    const failed = await auditRows(app, 'signin_failed');
    expect(failed.map((r) => [r.actor, r.reason])).toEqual([
      ['nobody-here', 'unknown_user'],
      ['helpdesk', 'bad_password'],
      ['viewer', 'disabled'],
    ]);
    for (const row of failed) {
      expect(row).toMatchObject({
        outcome: 'denied',
        authKind: 'password',
        source: '127.0.0.1',
        userAgent: 'auth-test/1',
        requestId: expect.any(String),
      });
    }
    // The successful sign-in (the admin's, made by buildTestApp) is audited too.
    const ok = await auditRows(app, 'signin');
    expect(ok).toEqual([
      expect.objectContaining({ outcome: 'accepted', actor: 'admin', role: 'admin', action: 'signin' }),
    ]);
  });

  it('locks a name after 5 failures: the 6th attempt, with the right password, gets 429 and Retry-After', async () => {
    const app = await build();
    for (let i = 0; i < 5; i += 1) {
      const res = await postSession(app, { username: 'helpdesk', password: `wrong guess number ${i}` });
      expect(res.statusCode).toBe(401);
    }
    const locked = await postSession(app, { username: 'helpdesk', password: TEST_PASSWORD });
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({
      code: 'locked',
      err: expect.stringMatching(/Try again in 15 minutes/),
    });
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(cookieOf(locked)).toBeUndefined();
    const last = (await auditRows(app, 'signin_failed')).at(-1);
    expect(last).toMatchObject({ actor: 'helpdesk', outcome: 'denied', reason: 'locked (user)' });
    // The lock is the name's: another person at the same address still signs in.
    expect((await postSession(app, { username: 'viewer', password: TEST_PASSWORD })).statusCode).toBe(200);
  });

  it('locks an address after 20 failures across names, and only that address', async () => {
    const app = await build();
    const from = { remoteAddress: '10.9.8.7' };
    for (let i = 0; i < 20; i += 1) {
      const res = await postSession(
        app,
        { username: `guess${i}`, password: 'not a password at all' },
        {},
        from,
      );
      expect(res.statusCode).toBe(401);
    }
    const locked = await postSession(app, { username: 'viewer', password: TEST_PASSWORD }, {}, from);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await auditRows(app, 'signin_failed')).at(-1)).toMatchObject({
      actor: 'viewer',
      source: '10.9.8.7',
      reason: 'locked (source)',
    });
    const elsewhere = await postSession(
      app,
      { username: 'viewer', password: TEST_PASSWORD },
      {},
      { remoteAddress: '10.9.8.8' },
    );
    expect(elsewhere.statusCode).toBe(200);
  });

  it('makes each failure wait longer: at least 40, 80, 160, 320 ms', async () => {
    const app = await build({ auth: { failureDelayMs: 40, maxFailureDelayMs: 4000 } });
    const expected = [40, 80, 160, 320];
    for (const [i, delay] of expected.entries()) {
      const started = performance.now();
      const res = await postSession(app, { username: 'admin', password: `wrong ${i}` });
      const took = performance.now() - started;
      expect(res.statusCode).toBe(401);
      // A lower bound only (timers have whole-millisecond resolution): never a speed assertion.
      expect(took, `failure ${i + 1}`).toBeGreaterThanOrEqual(delay - 1);
    }
  });
});

describe('sessions', () => {
  it('never keeps a session id the browser presented at sign-in (no fixation)', async () => {
    const app = await build();
    const viewer = await signIn(app, 'viewer');
    const presented = viewer.cookie!;
    const res = await postSession(app, { username: 'admin', password: TEST_PASSWORD }, { cookie: presented });
    expect(res.statusCode).toBe(200);
    const issued = cookieOf(res)!.value;
    expect(`pd_session=${issued}`).not.toBe(presented);
    expect((await whoAmI(app, presented)).statusCode).toBe(401);
    expect((await whoAmI(app, `pd_session=${issued}`)).json()).toMatchObject({ username: 'admin' });

    // An id an attacker chose (never issued) is not adopted either.
    const planted = `pd_session=${'Q'.repeat(43)}`;
    const again = await postSession(
      app,
      { username: 'helpdesk', password: TEST_PASSWORD },
      { cookie: planted },
    );
    expect(again.statusCode).toBe(200);
    expect(`pd_session=${cookieOf(again)!.value}`).not.toBe(planted);
    expect((await whoAmI(app, planted)).statusCode).toBe(401);
  });

  it('ends a session after the idle timeout without a request, and not before', async () => {
    const { stores, clock } = await clockedStores();
    const app = await build({ stores, auth: { idleTimeoutMs: 60_000 } });
    const { cookie } = await signIn(app, 'helpdesk');
    const me = await whoAmI(app, cookie!);
    expect(me.json()).toMatchObject({ idleTimeoutMs: 60_000 });
    clock.now += 59_000;
    expect((await whoAmI(app, cookie!)).statusCode).toBe(200);
    // That request counted: another 59 s later it still holds.
    clock.now += 59_000;
    expect((await app.inject({ url: '/api/fleet', headers: { cookie: cookie! } })).statusCode).toBe(200);
    // It ends at most 15 s (the last-seen write interval) after the idle limit, never before it.
    clock.now += 60_000 + 15_000;
    const ended = await app.inject({ url: '/api/fleet', headers: { cookie: cookie! } });
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toMatchObject({ code: 'unauthenticated' });
    // Idling out is final, whatever the clock does next.
    clock.now -= 60_000;
    expect((await whoAmI(app, cookie!)).statusCode).toBe(401);
  });

  it('ends a password session at the absolute limit (POWERDECK_SESSION_MAX_HOURS) however active; a display goes on', async () => {
    const clock = { now: Date.parse('2025-06-02T08:00:00Z') };
    const stores = await openTestStores({ now: () => clock.now, sessionMaxAgeMs: 12 * 3600_000 });
    cleanups.push(() => stores.close());
    const app = await build({ stores });
    const { cookie } = await signIn(app, 'helpdesk');
    const display = await displayHeaders(app);
    // A request every 20 minutes (well inside the 30-minute idle limit) for 12 hours less a minute: still signed in.
    const end = clock.now + 12 * 3600_000;
    while (clock.now + 20 * 60_000 < end) {
      clock.now += 20 * 60_000;
      expect((await app.inject({ url: '/api/fleet', headers: { cookie: cookie! } })).statusCode).toBe(200);
    }
    clock.now = end - 60_000;
    expect((await whoAmI(app, cookie!)).statusCode).toBe(200);
    // At 12 hours it ends, active or not; the person signs in again.
    clock.now = end;
    const ended = await app.inject({ url: '/api/fleet', headers: { cookie: cookie! } });
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toMatchObject({ code: 'unauthenticated' });
    clock.now -= 3600_000;
    expect((await whoAmI(app, cookie!)).statusCode).toBe(401);
    clock.now = end;
    expect((await whoAmI(app, (await signIn(app, 'helpdesk')).cookie!)).statusCode).toBe(200);
    // The wall display opened at the same time has no such limit.
    expect((await whoAmI(app, display.cookie!)).statusCode).toBe(200);
  });

  it("does not let the page's own background polls keep an unattended session alive", async () => {
    const { stores, clock } = await clockedStores();
    const app = await build({ stores, auth: { idleTimeoutMs: 60_000 } });
    const { cookie } = await signIn(app, 'helpdesk');
    const poll = () => app.inject({ url: '/api/fleet', headers: { cookie: cookie!, [PASSIVE_HEADER]: '1' } });
    // A dashboard left open polls every few seconds; none of those polls is the person's doing.
    for (let t = 0; t < 55_000; t += 5_000) {
      clock.now += 5_000;
      expect((await poll()).statusCode).toBe(200);
    }
    clock.now += 6_000 + 15_000;
    expect((await poll()).statusCode).toBe(401);

    // The same polls without the header (the person is at the page) keep the session alive.
    const again = await signIn(app, 'helpdesk');
    for (let t = 0; t < 120_000; t += 30_000) {
      clock.now += 30_000;
      const res = await app.inject({ url: '/api/fleet', headers: { cookie: again.cookie! } });
      expect(res.statusCode).toBe(200);
    }
  });

  it('signs out: the cookie is cleared, the old id answers 401, and it is audited', async () => {
    const app = await build();
    const headers = await signIn(app, 'viewer');
    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers });
    expect(out.statusCode).toBe(204);
    const cleared = cookieOf(out)!;
    expect(cleared.value).toBe('');
    expect(String(out.headers['set-cookie'])).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    expect((await whoAmI(app, headers.cookie!)).statusCode).toBe(401);
    expect((await app.inject({ method: 'DELETE', url: '/api/session', headers })).statusCode).toBe(401);
    expect((await auditRows(app, 'signin')).at(-1)).toMatchObject({
      actor: 'viewer',
      action: 'signout',
      authKind: 'session',
    });
  });

  it("ends a disabled user's live session and tokens at their next request, for good", async () => {
    const app = await build();
    const browser = await signIn(app, 'helpdesk');
    const script = await tokenHeaders(app.testStores, 'helpdesk');
    expect((await app.inject({ url: '/api/fleet', headers: browser })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v4/vms?fields=name', headers: script })).statusCode).toBe(200);

    await disableUser(app.testStores, CLI_ACTOR, 'helpdesk');
    expect((await app.inject({ url: '/api/fleet', headers: browser })).statusCode).toBe(401);
    await clearSimStats(sim);
    const act = await app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: browser,
      payload: { vm: 42, action: 'poweron' },
    });
    expect(act.statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v4/vms?fields=name', headers: script })).statusCode).toBe(401);
    expect((await simStats(sim)).requests['POST /api/v4/vm_actions']).toBeUndefined();

    // Enabling again brings back neither the session nor the token (disabling revoked it).
    await enableUser(app.testStores, CLI_ACTOR, 'helpdesk');
    expect((await app.inject({ url: '/api/fleet', headers: browser })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v4/vms?fields=name', headers: script })).statusCode).toBe(401);
  });

  it('refuses a session whose user was disabled in the database directly, without a revoke', async () => {
    const app = await build();
    const browser = await signIn(app, 'viewer');
    await app.testStores.users.setDisabled('viewer', true);
    expect((await app.inject({ url: '/api/fleet', headers: browser })).statusCode).toBe(401);
  });

  it("ends a user's sessions when the password changes; the old password stops working", async () => {
    const app = await build();
    const browser = await signIn(app, 'viewer');
    const other = await signIn(app, 'admin');
    await changePassword(app.testStores, CLI_ACTOR, 'viewer', 'a brand new passphrase');
    expect((await whoAmI(app, browser.cookie!)).statusCode).toBe(401);
    expect((await whoAmI(app, other.cookie!)).statusCode).toBe(200);
    expect((await postSession(app, { username: 'viewer', password: TEST_PASSWORD })).statusCode).toBe(401);
    expect(
      (await postSession(app, { username: 'viewer', password: 'a brand new passphrase' })).statusCode,
    ).toBe(200);
  });
});

describe('wall displays', () => {
  async function displayLink(app: TestApp, name = 'Ops wall') {
    const admin = await app.testStores.users.get('admin');
    return app.testStores.displayLinks.create({ name, createdBy: admin!.id });
  }

  function openDisplay(app: TestApp, secret: string) {
    return app.inject({
      method: 'POST',
      url: '/api/display-session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { secret },
    });
  }

  it('trades a link secret for a read-only display session that never idles out', async () => {
    const { stores, clock } = await clockedStores();
    const app = await build({ stores, auth: { idleTimeoutMs: 60_000 } });
    const { secret, link } = await displayLink(app);
    const res = await openDisplay(app, secret);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      authKind: 'display',
      role: 'viewer',
      username: null,
      display: 'Ops wall',
      permissions: ['fleet:read'],
      idleTimeoutMs: null,
      signInMethod: null,
    });
    const cookie = cookieOf(res)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.maxAge).toBeGreaterThanOrEqual(399 * 24 * 3600);
    const display = { cookie: `pd_session=${cookie.value}`, [CSRF_HEADER]: '1' };
    expect((await auditRows(app, 'signin')).at(-1)).toMatchObject({
      actor: 'display:Ops wall',
      authKind: 'display',
      target: `display:${link.id}`,
    });

    expect((await app.inject({ url: '/api/fleet', headers: display })).statusCode).toBe(200);
    expect((await whoAmI(app, display.cookie)).json()).toMatchObject({
      authKind: 'display',
      display: 'Ops wall',
    });

    await clearSimStats(sim);
    const act = await app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: display,
      payload: { vm: 42, action: 'poweron' },
    });
    expect(act.statusCode).toBe(403);
    expect(act.json()).toMatchObject({
      code: 'forbidden',
      err: 'A wall display may only see the fleet, not start VMs',
    });
    expect((await simStats(sim)).requests['POST /api/v4/vm_actions']).toBeUndefined();
    expect((await auditRows(app, 'power')).at(-1)).toMatchObject({
      outcome: 'denied',
      actor: 'display:Ops wall',
      role: 'viewer',
      authKind: 'display',
      vmKey: 42,
      action: 'poweron',
      target: 'vm:start',
    });

    // Ten days without a request: a display is still on.
    clock.now += 10 * 24 * 3600_000;
    expect((await app.inject({ url: '/api/fleet', headers: display })).statusCode).toBe(200);

    // Revoking the link ends the display at its next request, and the secret no longer opens one.
    expect(await app.testStores.displayLinks.revoke(link.id)).toBe(true);
    expect((await app.inject({ url: '/api/fleet', headers: display })).statusCode).toBe(401);
    const reopened = await openDisplay(app, secret);
    expect(reopened.statusCode).toBe(401);
    expect(reopened.json()).toMatchObject({ code: 'bad_display_link' });
  });

  it('answers a bad secret with 401 bad_display_link, audited, and sets no cookie', async () => {
    const app = await build();
    await displayLink(app);
    for (const secret of [`pdd_${'A'.repeat(43)}`, 'not-a-secret']) {
      const res = await openDisplay(app, secret);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({
        code: 'bad_display_link',
        err: 'This display link is not valid or was revoked',
      });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await auditRows(app, 'signin_failed')).map((r) => [r.actor, r.authKind, r.reason])).toEqual([
      ['display', 'display', 'unknown or revoked display link'],
      ['display', 'display', 'unknown or revoked display link'],
    ]);
  });
});

describe('personal access tokens', () => {
  it('stop working at once when revoked, and when they expire', async () => {
    const { stores, clock } = await clockedStores();
    const app = await build({ stores });
    const owner = await stores.users.get('helpdesk');
    const made = async (name: string, ms: number) =>
      stores.tokens.create({
        userId: owner!.id,
        name,
        role: 'helpdesk',
        expiresAt: new Date(clock.now + ms),
      });
    const revoked = await made('revoked soon', 24 * 3600_000);
    const expiring = await made('one hour', 3600_000);
    const call = (token: string) =>
      app.inject({ url: '/api/v4/vms/42?fields=name', headers: { authorization: `Bearer ${token}` } });
    expect((await call(revoked.token)).statusCode).toBe(200);
    expect((await call(expiring.token)).statusCode).toBe(200);

    await revokeToken(stores, CLI_ACTOR, revoked.info.id);
    const refused = await call(revoked.token);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({
      code: 'invalid_token',
      err: 'The access token is unknown, expired or revoked',
    });

    clock.now += 3600_000 - 1;
    expect((await call(expiring.token)).statusCode).toBe(200);
    clock.now += 1;
    expect((await call(expiring.token)).statusCode).toBe(401);
    await clearSimStats(sim);
    const act = await app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: { authorization: `Bearer ${expiring.token}` },
      payload: { vm: 42, action: 'poweron' },
    });
    expect(act.statusCode).toBe(401);
    expect((await simStats(sim)).requests['POST /api/v4/vm_actions']).toBeUndefined();
  });

  it('are not sessions: no sign-out with one, and a malformed Authorization is refused', async () => {
    const app = await build();
    const script = await tokenHeaders(app.testStores, 'viewer');
    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers: script });
    expect(out.statusCode).toBe(400);
    expect(out.json()).toMatchObject({ code: 'not_a_session' });
    for (const authorization of [
      'Token abc',
      'Bearer',
      `Basic ${Buffer.from('admin:x').toString('base64')}`,
    ]) {
      const res = await app.inject({ url: '/api/fleet', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json()).toMatchObject({ code: 'invalid_token' });
    }
    // A Bearer header wins over a session cookie: a bad token is not rescued by a good cookie.
    const res = await app.inject({
      url: '/api/fleet',
      headers: { ...app.adminHeaders, authorization: `Bearer pd_${'x'.repeat(43)}` },
    });
    expect(res.statusCode).toBe(401);
  });
});
