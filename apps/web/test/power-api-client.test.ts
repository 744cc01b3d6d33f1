import { afterEach, describe, expect, it, vi } from 'vitest';
import { postVmAction, VM_ACTIONS_PATH } from '../src/features/power/api/post-vm-action';
import { ApiError, getJson, NetworkError, postJson } from '../src/lib/api-client';

function stubFetch(impl: (url: string, init: RequestInit) => Promise<Response>) {
  const fn = vi.fn(impl);
  vi.stubGlobal('fetch', fn);
  return fn;
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('postJson', () => {
  it('POSTs the body as JSON, once, and returns the answer', async () => {
    const fetch = stubFetch(() =>
      Promise.resolve(json(201, { location: '/vm_actions/1', dbpath: 'vm_actions/1', $row: 1, $key: '1' })),
    );
    const receipt = await postVmAction({ vm: 42, action: 'reset', params: { graceful: true } });
    expect(receipt.$key).toBe('1');
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(VM_ACTIONS_PATH);
    expect(url).toBe('/api/v4/vm_actions');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(init.body).toBe('{"vm":42,"action":"reset","params":{"graceful":true}}');
  });

  it("throws ApiError with the status, the BFF's code and VergeOS's message (err)", async () => {
    stubFetch(() =>
      Promise.resolve(
        json(409, {
          err: 'Machine is already running',
          error: 'Cannot power on VM: already in running state',
        }),
      ),
    );
    const e = await postJson('/x', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 409, message: 'Machine is already running', code: undefined });
  });

  it("reads the guide's `error` when there is no `err`", async () => {
    stubFetch(() => Promise.resolve(json(507, { error: 'Insufficient cluster resources to start VM' })));
    await expect(postJson('/x', {})).rejects.toMatchObject({
      status: 507,
      message: 'Insufficient cluster resources to start VM',
    });
  });

  it('keeps the code of an answer from the BFF', async () => {
    stubFetch(() =>
      Promise.resolve(
        json(504, {
          err: 'VergeOS did not answer within 15 s; the action may still happen',
          error: '…',
          statusCode: 504,
          code: 'upstream_timeout',
        }),
      ),
    );
    await expect(postJson('/x', {})).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('a body that is not JSON keeps the status line', async () => {
    stubFetch(() =>
      Promise.resolve(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })),
    );
    await expect(postJson('/x', {})).rejects.toMatchObject({ status: 502, message: '502 Bad Gateway' });
  });

  it('no answer at all is a NetworkError (status 0), not retried', async () => {
    const fetch = stubFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const e = await postJson('/x', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e).toMatchObject({ status: 0, message: 'Failed to fetch' });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('an empty 2xx body is undefined', async () => {
    stubFetch(() => Promise.resolve(new Response(null, { status: 204 })));
    await expect(postJson('/x', {})).resolves.toBeUndefined();
  });
});

describe('getJson', () => {
  it('still reads JSON and throws typed errors', async () => {
    stubFetch(() => Promise.resolve(json(200, { a: 1 })));
    await expect(getJson('/y')).resolves.toEqual({ a: 1 });
    stubFetch(() => Promise.resolve(json(403, { err: 'no' })));
    await expect(getJson('/y')).rejects.toMatchObject({ status: 403, message: 'no' });
  });
});
