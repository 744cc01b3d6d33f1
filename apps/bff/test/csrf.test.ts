// Cross-site request forgery: every state-changing request a browser makes with its session cookie
// needs CSRF_HEADER and a same-origin Sec-Fetch-Site / Origin; form and text/plain bodies are refused;
// scripts with a Bearer token need none of it. What reaches "VergeOS" is checked through /__sim/stats.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { beforeEach, describe, expect, it } from 'vitest';
import { simStats, TEST_PASSWORD, tokenHeaders, useSimApp } from './support';

const env = useSimApp({ resetSim: true, clearStats: true });
/** The admin's session cookie alone (what a browser attaches to any request, forged or not). */
let cookie: string;

beforeEach(() => {
  cookie = env.app.adminHeaders.cookie!;
});

const ACTION = { vm: 42, action: 'poweron' };

function act(headers: Record<string, string>, payload: unknown = ACTION) {
  return env.app.inject({ method: 'POST', url: '/api/v4/vm_actions', headers, payload: payload as object });
}

async function actionsForwarded(): Promise<number> {
  return (await simStats(env.sim)).requests['POST /api/v4/vm_actions'] ?? 0;
}

async function stillSignedIn(): Promise<boolean> {
  return (await env.app.inject({ url: '/api/session', headers: { cookie } })).statusCode === 200;
}

describe('CSRF', () => {
  it('refuses a state-changing request with the cookie but without the CSRF header, and forwards nothing', async () => {
    const res = await act({ cookie });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      code: 'csrf',
      err: expect.stringContaining(CSRF_HEADER),
      error: expect.any(String),
    });
    // Signing out is a change too: a forged sign-out is refused and the session lives on.
    const out = await env.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(403);
    expect(out.json()).toMatchObject({ code: 'csrf' });
    expect(await stillSignedIn()).toBe(true);
    expect(await actionsForwarded()).toBe(0);
    // The same request with the header goes through.
    expect((await act({ cookie, [CSRF_HEADER]: '1' })).statusCode).toBe(201);
    expect(await actionsForwarded()).toBe(1);
  });

  it.each([['cross-site'], ['same-site']])(
    'refuses Sec-Fetch-Site: %s even with the header',
    async (site) => {
      const res = await act({ cookie, [CSRF_HEADER]: '1', 'sec-fetch-site': site });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'csrf', err: expect.stringContaining(site) });
      expect(await actionsForwarded()).toBe(0);
    },
  );

  it.each([['https://evil.example'], ['null'], ['http://powerdeck.example.evil.example'], ['not a url']])(
    'refuses Origin: %s even with the header',
    async (origin) => {
      const res = await act({ cookie, [CSRF_HEADER]: '1', host: 'powerdeck.example', origin });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'csrf' });
      expect(await actionsForwarded()).toBe(0);
    },
  );

  it('accepts a same-origin request: matching Origin, Sec-Fetch-Site same-origin', async () => {
    const res = await act({
      cookie,
      [CSRF_HEADER]: '1',
      host: 'powerdeck.example:8080',
      origin: 'http://powerdeck.example:8080',
      'sec-fetch-site': 'same-origin',
    });
    expect(res.statusCode).toBe(201);
    expect(await actionsForwarded()).toBe(1);
  });

  it.each([
    ['text/plain', JSON.stringify(ACTION)],
    ['application/x-www-form-urlencoded', 'vm=42&action=poweron'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="vm"\r\n\r\n42\r\n--x--\r\n',
    ],
  ])('refuses a %s body with 415 (what a cross-site form can send)', async (type, body) => {
    const headers = { cookie, [CSRF_HEADER]: '1', 'content-type': type };
    const res = await env.app.inject({ method: 'POST', url: '/api/v4/vm_actions', headers, payload: body });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'unsupported_media_type' });
    const signin = await env.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1', 'content-type': type },
      payload: type === 'text/plain' ? JSON.stringify({ username: 'admin', password: TEST_PASSWORD }) : body,
    });
    expect(signin.statusCode).toBe(415);
    expect(signin.headers['set-cookie']).toBeUndefined();
    expect(await actionsForwarded()).toBe(0);
  });

  it('needs no CSRF header for a script with a Bearer token', async () => {
    const script = await tokenHeaders(env.app.testStores, 'admin');
    const res = await act(script);
    expect(res.statusCode).toBe(201);
    expect(await actionsForwarded()).toBe(1);
  });

  it('guards sign-in itself (login CSRF): no header, or a cross-site request, gets 403 and no session', async () => {
    const body = { username: 'viewer', password: TEST_PASSWORD };
    const cases: Record<string, string>[] = [
      {},
      { [CSRF_HEADER]: '1', 'sec-fetch-site': 'cross-site' },
      { [CSRF_HEADER]: '1', host: 'powerdeck.example', origin: 'https://evil.example' },
    ];
    for (const headers of cases) {
      const res = await env.app.inject({ method: 'POST', url: '/api/session', headers, payload: body });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'csrf' });
      expect(res.headers['set-cookie']).toBeUndefined();
      const display = await env.app.inject({
        method: 'POST',
        url: '/api/display-session',
        headers,
        payload: { secret: `pdd_${'A'.repeat(43)}` },
      });
      expect(display.statusCode).toBe(403);
    }
    // Refused before the password was looked at: no sign-in and no failure on record.
    const rows = (await env.app.testStores.audit.query({ limit: 100 })).rows;
    expect(rows.filter((r) => r.actor === 'viewer')).toEqual([]);
    const ok = await env.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1' },
      payload: body,
    });
    expect(ok.statusCode).toBe(200);
  });

  it('lets a GET through without the header (reads change nothing)', async () => {
    expect((await env.app.inject({ url: '/api/fleet', headers: { cookie } })).statusCode).toBe(200);
    expect(
      (
        await env.app.inject({
          url: '/api/v4/vms/42?fields=name',
          headers: { cookie, 'sec-fetch-site': 'cross-site' },
        })
      ).statusCode,
    ).toBe(200);
  });
});
