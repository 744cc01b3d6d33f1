// VergeOS's own login through Powerdeck (issue 13): `POST /api/sys/tokens` with a Powerdeck user's name and password
// (HTTP Basic and/or the JSON body) answers as VergeOS does (201, `$key` = a short-lived personal token with the
// user's role), counted and locked with the sign-in page's throttle, audited; `DELETE /api/sys/tokens/<token>` ends
// it. Every test here failed on the old code: the route did not exist (401 "Sign in to continue" for a request
// without a session, 403 csrf for the signed-in browser's).
import type { TokenRow } from '@powerdeck/contracts/auth';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { createVergeClient } from '@powerdeck/vergeos-client';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR, disableUser } from '../src/stores/admin';
import { listAndPowerCycle } from './script-support';
import { LogCapture, nonPollerRequests, signIn, simStats, TEST_PASSWORD, useSimApp } from './support';

let logs: LogCapture;
const env = useSimApp({
  resetSim: true,
  clearStats: true,
  app: () => {
    logs = new LogCapture();
    return { logs, auth: { failureDelayMs: 1, maxFailureDelayMs: 2 } };
  },
});

const basic = (login: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`,
});

function login(headers: Record<string, string>, payload?: object) {
  return env.app.inject({
    method: 'POST',
    url: '/api/sys/tokens',
    headers,
    ...(payload ? { payload } : {}),
  });
}

async function loginToken(headers: Record<string, string>, payload?: object): Promise<string> {
  const res = await login(headers, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ $key: string }>().$key;
}

function logout(token: string, headers: Record<string, string>) {
  return env.app.inject({ method: 'DELETE', url: `/api/sys/tokens/${token}`, headers });
}

async function auditRows(kind: 'signin' | 'signin_failed' | 'token') {
  return (await env.app.testStores.audit.query({ kind, order: 'asc', limit: 1000 })).rows;
}

describe('POST /api/sys/tokens', () => {
  it('logs in with the JSON body as VergeOS answers; the token lists VMs, powers one on and off, and DELETE ends it', async () => {
    const before = Date.now();
    const res = await login({}, { login: 'helpdesk', password: TEST_PASSWORD });
    expect(res.statusCode).toBe(201);
    const token = res.json<{ $key: string }>().$key;
    expect(token).toMatch(/^pd_[A-Za-z0-9_-]{43}$/);
    // Exactly VergeOS's receipt (the simulator's, and the API notes').
    expect(res.json()).toEqual({
      location: `/sys/tokens/${token}`,
      dbpath: `tokens/${token}`,
      $row: 1,
      $key: token,
    });

    const headers = { 'x-yottabyte-token': token };
    await listAndPowerCycle(env.app, headers);
    const who = await env.app.inject({ url: '/api/session', headers });
    expect(who.json()).toMatchObject({ authKind: 'token', role: 'helpdesk', username: 'helpdesk' });

    // On the Tokens page like any other token: named for where it came from, 8 hours, the user's role.
    const person = await signIn(env.app, 'helpdesk');
    const rows = (await env.app.inject({ url: '/api/tokens', headers: person })).json<TokenRow[]>();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: 'api login from 127.0.0.1',
      username: 'helpdesk',
      role: 'helpdesk',
      prefix: token.slice(0, 11),
      revokedAt: null,
    });
    const expires = Date.parse(rows[0]!.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 8 * 3600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 8 * 3600_000);

    const out = await logout(token, headers);
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json()).toEqual({});
    const after = await env.app.inject({ url: '/api/v4/vms?fields=name', headers });
    expect(after.statusCode).toBe(401);
    expect((await logout(token, headers)).statusCode).toBe(401);
  });

  it('logs in with HTTP Basic; the token works as the cookie token= and as Bearer, and ends itself', async () => {
    const token = await loginToken(basic('admin', TEST_PASSWORD));
    await listAndPowerCycle(env.app, { cookie: `token=${token}` });
    expect(
      (
        await env.app.inject({
          url: '/api/v4/vms?fields=name',
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
    ).toBe(200);
    expect((await logout(token, { cookie: `token=${token}` })).statusCode).toBe(200);
    expect(
      (await env.app.inject({ url: '/api/v4/vms?fields=name', headers: { cookie: `token=${token}` } }))
        .statusCode,
    ).toBe(401);
  });

  it('takes Basic and the body together when they agree, and refuses them when they differ', async () => {
    await loginToken(basic('viewer', TEST_PASSWORD), { login: 'viewer', password: TEST_PASSWORD });
    const differ = await login(basic('viewer', TEST_PASSWORD), { login: 'admin', password: TEST_PASSWORD });
    expect(differ.statusCode).toBe(401);
    expect(differ.json()).toMatchObject({ code: 'conflicting_credentials' });
  });

  it('serves a VergeOS SDK that logs in with /api/sys/tokens (the typed client, token auth, over HTTP)', async () => {
    await env.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = env.app.server.address() as AddressInfo;
    const client = createVergeClient({
      baseUrl: `http://127.0.0.1:${port}`,
      auth: { type: 'token', username: 'admin', password: TEST_PASSWORD },
    });
    try {
      const vms = await client.vms.list();
      expect(vms.map((v) => v.$key)).toContain(42);
      await client.actions.powerOn(42);
      await client.waitForPowerState(42, 'running', { timeoutMs: 5_000, intervalMs: 20 });
      await client.actions.kill(42);
      await client.waitForPowerState(42, 'stopped', { timeoutMs: 5_000, intervalMs: 20 });
    } finally {
      await client.close();
    }
    // close() logged out: the token it got is revoked, audited as its own sign-out.
    const rows = (await env.app.testStores.tokens.list({})).filter((t) => t.name.startsWith('api login'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.revokedAt).not.toBeNull();
    expect((await auditRows('signin')).map((r) => [r.actor, r.authKind, r.action])).toContainEqual([
      'admin',
      'token',
      'signout',
    ]);
  });

  it('audits the sign-in (authKind token, the token as target) and the token creation; nothing reaches VergeOS', async () => {
    const token = await loginToken(
      { 'user-agent': 'powershell-sdk/1.0' },
      { login: 'viewer', password: TEST_PASSWORD },
    );
    const info = await env.app.testStores.tokens.find(token);
    const signin = (await auditRows('signin')).filter((r) => r.actor === 'viewer');
    expect(signin).toHaveLength(1);
    expect(signin[0]).toMatchObject({
      outcome: 'accepted',
      role: 'viewer',
      authKind: 'token',
      action: 'signin',
      target: `token:${info!.id}`,
      source: '127.0.0.1',
      userAgent: 'powershell-sdk/1.0',
    });
    const created = await auditRows('token');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      outcome: 'accepted',
      actor: 'viewer',
      authKind: 'token',
      action: 'create',
      target: `token:${info!.id}`,
    });
    expect(JSON.parse(String(created[0]!.params))).toMatchObject({
      owner: 'viewer',
      role: 'viewer',
      name: 'api login from 127.0.0.1',
    });
    expect(JSON.stringify([...signin, ...created])).not.toContain(token);
    expect(nonPollerRequests(await simStats(env.sim))).toEqual([]);
  });

  it('answers a wrong password, an unknown user and a disabled user with one 401 in VergeOS words, audited', async () => {
    await disableUser(env.app.testStores, CLI_ACTOR, 'viewer');
    for (const [user, password] of [
      ['helpdesk', 'wrong'],
      ['nobody', TEST_PASSWORD],
      ['viewer', TEST_PASSWORD],
    ] as const) {
      for (const res of [await login({}, { login: user, password }), await login(basic(user, password))]) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ err: 'Invalid login or password', code: 'bad_credentials' });
      }
    }
    expect((await auditRows('signin_failed')).map((r) => [r.actor, r.authKind, r.reason])).toEqual([
      ['helpdesk', 'token', 'bad_password'],
      ['helpdesk', 'token', 'bad_password'],
      ['nobody', 'token', 'unknown_user'],
      ['nobody', 'token', 'unknown_user'],
      ['viewer', 'token', 'disabled'],
      ['viewer', 'token', 'disabled'],
    ]);
    expect(await env.app.testStores.tokens.list({})).toEqual([]);
  });

  it("shares the sign-in page's lock: 5 failures here lock the name here and on the page, and the other way round", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await login({}, { login: 'helpdesk', password: `guess ${i}` })).statusCode).toBe(401);
    }
    const locked = await login({}, { login: 'helpdesk', password: TEST_PASSWORD });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json()).toMatchObject({ code: 'locked' });
    const page = await env.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { username: 'helpdesk', password: TEST_PASSWORD },
    });
    expect(page.statusCode).toBe(429);

    for (let i = 0; i < 5; i++) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/session',
        headers: { [CSRF_HEADER]: '1' },
        payload: { username: 'viewer', password: `guess ${i}` },
      });
      expect(res.statusCode).toBe(401);
    }
    expect((await login(basic('viewer', TEST_PASSWORD))).statusCode).toBe(429);
    expect((await auditRows('signin_failed')).filter((r) => r.reason === 'locked (user)')).toHaveLength(3);
  });

  it('refuses malformed logins in VergeOS codes, before any password is checked', async () => {
    const cases: [Record<string, string>, object | undefined, number][] = [
      [{}, undefined, 400],
      [{}, { login: 'admin' }, 422],
      [{}, { password: TEST_PASSWORD }, 422],
      [{}, { login: '', password: TEST_PASSWORD }, 422],
      [{}, { login: 'admin', password: 42 }, 422],
      [{ authorization: 'Basic !!!' }, undefined, 401],
      [{ authorization: `Basic ${Buffer.from('no colon').toString('base64')}` }, undefined, 401],
      [{ authorization: 'Digest abc' }, undefined, 401],
    ];
    for (const [headers, body, status] of cases) {
      const res = await login(headers, body);
      expect(res.statusCode, `${JSON.stringify(headers)} ${JSON.stringify(body)}`).toBe(status);
      expect(res.json()).toMatchObject({ err: expect.any(String), error: expect.any(String) });
    }
    expect(await auditRows('signin_failed')).toEqual([]);
  });

  it("a browser's request must pass the page's same-origin checks; a script's needs none", async () => {
    const body = { login: 'admin', password: TEST_PASSWORD };
    const browsers: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-origin' },
      { [CSRF_HEADER]: '1', 'sec-fetch-site': 'cross-site' },
    ];
    for (const browser of browsers) {
      const res = await login(browser, body);
      expect(res.statusCode, JSON.stringify(browser)).toBe(403);
      expect(res.json()).toMatchObject({ code: 'csrf' });
    }
    expect(await env.app.testStores.tokens.list({})).toEqual([]);
    expect(await auditRows('signin_failed')).toEqual([]);
    const page = await login(
      {
        [CSRF_HEADER]: '1',
        'sec-fetch-site': 'same-origin',
        origin: 'http://localhost:80',
        host: 'localhost',
      },
      body,
    );
    expect(page.statusCode).toBe(201);
    expect((await login({}, body)).statusCode).toBe(201);
  });

  it('never writes the password or the token in a log line, the logout URL included', async () => {
    const token = await loginToken(basic('admin', TEST_PASSWORD));
    const other = await loginToken({}, { login: 'admin', password: TEST_PASSWORD });
    expect((await logout(token, { 'x-yottabyte-token': token })).statusCode).toBe(200);
    expect((await logout(other, { cookie: `token=${other}` })).statusCode).toBe(200);
    expect(logs.text).toContain('/api/sys/tokens/[redacted]');
    expect(logs.text).not.toContain(token);
    expect(logs.text).not.toContain(other);
    expect(logs.text).not.toContain(token.slice(3));
    expect(logs.text).not.toContain(TEST_PASSWORD);
    expect(logs.text).not.toContain(Buffer.from(`admin:${TEST_PASSWORD}`).toString('base64'));
  });
});

