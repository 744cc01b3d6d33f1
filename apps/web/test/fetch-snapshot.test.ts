// The conditional GET of the fleet: If-None-Match with the ETag in hand, a 304 answered with the same object.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { DATA_AGE_HEADER } from '@powerdeck/contracts/fleet-terms';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  answeredAtOf,
  fetchSnapshot,
  parseDataAge,
  type FleetData,
} from '../src/features/fleet/api/fetch-snapshot';
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

    const first = await fetchSnapshot(new AbortController().signal, undefined, () => 1000);
    // No age stated (a BFF from before DATA_AGE_HEADER): as of this read.
    expect(first).toEqual({ ...body, etag: '"v1"', answeredAt: 1000 });
    const firstInit = fetchMock.mock.calls[0]?.[1];
    expect(firstInit?.cache).toBe('no-store');
    expect(firstInit?.headers).not.toHaveProperty('if-none-match');

    // (Read in the same millisecond: nothing about it moved.)
    const second = await fetchSnapshot(new AbortController().signal, first, () => 1000);
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

describe('how old the data is: when VergeOS last answered, from the age stated with every answer', () => {
  const T = 1_800_000_000_000;
  const age = (ms: number) => ({ [DATA_AGE_HEADER]: String(ms) });
  const sequence = (...responses: Response[]) => {
    const fetchMock = vi.fn<typeof fetch>();
    for (const r of responses) fetchMock.mockResolvedValueOnce(r);
    vi.stubGlobal('fetch', fetchMock);
  };
  const ok = (snap: FleetSnapshot, headers: Record<string, string>) =>
    new Response(JSON.stringify(snap), { status: 200, headers: { etag: '"v1"', ...headers } });
  const notModified = (headers: Record<string, string>) =>
    new Response(null, { status: 304, headers: { etag: '"v1"', ...headers } });
  const signal = () => new AbortController().signal;

  it('counts from when the request left, minus the stated age; a 304 moves only that, not the VMs', async () => {
    const vms = [{ key: 1 }] as unknown as FleetSnapshot['vms'];
    sequence(ok({ ...body, vms }, age(1200)), notModified(age(300)), notModified(age(1300)));
    const first = await fetchSnapshot(signal(), undefined, () => T);
    expect(first.answeredAt).toBe(T - 1200);

    // A newer answer from VergeOS: the same snapshot (same VM objects), a later answeredAt.
    const second = await fetchSnapshot(signal(), first, () => T + 5000);
    expect(second).not.toBe(first);
    expect(second).toEqual({ ...first, answeredAt: T + 4700 });
    expect(second.vms).toBe(first.vms);

    // The same answer measured again: nothing moves, the object in hand comes back.
    const third = await fetchSnapshot(signal(), second, () => T + 6000);
    expect(third).toBe(second);
  });

  it('never moves back (a slower answer about the same moment), nor while the BFF stays stale since the same answer', () => {
    const prev: FleetData = { ...body, etag: '"v1"', answeredAt: T };
    // The age measured after a slow request leaves 150 ms "too early": the moment stays.
    expect(answeredAtOf(body, '5150', T + 5000, prev)).toBe(T);
    const staleSnap = { ...body, stale: true, staleReason: 'VergeOS answered 503', staleSince: 'x' };
    const stale: FleetData = { ...staleSnap, etag: '"v2"', answeredAt: T };
    // Stale since the same answer: no new answer, whatever the age says.
    expect(answeredAtOf(staleSnap, '4000', T + 5000, stale)).toBe(T);
    // Current again: the new answer counts.
    expect(answeredAtOf(body, '100', T + 9000, stale)).toBe(T + 8900);
    // This browser's clock set back an hour: the remembered moment is in its future; start again.
    expect(answeredAtOf(body, '100', T - 3_600_000, prev)).toBe(T - 3_600_100);
  });

  it('this browser cannot reach the BFF: the data in hand keeps its answeredAt', async () => {
    sequence(ok(body, age(0)));
    const first = await fetchSnapshot(signal(), undefined, () => T);
    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockRejectedValue(new TypeError('Failed to fetch')));
    await expect(fetchSnapshot(signal(), first, () => T + 60_000)).rejects.toBeInstanceOf(NetworkError);
    expect(first.answeredAt).toBe(T);
  });

  it('no age stated: the BFF’s staleSince while stale; nothing before VergeOS’s first answer', () => {
    const staleSince = '2026-11-29T09:59:00.000Z';
    expect(answeredAtOf({ ...body, stale: true, staleSince }, null, T, undefined)).toBe(
      Date.parse(staleSince),
    );
    expect(answeredAtOf(body, null, T, undefined)).toBe(T);
    expect(answeredAtOf({ ...body, fetchedAt: null, stale: true }, null, T, undefined)).toBeNull();
    expect(parseDataAge('1234')).toBe(1234);
    for (const bad of [null, '', '-5', '1.5', 'abc', '1e3']) expect(parseDataAge(bad)).toBeNull();
  });
});
