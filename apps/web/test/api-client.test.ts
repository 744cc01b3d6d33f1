import { CSRF_HEADER, MAX_REASON_LENGTH, REASON_HEADER } from '@powerdeck/contracts/roles';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { postVmAction } from '../src/features/power/api/post-vm-action';
import { ApiError, deleteJson, getJson, parseRetryAfter, patchJson, postJson } from '../src/lib/api-client';

function stubFetch(impl: (url: string, init: RequestInit) => Promise<Response>) {
  const fn = vi.fn(impl);
  vi.stubGlobal('fetch', fn);
  return fn;
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
const headersOf = (init: RequestInit) => init.headers as Record<string, string>;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the CSRF header', () => {
  it('is the contract’s header, value 1', () => {
    expect(CSRF_HEADER).toBe('x-powerdeck-csrf');
  });

  it.each([
    ['POST', () => postJson('/api/x', { a: 1 })],
    ['PATCH', () => patchJson('/api/x', { a: 1 })],
    ['DELETE', () => deleteJson('/api/x')],
  ] as const)('goes with every %s', async (method, call) => {
    const fetch = stubFetch(() => Promise.resolve(new Response(null, { status: 204 })));
    await call();
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/x');
    expect(init.method).toBe(method);
    expect(headersOf(init)[CSRF_HEADER]).toBe('1');
  });

  it('never goes with a GET', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(200, { a: 1 })));
    await getJson('/api/x');
    const [, init] = fetch.mock.calls[0]!;
    expect(init.method).toBe('GET');
    expect(headersOf(init)).not.toHaveProperty(CSRF_HEADER);
    expect(headersOf(init)).toMatchObject({ accept: 'application/json' });
  });

  it('cannot be turned off by a caller’s headers, which are kept otherwise', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(200, {})));
    await postJson('/api/x', {}, { headers: new Headers({ [CSRF_HEADER]: '0', 'x-extra': 'y' }) });
    const h = headersOf(fetch.mock.calls[0]![1]);
    expect(h[CSRF_HEADER]).toBe('1');
    expect(h['x-extra']).toBe('y');
  });
});

describe('patchJson and deleteJson', () => {
  it('PATCH sends its body as JSON and returns the answer', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(200, { username: 'bob', disabled: true })));
    await expect(patchJson('/api/users/bob', { disabled: true })).resolves.toEqual({
      username: 'bob',
      disabled: true,
    });
    const [, init] = fetch.mock.calls[0]!;
    expect(init.body).toBe('{"disabled":true}');
    expect(headersOf(init)['content-type']).toBe('application/json');
  });

  it('DELETE sends no body and a 204 is undefined', async () => {
    const fetch = stubFetch(() => Promise.resolve(new Response(null, { status: 204 })));
    await expect(deleteJson('/api/tokens/3')).resolves.toBeUndefined();
    const [, init] = fetch.mock.calls[0]!;
    expect(init.body).toBeUndefined();
    expect(headersOf(init)).not.toHaveProperty('content-type');
  });

  it('they throw the same typed errors', async () => {
    stubFetch(() =>
      Promise.resolve(
        json(403, { err: 'Your role (viewer) may not manage users', error: 'x', code: 'forbidden' }),
      ),
    );
    const e = await deleteJson('/api/users/bob').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({
      status: 403,
      code: 'forbidden',
      message: 'Your role (viewer) may not manage users',
    });
    await expect(patchJson('/api/users/bob', {})).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('Retry-After', () => {
  it('a 429 carries how long to wait, in seconds', async () => {
    stubFetch(() =>
      Promise.resolve(
        json(429, { err: 'Too many failed sign-ins', code: 'locked' }, { 'retry-after': '240' }),
      ),
    );
    await expect(postJson('/api/session', {})).rejects.toMatchObject({
      status: 429,
      code: 'locked',
      retryAfterS: 240,
    });
  });

  it('is undefined without the header', async () => {
    stubFetch(() =>
      Promise.resolve(json(401, { err: 'Wrong user name or password', code: 'bad_credentials' })),
    );
    const e = (await postJson('/api/session', {}).catch((x: unknown) => x)) as ApiError;
    expect(e.retryAfterS).toBeUndefined();
  });

  it('reads seconds and HTTP dates; ignores nonsense', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('postVmAction and the reason', () => {
  const body = { vm: 7, action: 'poweroff' } as const;

  it('sends the reason URI-encoded in the reason header; the body stays VergeOS’s', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(201, { $key: '1' })));
    await postVmAction(body, { reason: '  Ticket #42: caller says “frozen” / 100% CPU\n' });
    const [, init] = fetch.mock.calls[0]!;
    const h = headersOf(init);
    expect(REASON_HEADER).toBe('x-powerdeck-reason');
    expect(h[REASON_HEADER]).toBe(encodeURIComponent('Ticket #42: caller says “frozen” / 100% CPU'));
    expect(decodeURIComponent(h[REASON_HEADER]!)).toBe('Ticket #42: caller says “frozen” / 100% CPU');
    expect(h[CSRF_HEADER]).toBe('1');
    expect(init.body).toBe('{"vm":7,"action":"poweroff"}');
  });

  it.each([undefined, '', '   \n '])('sends no reason header for %j', async (reason) => {
    const fetch = stubFetch(() => Promise.resolve(json(201, { $key: '1' })));
    await postVmAction(body, reason === undefined ? {} : { reason });
    expect(headersOf(fetch.mock.calls[0]![1])).not.toHaveProperty(REASON_HEADER);
  });

  it('a reason of the maximum length fits a header (ASCII after encoding)', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(201, { $key: '1' })));
    await postVmAction(body, { reason: 'é'.repeat(MAX_REASON_LENGTH) });
    const v = headersOf(fetch.mock.calls[0]![1])[REASON_HEADER]!;
    expect(v).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeURIComponent(v)).toHaveLength(MAX_REASON_LENGTH);
  });
});