describe('DELETE /api/sys/tokens/<token>', () => {
  async function viewerToken() {
    return loginToken({}, { login: 'viewer', password: TEST_PASSWORD });
  }
  async function live(token: string) {
    return (
      (await env.app.inject({ url: '/api/session', headers: { 'x-yottabyte-token': token } })).statusCode ===
      200
    );
  }

  it("is for the token itself, its owner and admins; anyone else gets VergeOS's 404 and the token lives on", async () => {
    const token = await viewerToken();
    const helpdesk = await signIn(env.app, 'helpdesk');
    const helpdeskToken = await loginToken({}, { login: 'helpdesk', password: TEST_PASSWORD });
    const sameOwner = await viewerToken();
    for (const headers of [
      helpdesk,
      { 'x-yottabyte-token': helpdeskToken },
      { 'x-yottabyte-token': sameOwner },
    ]) {
      const res = await logout(token, headers);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ err: "Not found: no row in 'tokens' with that $key" });
    }
    expect(await live(token)).toBe(true);

    expect((await logout(token, await signIn(env.app, 'viewer'))).statusCode).toBe(200);
    expect(await live(token)).toBe(false);
    const second = await viewerToken();
    expect((await logout(second, env.app.adminHeaders)).statusCode).toBe(200);
    expect(await live(second)).toBe(false);
    const revoked = (await auditRows('token')).filter((r) => r.action === 'revoke');
    expect(revoked.map((r) => [r.actor, r.authKind, r.outcome])).toEqual([
      ['viewer', 'session', 'accepted'],
      ['admin', 'session', 'accepted'],
    ]);
  });

  it('answers 404 for a token that is not live or not a token, and 401 without credentials', async () => {
    const token = await viewerToken();
    expect((await logout(token, {})).statusCode).toBe(401);
    expect((await logout(`pd_${'x'.repeat(43)}`, env.app.adminHeaders)).statusCode).toBe(404);
    expect((await logout('f00d', env.app.adminHeaders)).statusCode).toBe(404);
    expect((await logout(token, env.app.adminHeaders)).statusCode).toBe(200);
    expect((await logout(token, env.app.adminHeaders)).statusCode).toBe(404);
  });

  it("a browser's logout with a token cookie passes the CSRF checks", async () => {
    const token = await viewerToken();
    const res = await logout(token, { cookie: `token=${token}`, origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(await live(token)).toBe(true);
  });
});
