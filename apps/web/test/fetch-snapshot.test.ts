// The conditional GET of the fleet: If-None-Match with the ETag in hand, a 304 answered with the same object.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchSnapshot } from '../src/features/fleet/api/fetch-snapshot';
import { ApiError, NetworkError } from '../src/lib/api-client';

const body: FleetSnapshot = {
  fetchedAt: '2026-11-29T09:58:36.000Z',
  stale: false,
  staleReason: null,
  staleSince: null,
  pollIntervalMs: 5000,
  normalIntervalMs: 5000,
  vms: [],
  nodes: [],
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('fetchSnapshot', () => {
  it('keeps the ETag, sends it back, and answers a 304 with the object in hand', async () => {
    const fetchMock = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(new Response(JSON.stringify(body), { status: 200, headers: { etag: '"v1"' } }))
      .mockResolvedValueOnce(new Response(null, { status: 304, headers: { etag: '"v1"' } }));
    vi.stubGlobal('fetch', fetchMock);

    const first = await fetchSnapshot(new AbortController().signal, undefined);
    expect(first).toEqual({ ...body, etag: '"v1"' });
    const firstInit = fetchMock.mock.calls[0]?.[1];
    expect(firstInit?.cache).toBe('no-store');
    expect(firstInit?.headers).not.toHaveProperty('if-none-match');

    const second = await fetchSnapshot(new AbortController().signal, first);
    expect(second).toBe(first);
    expect(fetchMock.mock.calls[1]?.[1]?.headers).toMatchObject({ 'if-none-match': '"v1"' });
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('an error answer is a typed ApiError with the server’s words', async () => {
    vi.stubGlobal(
      'fetch',
      vi
        .fn<typeof fetch>()
        .mockResolvedValue(
          new Response(JSON.stringify({ err: 'nope', error: 'nope', code: 'x' }), { status: 503 }),
        ),
    );
    const e = await fetchSnapshot(new AbortController().signal, undefined).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 503, message: 'nope', code: 'x' });
  });

  it('no answer is a NetworkError; the caller’s abort passes through', async () => {
    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockRejectedValue(new TypeError('Failed to fetch')));
    await expect(fetchSnapshot(new AbortController().signal, undefined)).rejects.toBeInstanceOf(NetworkError);

    const ac = new AbortController();
    ac.abort();
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>().mockRejectedValue(new DOMException('aborted', 'AbortError')),
    );
    await expect(fetchSnapshot(ac.signal, undefined)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
