// Unit tests of the transport through the public client, with an injected fetch: auth, encoding, errors, retry,
// timeouts, redaction.
import { describe, expect, it, vi } from 'vitest';
import {
  VergeAbortError,
  VergeApiError,
  VergeBadGatewayError,
  VergeBadRequestError,
  VergeClientClosedError,
  VergeConflictError,
  VergeError,
  VergeForbiddenError,
  VergeGatewayTimeoutError,
  VergeInsufficientResourcesError,
  VergeInvalidResponseError,
  VergeMethodNotAllowedError,
  VergeNetworkError,
  VergeNotFoundError,
  VergeRequestTimeoutError,
  VergeServerError,
  VergeServiceUnavailableError,
  VergeTimeoutError,
  VergeUnauthorizedError,
  VergeUnprocessableError,
  createVergeClient,
  filter,
} from '../src/index';
import type { VergeAuth, VergeClientOptions } from '../src/index';
import { connectionRefused, fakeFetch, never, respond } from './helpers/fake-fetch';
import type { Handler } from './helpers/fake-fetch';

const API_KEY = 'k-0123456789abcdef-secret';
const PASSWORD = 'pa55-w0rd-secret';
const TOKEN = 'tok-9f8e7d6c5b4a-secret';

function setup(handler: Handler, options: Partial<VergeClientOptions> = {}) {
  const fetch = fakeFetch(handler);
  const client = createVergeClient({
    baseUrl: 'https://vergeos.test',
    auth: { type: 'apiKey', apiKey: API_KEY },
    fetch,
    retry: { baseDelayMs: 1, maxDelayMs: 4 },
    ...options,
  });
  return { fetch, client };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

/** Everything an error shows: message, stack, own properties (JSON). */
function everything(error: Error): string {
  return `${String(error)}\n${error.stack ?? ''}\n${JSON.stringify(error)}\n${JSON.stringify({ ...error })}`;
}

describe('authentication', () => {
  it('sends the API key as a Bearer token', async () => {
    const { fetch, client } = setup(() => respond(200, []));
    await client.nodes.list();
    expect(fetch.calls[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(fetch.calls[0]?.headers['x-yottabyte-token']).toBeUndefined();
    expect(fetch.calls[0]?.headers.accept).toBe('application/json');
  });

  it('sends Basic credentials on every request', async () => {
    const { fetch, client } = setup(() => respond(200, []), {
      auth: { type: 'basic', username: 'admin', password: PASSWORD },
    });
    await client.nodes.list();
    await client.nodes.list();
    const expected = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
    expect(fetch.calls.map((c) => c.headers.authorization)).toEqual([expected, expected]);
  });

  describe('session token', () => {
    const auth: VergeAuth = { type: 'token', username: 'admin', password: PASSWORD };
    const loginOk = () =>
      respond(201, { location: `/sys/tokens/${TOKEN}`, dbpath: `tokens/${TOKEN}`, $row: 1, $key: TOKEN });

    it('logs in lazily, once, and sends x-yottabyte-token', async () => {
      const { fetch, client } = setup(
        (req) => (req.url.pathname === '/api/sys/tokens' ? loginOk() : respond(200, [])),
        {
          auth,
        },
      );
      expect(fetch.calls).toHaveLength(0);
      await Promise.all([client.nodes.list(), client.vms.list(), client.machineStatus.list()]);
      await client.nodes.list();
      const logins = fetch.calls.filter((c) => c.url.pathname === '/api/sys/tokens');
      expect(logins).toHaveLength(1);
      expect(logins[0]?.method).toBe('POST');
      expect(logins[0]?.body).toEqual({ login: 'admin', password: PASSWORD });
      expect(logins[0]?.headers.authorization).toBeUndefined();
      expect(logins[0]?.headers['content-type']).toBe('application/json');
      const others = fetch.calls.filter((c) => c.url.pathname !== '/api/sys/tokens');
      expect(others).toHaveLength(4);
      for (const c of others) {
        expect(c.headers['x-yottabyte-token']).toBe(TOKEN);
        expect(c.headers.authorization).toBeUndefined();
      }
    });

    it('logs in again once on a 401 and repeats the request once', async () => {
      let logins = 0;
      const { fetch, client } = setup(
        (req) => {
          if (req.url.pathname === '/api/sys/tokens') {
            logins++;
            return respond(201, { $key: `${TOKEN}-${logins}` });
          }
          // The first token has expired.
          return req.headers['x-yottabyte-token'] === `${TOKEN}-1`
            ? respond(401, { err: 'Invalid token' })
            : respond(200, [{ $key: 1, name: 'node1' }]);
        },
        { auth },
      );
      await expect(client.nodes.list()).resolves.toEqual([{ $key: 1, name: 'node1' }]);
      expect(
        fetch.calls.map((c) => `${c.method} ${c.url.pathname} ${c.headers['x-yottabyte-token'] ?? ''}`),
      ).toEqual([
        'POST /api/sys/tokens ',
        `GET /api/v4/nodes ${TOKEN}-1`,
        'POST /api/sys/tokens ',
        `GET /api/v4/nodes ${TOKEN}-2`,
      ]);
    });

    it('gives up with VergeUnauthorizedError after one re-login', async () => {
      const { fetch, client } = setup(
        (req) =>
          req.url.pathname === '/api/sys/tokens' ? loginOk() : respond(401, { err: 'Invalid token' }),
        { auth },
      );
      const error = await failure(client.nodes.list());
      expect(error).toBeInstanceOf(VergeUnauthorizedError);
      expect(fetch.calls).toHaveLength(4);
      expect(everything(error)).not.toContain(TOKEN);
    });

    it('re-sends an action once after a 401 (VergeOS rejected it before acting), never otherwise', async () => {
      let logins = 0;
      const { fetch, client } = setup(
        (req) => {
          if (req.url.pathname === '/api/sys/tokens') return respond(201, { $key: `${TOKEN}-${++logins}` });
          return req.headers['x-yottabyte-token'] === `${TOKEN}-1`
            ? respond(401, { err: 'Invalid token' })
            : respond(201, { location: '/vm_actions/7', dbpath: 'vm_actions/7', $row: 1, $key: '7' });
        },
        { auth },
      );
      await expect(client.actions.powerOn(42)).resolves.toMatchObject({ $key: '7' });
      expect(fetch.calls.filter((c) => c.url.pathname === '/api/v4/vm_actions')).toHaveLength(2);
    });

    it('a failed login is a typed 401 without the password', async () => {
      const { client } = setup(() => respond(401, { err: `Invalid login admin / ${PASSWORD}` }), { auth });
      const error = await failure(client.vms.list());
      expect(error).toBeInstanceOf(VergeUnauthorizedError);
      expect(error.message).toBe('Invalid login admin / ***');
      expect(everything(error)).not.toContain(PASSWORD);
    });

    it('logout deletes the token; the next call logs in again; close() logs out and closes', async () => {
      let logins = 0;
      const { fetch, client } = setup(
        (req) => {
          if (req.url.pathname === '/api/sys/tokens') return respond(201, { $key: `${TOKEN}-${++logins}` });
          if (req.method === 'DELETE') return respond(200);
          return respond(200, []);
        },
        { auth },
      );
      await client.logout(); // nothing to delete yet
      expect(fetch.calls).toHaveLength(0);
      await client.nodes.list();
      await client.logout();
      const del = fetch.calls[2];
      expect(del?.method).toBe('DELETE');
      expect(del?.url.pathname).toBe(`/api/sys/tokens/${TOKEN}-1`);
      expect(del?.headers['x-yottabyte-token']).toBe(`${TOKEN}-1`);
      await client.nodes.list();
      expect(fetch.calls[3]?.url.pathname).toBe('/api/sys/tokens');
      await client.close();
      expect(fetch.calls.at(-1)?.method).toBe('DELETE');
      expect(fetch.calls.at(-1)?.url.pathname).toBe(`/api/sys/tokens/${TOKEN}-2`);
      await expect(client.nodes.list()).rejects.toBeInstanceOf(VergeClientClosedError);
      await Promise.all([client.close(), client.close()]); // idempotent
    });

    it('a failed logout is typed and its path does not show the token', async () => {
      const { client } = setup(
        (req) => {
          if (req.url.pathname === '/api/sys/tokens') return loginOk();
          if (req.method === 'DELETE') return respond(500, { err: 'database is locked' });
          return respond(200, []);
        },
        { auth },
      );
      await client.nodes.list();
      const error = await failure(client.logout());
      expect(error).toBeInstanceOf(VergeServerError);
      expect((error as VergeServerError).path).toBe('/api/sys/tokens/***');
      expect(everything(error)).not.toContain(TOKEN);
    });
  });

  it('rejects bad auth and base URLs without echoing secrets', () => {
    const make = (options: Partial<VergeClientOptions>) => () =>
      createVergeClient({
        baseUrl: 'https://h',
        auth: { type: 'apiKey', apiKey: 'x' },
        fetch: fakeFetch(never),
        ...options,
      });
    expect(make({ auth: { type: 'apiKey', apiKey: '' } })).toThrow(TypeError);
    expect(make({ auth: { type: 'basic', username: 'a', password: '' } })).toThrow(TypeError);
    expect(make({ baseUrl: 'ftp://h' })).toThrow(TypeError);
    let message = '';
    try {
      make({ baseUrl: `https://admin:${PASSWORD}@h` })();
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('must not contain credentials');
    expect(message).not.toContain(PASSWORD);
  });
});

describe('URLs and query encoding', () => {
  it('normalises the base URL', async () => {
    for (const baseUrl of [
      'https://v.test',
      'https://v.test/',
      'https://v.test/api/v4/',
      'https://v.test/api',
    ]) {
      const { fetch, client } = setup(() => respond(200, []), { baseUrl });
      await client.nodes.list();
      expect(fetch.calls[0]?.rawUrl).toBe('https://v.test/api/v4/nodes');
    }
  });

  it('encodes spaces as %20, # as %23, $ as %24 (never +)', async () => {
    const { fetch, client } = setup(() => respond(200, []));
    await client.vms.list({
      fields: ['$key', 'name', 'machine#status#status as status'],
      filter: filter.eq('name', "web 01#$'"),
      sort: '-$key',
      limit: 10,
      offset: 20,
    });
    const raw = fetch.calls[0]?.rawUrl ?? '';
    const query = raw.slice(raw.indexOf('?') + 1);
    expect(query).toBe(
      [
        'fields=%24key%2Cname%2Cmachine%23status%23status%20as%20status',
        'filter=is_snapshot%20eq%20false%20and%20name%20eq%20%27web%2001%23%24%5C%27%27',
        'sort=-%24key',
        'limit=10',
        'offset=20',
      ].join('&'),
    );
    expect(query).not.toContain('+');
    expect(fetch.calls[0]?.url.searchParams.get('filter')).toBe(
      "is_snapshot eq false and name eq 'web 01#$\\''",
    );
  });

  it('leaves out what is not given', async () => {
    const { fetch, client } = setup(() => respond(200, []));
    await client.nodes.list();
    expect(fetch.calls[0]?.url.search).toBe('');
  });
});

describe('error mapping', () => {
  const cases: [number, new (...args: never[]) => VergeApiError, string][] = [
    [400, VergeBadRequestError, 'bad_request'],
    [401, VergeUnauthorizedError, 'unauthorized'],
    [403, VergeForbiddenError, 'forbidden'],
    [404, VergeNotFoundError, 'not_found'],
    [405, VergeMethodNotAllowedError, 'method_not_allowed'],
    [408, VergeRequestTimeoutError, 'request_timeout'],
    [409, VergeConflictError, 'conflict'],
    [422, VergeUnprocessableError, 'unprocessable'],
    [500, VergeServerError, 'server_error'],
    [502, VergeBadGatewayError, 'bad_gateway'],
    [503, VergeServiceUnavailableError, 'service_unavailable'],
    [504, VergeGatewayTimeoutError, 'gateway_timeout'],
    [507, VergeInsufficientResourcesError, 'insufficient_resources'],
  ];

  for (const [status, Ctor, code] of cases) {
    for (const key of ['err', 'error'] as const) {
      it(`${status} with {"${key}": ...} -> ${Ctor.name}`, async () => {
        const body = { [key]: `VergeOS says ${status}` };
        const { client } = setup(() => respond(status, body), { retry: { attempts: 1 } });
        const error = await failure(client.actions.powerOn(42));
        expect(error).toBeInstanceOf(Ctor);
        expect(error).toBeInstanceOf(VergeApiError);
        expect(error).toBeInstanceOf(VergeError);
        const api = error as VergeApiError;
        expect(api.name).toBe(Ctor.name);
        expect(api.code).toBe(code);
        expect(api.status).toBe(status);
        expect(api.message).toBe(`VergeOS says ${status}`);
        expect(api.body).toBe(JSON.stringify(body));
        expect(api.method).toBe('POST');
        expect(api.path).toBe('/api/v4/vm_actions');
      });
    }
  }

  it("reads the guide's 409 and the real one", async () => {
    const { client } = setup((_req, i) =>
      i === 0
        ? respond(409, { error: 'Cannot power on VM: already in running state' })
        : respond(409, { err: "Error starting machine: Machine is already running with status 'running'" }),
    );
    expect((await failure(client.actions.powerOn(42))).message).toBe(
      'Cannot power on VM: already in running state',
    );
    expect((await failure(client.actions.powerOn(42))).message).toBe(
      "Error starting machine: Machine is already running with status 'running'",
    );
  });

  it('an unknown status gets the base class; a body without a message gets a generic one', async () => {
    const { client } = setup((_req, i) => (i === 0 ? respond(418, '<html>teapot</html>') : respond(409, {})));
    const teapot = await failure(client.vms.get(42));
    expect(teapot.constructor).toBe(VergeApiError);
    expect((teapot as VergeApiError).status).toBe(418);
    expect(teapot.message).toBe('VergeOS answered 418');
    expect((teapot as VergeApiError).body).toBe('<html>teapot</html>');
    const conflict = await failure(client.vms.get(42));
    expect(conflict).toBeInstanceOf(VergeConflictError);
    expect(conflict.message).toBe('VergeOS answered 409');
  });

  it('a 2xx that is not JSON, or a list that is not an array, is a VergeInvalidResponseError', async () => {
    const { client } = setup((_req, i) => respond(200, i === 0 ? 'not json' : { not: 'a list' }));
    await expect(client.nodes.list()).rejects.toBeInstanceOf(VergeInvalidResponseError);
    await expect(client.vms.list()).rejects.toBeInstanceOf(VergeInvalidResponseError);
  });

  it('a network failure is a VergeNetworkError with its cause code', async () => {
    const { client } = setup(() => Promise.reject(connectionRefused()), { retry: { attempts: 1 } });
    const error = await failure(client.nodes.list());
    expect(error).toBeInstanceOf(VergeNetworkError);
    expect((error as VergeNetworkError).code).toBe('network');
    expect((error as VergeNetworkError).causeCode).toBe('ECONNREFUSED');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('GET /api/v4/nodes');
  });

  it('never puts a credential in an error, even when VergeOS echoes it', async () => {
    for (const auth of [
      { type: 'apiKey', apiKey: API_KEY },
      { type: 'basic', username: 'admin', password: PASSWORD },
    ] as const) {
      const basic = Buffer.from(`admin:${PASSWORD}`).toString('base64');
      const { client } = setup(
        () => respond(500, { err: `rejected ${API_KEY} ${PASSWORD} ${basic}`, detail: `Bearer ${API_KEY}` }),
        { auth, retry: { attempts: 1 } },
      );
      const error = await failure(client.vms.list({ filter: `name eq '${PASSWORD}'` }));
      const secrets = auth.type === 'apiKey' ? [API_KEY] : [PASSWORD, basic];
      const shown = everything(error);
      expect(shown).toContain('***');
      for (const secret of secrets) expect(shown).not.toContain(secret);
      const net = setup(() => Promise.reject(new TypeError(`fetch failed for ${API_KEY} ${PASSWORD}`)), {
        auth,
        retry: { attempts: 1 },
      });
      const netError = await failure(net.client.nodes.list());
      expect(netError).toBeInstanceOf(VergeNetworkError);
      for (const secret of secrets) {
        expect(everything(netError)).not.toContain(secret);
        expect(String(netError.cause)).not.toContain(secret);
      }
    }
  });
});

describe('retry policy', () => {
  it('retries a safe read on 500/502/503/504 and succeeds', async () => {
    const statuses = [500, 502, 503, 504];
    for (const status of statuses) {
      const { fetch, client } = setup((_req, i) =>
        i < 2 ? respond(status, { err: 'busy' }) : respond(200, []),
      );
      await expect(client.vms.list()).resolves.toEqual([]);
      expect(fetch.calls).toHaveLength(3);
    }
  });

  it('stops after a bounded number of attempts (3 by default) and says how many', async () => {
    const { fetch, client } = setup(() => respond(503, { err: 'Service unavailable' }));
    const error = await failure(client.vms.list());
    expect(error).toBeInstanceOf(VergeServiceUnavailableError);
    expect((error as VergeApiError).attempts).toBe(3);
    expect(fetch.calls).toHaveLength(3);

    const five = setup(() => respond(500, {}), { retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 } });
    await failure(five.client.machineStatus.get(54));
    expect(five.fetch.calls).toHaveLength(5);
  });

  it('retries network errors and client timeouts', async () => {
    const net = setup((_req, i) => (i === 0 ? Promise.reject(connectionRefused()) : respond(200, [])));
    await expect(net.client.nodes.list()).resolves.toEqual([]);
    expect(net.fetch.calls).toHaveLength(2);

    const slow = setup((_req, i) => (i === 0 ? never() : respond(200, [])), { timeoutMs: 30 });
    await expect(slow.client.nodes.list()).resolves.toEqual([]);
    expect(slow.fetch.calls).toHaveLength(2);
    expect(slow.fetch.calls[0]?.signal.aborted).toBe(true);
  });

  it('does not retry other errors', async () => {
    for (const status of [400, 401, 403, 404, 408, 409, 422, 507]) {
      const { fetch, client } = setup(() => respond(status, { err: 'no' }));
      await failure(client.vms.get(42));
      expect(fetch.calls).toHaveLength(1);
    }
  });

  it('backs off exponentially with jitter between attempts, capped', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      // Backoff before retry n: base * 2^(n-1), capped at maxDelayMs, jittered into [half, all] of it.
      // base 100, cap 300 -> 100, 200, 300, 300 before jitter.
      for (const [random, delays] of [
        [0, [50, 100, 150, 150]],
        [0.5, [75, 150, 225, 225]],
        [0.999, [100, 200, 300, 300]],
      ] as const) {
        const { fetch, client } = setup(() => respond(503, {}), {
          retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 },
          random: () => random,
        });
        const done = failure(client.nodes.list());
        await vi.advanceTimersByTimeAsync(0);
        expect(fetch.calls).toHaveLength(1);
        for (const [i, delay] of delays.entries()) {
          await vi.advanceTimersByTimeAsync(delay - 1);
          expect(fetch.calls).toHaveLength(i + 1);
          await vi.advanceTimersByTimeAsync(1);
          expect(fetch.calls).toHaveLength(i + 2);
        }
        expect(await done).toBeInstanceOf(VergeServiceUnavailableError);
        expect(fetch.calls).toHaveLength(5);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits at least Retry-After (capped by maxDelayMs)', async () => {
    const times: number[] = [];
    const { client } = setup(
      (_req, i) => {
        times.push(performance.now());
        return i === 0 ? respond(503, {}, { 'Retry-After': '0.06' }) : respond(200, []);
      },
      { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 500 } },
    );
    await client.nodes.list();
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(55);
  });

  describe('actions are never retried', () => {
    const failures: [string, Handler, new (...args: never[]) => Error][] = [
      ['500', () => respond(500, { err: 'hypervisor' }), VergeServerError],
      ['502', () => respond(502, 'bad gateway'), VergeBadGatewayError],
      ['503', () => respond(503, { err: 'unavailable' }), VergeServiceUnavailableError],
      ['504', () => respond(504, ''), VergeGatewayTimeoutError],
      ['network error', () => Promise.reject(connectionRefused()), VergeNetworkError],
      ['timeout', () => never(), VergeTimeoutError],
    ];
    for (const [what, handler, Ctor] of failures) {
      it(`on ${what}: exactly one fetch`, async () => {
        const { fetch, client } = setup(handler, { timeoutMs: 30, retry: { attempts: 5, baseDelayMs: 1 } });
        for (const act of [
          () => client.actions.powerOn(42),
          () => client.actions.powerOff(42),
          () => client.actions.kill(42),
          () => client.actions.reset(42, { graceful: true }),
          () => client.actions.hibernate(42),
        ]) {
          const before = fetch.calls.length;
          const error = await failure(act());
          expect(error).toBeInstanceOf(Ctor);
          expect(fetch.calls.length - before).toBe(1);
        }
      });
    }
  });
});

describe('timeouts and aborts', () => {
  it('a request without an answer fails with VergeTimeoutError after timeoutMs, even if fetch ignores the signal', async () => {
    const { fetch, client } = setup(() => never(), { timeoutMs: 40, retry: { attempts: 1 } });
    const t0 = performance.now();
    const error = await failure(client.vms.get(42));
    const took = performance.now() - t0;
    expect(error).toBeInstanceOf(VergeTimeoutError);
    expect(error).toBeInstanceOf(VergeNetworkError);
    expect((error as VergeTimeoutError).timeoutMs).toBe(40);
    expect(error.message).toContain('GET /api/v4/vms/42');
    expect(took).toBeGreaterThanOrEqual(35);
    expect(took).toBeLessThan(5_000);
    expect(fetch.calls[0]?.signal.aborted).toBe(true);
  });

  it('the timeout covers a body that never finishes', async () => {
    const { client } = setup(() => ({ ...respond(200), text: () => new Promise<string>(() => undefined) }), {
      timeoutMs: 30,
      retry: { attempts: 1 },
    });
    await expect(client.nodes.list()).rejects.toBeInstanceOf(VergeTimeoutError);
  });

  it('a per-call timeoutMs overrides the client one', async () => {
    const { client } = setup(() => never(), { timeoutMs: 60_000, retry: { attempts: 1 } });
    const error = await failure(client.nodes.list({ timeoutMs: 25 }));
    expect((error as VergeTimeoutError).timeoutMs).toBe(25);
  });

  it('the default timeout is 10 s', async () => {
    const { client } = setup(() => never(), { retry: { attempts: 1 } });
    const controller = new AbortController();
    const pending = failure(client.nodes.list({ signal: controller.signal }));
    controller.abort();
    expect(await pending).toBeInstanceOf(VergeAbortError);
    const { DEFAULT_TIMEOUT_MS } = await import('../src/index');
    expect(DEFAULT_TIMEOUT_MS).toBe(10_000);
  });

  it("the caller's signal aborts a read and its retries", async () => {
    const controller = new AbortController();
    const { fetch, client } = setup(
      () => {
        setTimeout(() => controller.abort(), 5);
        return respond(503, {});
      },
      { retry: { attempts: 5, baseDelayMs: 200, maxDelayMs: 200 } },
    );
    const error = await failure(client.vms.list({ signal: controller.signal }));
    expect(error).toBeInstanceOf(VergeAbortError);
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('TLS options', () => {
  it('do not apply with an injected fetch', async () => {
    const { client } = setup(() => respond(200, []), {
      tls: { caFile: '/nonexistent/ca.pem', insecure: true },
    });
    await expect(client.nodes.list()).resolves.toEqual([]);
  });

  it('are checked when the client makes its own fetch', () => {
    const base = { baseUrl: 'https://h', auth: { type: 'apiKey', apiKey: 'x' } } as const;
    expect(() => createVergeClient({ ...base, tls: { caFile: '/nonexistent/ca.pem' } })).toThrow(
      /tls.caFile/,
    );
    expect(() => createVergeClient({ ...base, tls: { caFile: '/etc/hostname', insecure: true } })).toThrow(
      TypeError,
    );
  });
});
