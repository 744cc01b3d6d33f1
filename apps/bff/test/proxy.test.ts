// The VergeOS-compatible routes against a real simulator over HTTP: what reaches "VergeOS" is
// checked through /__sim/stats.
import type { InjectOptions } from 'fastify';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  clearSimStats,
  LogCapture,
  nonPollerRequests,
  simStats,
  startSim,
  tokenHeaders,
  useSimApp,
} from './support';

let logs: LogCapture;
/** A real personal access token of the admin (Bearer), and the admin's real session cookie. */
let token: string;
let sessionCookie: string;

const env = useSimApp({
  resetSim: true,
  app: () => {
    logs = new LogCapture();
    return { logs };
  },
  clearStats: true,
});
beforeEach(async () => {
  token = (await tokenHeaders(env.app.testStores, 'admin')).authorization!.replace(/^Bearer /, '');
  sessionCookie = env.app.adminHeaders.cookie!;
});

/** Everything a client could send as a credential: a real personal token, a real session cookie and more. */
function clientCredentials() {
  return {
    authorization: `Bearer ${token}`,
    cookie: `session=browser-cookie; token=browser-token; ${sessionCookie}`,
    'x-yottabyte-token': 'client-token',
  };
}

/** A request from the signed-in admin's browser (session cookie and CSRF header). */
function inject(opts: InjectOptions | string) {
  const o = typeof opts === 'string' ? { url: opts } : opts;
  return env.app.inject({ ...o, headers: { ...env.app.adminHeaders, ...o.headers } });
}

/** No credential of the client, in any header, may reach VergeOS. */
function expectNoClientCredential(entry: { headers: Record<string, unknown> } | undefined) {
  const sent = JSON.stringify(entry?.headers ?? null);
  expect(sent).not.toContain(token);
  expect(sent).not.toContain(sessionCookie.split('=')[1]!);
  expect(sent).not.toContain('browser-cookie');
  expect(sent).not.toContain('client-token');
}

