// A personal token wherever VergeOS takes a token (issue 13): `Authorization: Bearer`, `x-yottabyte-token` and the
// cookie `token=`. Only `pd_` values are Powerdeck's; none ever reaches VergeOS (checked in the simulator's request
// log) or a log line (LogCapture). Two different tokens are refused, not one picked. A cookie travels from a
// browser by itself, so a browser's state-changing request with a token cookie passes the CSRF checks.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR, revokeToken } from '../src/stores/admin';
import { listAndPowerCycle } from './script-support';
import { LogCapture, nonPollerRequests, simStats, tokenHeaders, useSimApp, type TestApp } from './support';

let logs: LogCapture;
const env = useSimApp({
  resetSim: true,
  clearStats: true,
  app: () => {
    logs = new LogCapture();
    return { logs };
  },
});

async function tokenOf(app: TestApp, username: 'viewer' | 'helpdesk' | 'admin'): Promise<string> {
  return (await tokenHeaders(app.testStores, username)).authorization!.replace(/^Bearer /, '');
}

/** Every credential VergeOS saw: only the BFF's own key, never the client's token (header or cookie). */
async function expectOnlyTheKeyReachedVergeos(token: string) {
  const log = (await simStats(env.sim)).log;
  expect(log.length).toBeGreaterThan(0);
  for (const entry of log) {
    expect(entry.auth).toMatchObject({ scheme: 'bearer', credential: env.sim.apiKey });
    expect(entry.headers.cookie).toBeUndefined();
    expect(entry.headers['x-yottabyte-token']).toBeUndefined();
    expect(JSON.stringify(entry)).not.toContain(token);
  }
}

const ACTION = { vm: 42, action: 'poweron' };

describe('a personal token where VergeOS takes a token', () => {
  // Each failed on the old code: 401 "Sign in to continue" at the first list.
  it.each([
    ['x-yottabyte-token', (t: string) => ({ 'x-yottabyte-token': t })],
    ['Cookie: token=', (t: string) => ({ cookie: `theme=dark; token=${t}` })],
  ])(
    'works as %s: a helpdesk script lists VMs and powers one on and off; nothing of it reaches VergeOS or a log',
    async (_place, headersOf) => {
      const token = await tokenOf(env.app, 'helpdesk');
      await listAndPowerCycle(env.app, headersOf(token));
      const session = await env.app.inject({ url: '/api/session', headers: headersOf(token) });
      expect(session.json()).toMatchObject({ authKind: 'token', role: 'helpdesk', username: 'helpdesk' });
      await expectOnlyTheKeyReachedVergeos(token);
      expect(logs.lines.length).toBeGreaterThan(0);
      expect(logs.text).not.toContain(token);
    },
  );

  it("keeps the token's role: a viewer's token in x-yottabyte-token reads but may not start a VM", async () => {
    const headers = { 'x-yottabyte-token': await tokenOf(env.app, 'viewer') };
    expect((await env.app.inject({ url: '/api/v4/vms?fields=name', headers })).statusCode).toBe(200);
    const act = await env.app.inject({ method: 'POST', url: '/api/v4/vm_actions', headers, payload: ACTION });
    expect(act.statusCode).toBe(403);
    expect((await simStats(env.sim)).requests['POST /api/v4/vm_actions']).toBeUndefined();
  });

  it('stops working in either place at once when revoked', async () => {
    const { authorization } = await tokenHeaders(env.app.testStores, 'viewer');
    const token = authorization!.replace(/^Bearer /, '');
    const info = await env.app.testStores.tokens.find(token);
    await revokeToken(env.app.testStores, CLI_ACTOR, info!.id);
    for (const headers of [{ 'x-yottabyte-token': token }, { cookie: `token=${token}` }]) {
      const res = await env.app.inject({ url: '/api/v4/vms?fields=name', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'invalid_token' });
    }
  });
});