describe('reads', () => {
  it('forwards with the BFF key and drops the client credentials and cookies', async () => {
    const res = await env.app.inject({
      method: 'GET',
      url: '/api/v4/vms/42?fields=most',
      headers: clientCredentials(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ $key: 42, name: 'test', machine: 54 });

    const [entry] = nonPollerRequests(await simStats(env.sim));
    expect(entry?.url).toBe('/api/v4/vms/42?fields=most');
    expect(entry?.auth).toMatchObject({ scheme: 'bearer', credential: env.sim.apiKey });
    expect(entry?.headers.authorization).toBe(`Bearer ${env.sim.apiKey}`);
    expect(entry?.headers.cookie).toBeUndefined();
    expect(entry?.headers['x-yottabyte-token']).toBeUndefined();
    expectNoClientCredential(entry);
  });

  it('sends an answer byte for byte as VergeOS sent it, with its length and only the allowed headers', async () => {
    for (const url of ['/api/v4/machine_status/54', '/api/v4/vms?fields=most']) {
      const direct = await fetch(`${env.sim.url}${url}`, {
        headers: { authorization: `Bearer ${env.sim.apiKey}` },
      });
      const expected = Buffer.from(await direct.arrayBuffer());
      const res = await inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(expected)).toBe(true);
      expect(res.headers['content-length']).toBe(String(expected.length));
      expect(res.headers['content-type']).toBe(direct.headers.get('content-type'));
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('serves every listed read with VergeOS bodies and the query language', async () => {
    const list = await inject(
      `/api/v4/vms?filter=${encodeURIComponent("name eq 'test'")}&fields=${encodeURIComponent('$key,machine#status#status as status')}`,
    );
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([{ $key: 42, status: 'stopped' }]);

    const status = await inject('/api/v4/machine_status/54?fields=powerstate,running,status');
    expect(status.json()).toEqual({ powerstate: false, running: false, status: 'stopped' });

    const byFilter = await inject(`/api/v4/machine_status?filter=${encodeURIComponent('machine eq 54')}`);
    expect(byFilter.statusCode).toBe(200);
    expect(byFilter.json<{ machine: number }[]>().map((r) => r.machine)).toEqual([54]);
  });

  it('keeps the URL encodings real clients use', async () => {
    const res = await inject('/api/v4/vms?fields=%24key,name&filter=name+eq+%27test%27');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{ $key: 42, name: 'test' }]);
  });

  it('passes VergeOS errors through with their code and both err and error', async () => {
    const missing = await inject('/api/v4/vms/99999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ err: expect.any(String), error: expect.any(String) });

    const badFilter = await inject(`/api/v4/vms?filter=${encodeURIComponent("name like 'x'")}`);
    expect(badFilter.statusCode).toBe(422);
    expect(badFilter.json()).toMatchObject({ err: 'Invalid argument', error: 'Invalid argument' });
  });
});

describe('what never reaches VergeOS', () => {
  const refused: [string, string][] = [
    ['GET', '/api/v4/users'],
    ['GET', '/api/v4/system/1'],
    ['GET', '/api/v4/clusters'],
    ['GET', '/api/sys/tokens'],
    ['POST', '/api/sys/tokens'],
    ['GET', '/version.json'],
    ['GET', '/__sim/stats'],
    ['POST', '/__sim/reset'],
    ['GET', '/api/v4/vms/42/../../users'],
    ['GET', '/api/v4/vms/..%2F..%2Fusers'],
    ['GET', '/api/v4/vms/42%2F..%2F..%2Fusers'],
    ['GET', '/api/v4/vms/%2e%2e/users'],
    ['GET', '/api/v4//vms'],
    ['GET', '//evil.example/api/v4/vms'],
    ['GET', '/api/v4/vms/-1'],
    ['GET', '/api/v4/vms/0x2a'],
    ['GET', '/api/v4/vms?limit=-1'],
    ['GET', '/api/v4/vm_actions'],
    ['PUT', '/api/v4/vms/42'],
    ['DELETE', '/api/v4/vms/42'],
    ['PATCH', '/api/v4/machine_status/54'],
    ['POST', '/api/v4/vms'],
    ['POST', '/api/v4/vm_actions/1'],
    ['GET', '/API/V4/VMS'],
    ['GET', '/api/v4/machine_status/54/..'],
    ['GET', '/api/v4/vms\\..\\users'],
  ];

  it.each(refused)('%s %s gets a 4xx and reaches nothing', async (method, url) => {
    const res = await inject({ method: method as 'GET', url });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json()).toMatchObject({ err: expect.any(String), error: expect.any(String) });
    expect(nonPollerRequests(await simStats(env.sim))).toEqual([]);
  });
});

describe('who may ask', () => {
  const routes: [string, string][] = [
    ['GET', '/api/v4/vms'],
    ['GET', '/api/v4/vms/42'],
    ['GET', '/api/v4/machine_status'],
    ['GET', '/api/v4/machine_status/54'],
    ['POST', '/api/v4/vm_actions'],
  ];
  const strangers: [string, Record<string, string>][] = [
    ['nobody', {}],
    ['the VergeOS key itself', { authorization: 'Bearer sim-admin-key' }],
    ['an unknown personal token', { authorization: `Bearer pd_${'A'.repeat(43)}` }],
    ['Basic credentials', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
    ['an unknown session cookie', { cookie: `pd_session=${'A'.repeat(43)}`, 'x-powerdeck-csrf': '1' }],
  ];
  it.each(strangers)('%s gets 401 on every VergeOS route and reaches nothing', async (_who, headers) => {
    for (const [method, url] of routes) {
      const res = await env.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(method === 'POST' ? { payload: { vm: 42, action: 'poweron' } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json()).toMatchObject({ err: expect.any(String), error: expect.any(String) });
    }
    expect(nonPollerRequests(await simStats(env.sim))).toEqual([]);
  });
});

describe('vm_actions', () => {
  const invalid: [string, unknown][] = [
    ['unknown action', { vm: 42, action: 'guestreset' }],
    ['migrate is outside the product', { vm: 42, action: 'migrate' }],
    ['missing vm', { action: 'poweron' }],
    ['missing action', { vm: 42 }],
    ['vm not a key', { vm: 'abc', action: 'poweron' }],
    ['vm zero', { vm: 0, action: 'poweron' }],
    ['vm negative', { vm: -4, action: 'poweron' }],
    ['vm float', { vm: 4.5, action: 'poweron' }],
    ['vm with a path', { vm: '42/../1', action: 'poweron' }],
    ['unknown field', { vm: 42, action: 'poweron', table: 'users' }],
    ['unknown param', { vm: 42, action: 'poweron', params: { force: true } }],
    ['graceful with poweroff', { vm: 42, action: 'poweroff', params: { graceful: true } }],
    ['graceful not a boolean', { vm: 42, action: 'reset', params: { graceful: 'yes' } }],
    ['preferred_node with kill', { vm: 42, action: 'kill', params: { preferred_node: 1 } }],
    ['preferred_node not a key', { vm: 42, action: 'poweron', params: { preferred_node: 'node1' } }],
    ['params not an object', { vm: 42, action: 'poweron', params: [] }],
    ['body an array', [{ vm: 42, action: 'poweron' }]],
    ['body a string', 'poweron 42'],
  ];

  it.each(invalid)(
    '%s: what VergeOS answers (its 422 or 400, in its words), and VergeOS sees nothing',
    async (_name, body) => {
      const res = await inject({
        method: 'POST',
        url: '/api/v4/vm_actions',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expect((await simStats(env.sim)).requests['POST /api/v4/vm_actions']).toBeUndefined();
      // The same request to VergeOS itself (every one of these is malformed to it too).
      const direct = await fetch(`${env.sim.url}/api/v4/vm_actions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.sim.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const { err } = (await direct.json()) as { err: string };
      expect(res.statusCode).toBe(direct.status);
      expect([400, 422]).toContain(res.statusCode);
      expect(res.json()).toEqual({ err, error: err });
    },
  );

  it('refuses malformed JSON, form posts, text/plain and bodies over the limit', async () => {
    const cases = [
      { headers: { 'content-type': 'application/json' }, payload: '{"vm": 42,' },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'vm=42&action=poweron' },
      { headers: { 'content-type': 'text/plain' }, payload: '{"vm":42,"action":"poweron"}' },
      {
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ vm: 42, action: 'poweron', pad: 'x'.repeat(10_000) }),
      },
    ];
    const answers = [];
    for (const c of cases) {
      const res = await inject({ method: 'POST', url: '/api/v4/vm_actions', ...c });
      answers.push([res.statusCode, res.json<{ err: string }>().err]);
    }
    // Malformed JSON in VergeOS's words; the rest are Powerdeck's own refusals (JSON only, 4 KB).
    expect(answers).toEqual([
      [400, 'Invalid JSON in the request body'],
      [415, 'Unsupported content type: send application/json'],
      [415, 'Unsupported content type: send application/json'],
      [413, 'Request body too large (limit 4 KB)'],
    ]);
    expect((await simStats(env.sim)).requests['POST /api/v4/vm_actions']).toBeUndefined();
  });

  it('forwards a valid action once, with the key, and answers the VergeOS receipt', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      // A script: a Bearer token (no CSRF header needed), plus stray cookies.
      headers: clientCredentials(),
      payload: { action: 'poweron', params: {}, vm: '42' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ location: expect.stringMatching(/^\/vm_actions\/\d+$/), $row: 1 });
    const stats = await simStats(env.sim);
    expect(stats.requests['POST /api/v4/vm_actions']).toBe(1);
    expect(stats.actions).toEqual({ poweron: 1 });
    const post = stats.log.find((e) => e.method === 'POST');
    expect(post?.auth.credential).toBe(env.sim.apiKey);
    expect(post?.headers.authorization).toBe(`Bearer ${env.sim.apiKey}`);
    expect(post?.headers.cookie).toBeUndefined();
    expectNoClientCredential(post);
  });

  it('passes 409 and 507 through with both err and error', async () => {
    const conflict = await inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      payload: { vm: 42, action: 'kill' },
    });
    expect(conflict.statusCode).toBe(409);
    const c = conflict.json<{ err: string; error: string }>();
    expect(c.err).toMatch(/Machine is not running/);
    expect(c.error).toMatch(/not in running state|not running/);

    env.sim.setScenario('no-capacity');
    const full = await inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      payload: { vm: 42, action: 'poweron' },
    });
    expect(full.statusCode).toBe(507);
    expect(full.json()).toMatchObject({ err: expect.stringMatching(/cores|RAM/), error: expect.any(String) });
  });
});

describe('upstream failures', () => {
  it('sends a GET that gets 503 upstream exactly once', async () => {
    env.sim.setScenario('unavailable');
    await clearSimStats(env.sim);
    const res = await inject('/api/v4/vms/42');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ err: expect.any(String), error: expect.any(String) });
    const reads = nonPollerRequests(await simStats(env.sim));
    expect(reads.map((e) => `${e.method} ${e.url}`)).toEqual(['GET /api/v4/vms/42']);
  });

  it('sends a GET that gets 500 upstream exactly once', async () => {
    await fetch(`${env.sim.url}/__sim/scenario`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'flaky', failureRate: 1 }),
    });
    await clearSimStats(env.sim);
    const res = await inject('/api/v4/machine_status/54');
    expect(res.statusCode).toBe(500);
    expect(nonPollerRequests(await simStats(env.sim))).toHaveLength(1);
  });

  it('times out reads after 5 s and actions after 15 s with 504, each sent once', async () => {
    env.sim.setScenario('hang');
    await clearSimStats(env.sim);
    // Durations on the monotonic clock (the server's timers run on it): the wall clock may be stepped meanwhile.
    const started = performance.now();
    const [read, action] = await Promise.all([
      inject('/api/v4/machine_status/54').then((r) => ({ r, ms: performance.now() - started })),
      inject({ method: 'POST', url: '/api/v4/vm_actions', payload: { vm: 42, action: 'poweron' } }).then(
        (r) => ({ r, ms: performance.now() - started }),
      ),
    ]);
    expect(read.r.statusCode).toBe(504);
    expect(read.r.json<{ err: string }>().err).toBe('VergeOS did not answer within 5 s');
    expect(read.ms).toBeGreaterThanOrEqual(4900);
    expect(action.r.statusCode).toBe(504);
    expect(action.r.json<{ err: string }>().err).toBe(
      'VergeOS did not answer within 15 s; the action may still happen',
    );
    expect(action.ms).toBeGreaterThanOrEqual(14_900);
    const reached = nonPollerRequests(await simStats(env.sim));
    expect(reached.filter((e) => e.method === 'POST')).toHaveLength(1);
    expect(reached.filter((e) => e.url.startsWith('/api/v4/machine_status'))).toHaveLength(1);
  }, 30_000);

  it('answers 502 with a JSON reason when VergeOS refuses connections', async () => {
    const down = await startSim();
    const url = down.url;
    await down.close();
    const lonely = await buildTestApp({
      url,
      auth: { kind: 'apiKey', apiKey: 'k' },
      insecureTls: false,
      demo: false,
    });
    try {
      const res = await lonely.inject({ url: '/api/v4/vms/42', headers: lonely.adminHeaders });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({
        err: expect.stringMatching(/Cannot connect to VergeOS.*refused/),
        code: 'upstream_unreachable',
      });
      const act = await lonely.inject({
        method: 'POST',
        url: '/api/v4/vm_actions',
        headers: lonely.adminHeaders,
        payload: { vm: 42, action: 'poweron' },
      });
      expect(act.statusCode).toBe(502);
    } finally {
      await lonely.close();
    }
  });
});

describe('the key stays in the server', () => {
  it('appears in no response body, header or log line', async () => {
    const responses = await Promise.all([
      env.app.inject({ url: '/api/v4/vms?fields=all', headers: clientCredentials() }),
      inject('/api/v4/vms/42?fields=all'),
      inject('/api/v4/machine_status'),
      inject('/api/v4/vms/99999'),
      inject({ method: 'POST', url: '/api/v4/vm_actions', payload: { vm: 42, action: 'poweron' } }),
      inject({ method: 'POST', url: '/api/v4/vm_actions', payload: { vm: 42, action: 'poweron' } }),
      inject({ method: 'POST', url: '/api/v4/vm_actions', payload: { vm: 42, action: 'nope' } }),
      inject('/api/fleet'),
      inject('/api/session'),
      env.app.inject('/api/v4/vms/42'),
      env.app.inject('/api/meta'),
      env.app.inject('/healthz'),
      env.app.inject('/readyz'),
      env.app.inject('/nope'),
    ]);
    for (const res of responses) {
      expect(res.body).not.toContain(env.sim.apiKey);
      expect(JSON.stringify(res.headers)).not.toContain(env.sim.apiKey);
    }
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text).not.toContain(env.sim.apiKey);
    expect(logs.text).not.toContain(token);
    expect(logs.text).not.toContain(sessionCookie.split('=')[1]!);
    expect(logs.text).not.toContain('browser-cookie');
  });
});