describe('several credentials at once', () => {
  it('the same token in several places is one credential', async () => {
    const token = await tokenOf(env.app, 'admin');
    const res = await env.app.inject({
      url: '/api/session',
      headers: { authorization: `Bearer ${token}`, 'x-yottabyte-token': token, cookie: `token=${token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ authKind: 'token' });
  });

  // Failed on the old code: the Bearer token was taken and the others silently ignored (200, 201).
  it('two different tokens get 401 naming both places, and nothing is forwarded', async () => {
    const admin = await tokenOf(env.app, 'admin');
    const viewer = await tokenOf(env.app, 'viewer');
    for (const headers of [
      { authorization: `Bearer ${viewer}`, 'x-yottabyte-token': admin },
      { authorization: `Bearer ${viewer}`, cookie: `token=${admin}` },
      { 'x-yottabyte-token': viewer, cookie: `token=${admin}` },
    ]) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v4/vm_actions',
        headers,
        payload: ACTION,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({
        code: 'conflicting_credentials',
        err: expect.stringMatching(/different personal access tokens \(.+, .+\): send one/),
      });
    }
    expect((await simStats(env.sim)).requests['POST /api/v4/vm_actions']).toBeUndefined();
  });

  it("a browser's live session counts before a token cookie; a token cookie counts when no session does", async () => {
    const token = await tokenOf(env.app, 'viewer');
    const both = await env.app.inject({
      url: '/api/session',
      headers: { ...env.app.adminHeaders, cookie: `${env.app.adminHeaders.cookie!}; token=${token}` },
    });
    expect(both.json()).toMatchObject({ authKind: 'session', role: 'admin' });
    const ended = await env.app.inject({
      url: '/api/session',
      headers: { cookie: `pd_session=ended-long-ago; token=${token}` },
    });
    expect(ended.json()).toMatchObject({ authKind: 'token', role: 'viewer' });
  });

  it("a `token` cookie that is not Powerdeck's (another application's) is ignored, never a refusal", async () => {
    const res = await env.app.inject({
      url: '/api/session',
      headers: { ...env.app.adminHeaders, cookie: `${env.app.adminHeaders.cookie!}; token=someone-elses` },
    });
    expect(res.json()).toMatchObject({ authKind: 'session', role: 'admin' });
    const alone = await env.app.inject({ url: '/api/session', headers: { cookie: 'token=someone-elses' } });
    expect(alone.statusCode).toBe(401);
    expect(alone.json()).toMatchObject({ code: 'unauthenticated' });
  });

  // The message failed on the old code ("Sign in to continue"); the 401 itself did not.
  it('a VergeOS token in x-yottabyte-token is not taken, forwarded or logged, and the 401 says why', async () => {
    const res = await env.app.inject({
      url: '/api/v4/vms',
      headers: { 'x-yottabyte-token': 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      code: 'invalid_token',
      err: expect.stringContaining('x-yottabyte-token does not carry a Powerdeck personal access token'),
    });
    expect(nonPollerRequests(await simStats(env.sim))).toEqual([]);
    expect(logs.text).not.toContain('f00dfeedf00dfeed');
  });

  it('a stale token cookie does not stand in the way of signing in on the page', async () => {
    const { authorization } = await tokenHeaders(env.app.testStores, 'viewer');
    const token = authorization!.replace(/^Bearer /, '');
    await revokeToken(env.app.testStores, CLI_ACTOR, (await env.app.testStores.tokens.find(token))!.id);
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1', cookie: `token=${token}` },
      payload: { username: 'viewer', password: 'correct horse battery' },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('CSRF with a token cookie', () => {
  const forwarded = async () => (await simStats(env.sim)).requests['POST /api/v4/vm_actions'] ?? 0;

  // Failed on the old code as 401 (the cookie token was not read at all): the refusal must be the CSRF check's.
  it.each([
    ['Origin: https://evil.example', { origin: 'https://evil.example', host: 'powerdeck.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['a same-origin browser without the CSRF header', { 'sec-fetch-site': 'same-origin' }],
  ])('refuses a cookie-token POST from a browser: %s (403, nothing forwarded)', async (_name, browser) => {
    const token = await tokenOf(env.app, 'admin');
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: { cookie: `token=${token}`, ...browser },
      payload: ACTION,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'csrf' });
    expect(await forwarded()).toBe(0);
  });

  // Failed on the old code: 401.
  it('lets the same POST through from a script (no Origin, no Sec-Fetch-Site) and from its own pages', async () => {
    const token = await tokenOf(env.app, 'admin');
    const script = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: { cookie: `token=${token}` },
      payload: ACTION,
    });
    expect(script.statusCode, script.body).toBe(201);
    const page = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: {
        cookie: `token=${token}`,
        [CSRF_HEADER]: '1',
        host: 'powerdeck.example',
        origin: 'http://powerdeck.example',
        'sec-fetch-site': 'same-origin',
      },
      payload: { vm: 42, action: 'kill' },
    });
    expect([201, 409]).toContain(page.statusCode);
    expect(await forwarded()).toBe(2);
  });

  it('a token in a header needs no CSRF header: a cross-site page cannot set it without a preflight', async () => {
    const token = await tokenOf(env.app, 'admin');
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: { 'x-yottabyte-token': token },
      payload: ACTION,
    });
    expect(res.statusCode).toBe(201);
  });
});
