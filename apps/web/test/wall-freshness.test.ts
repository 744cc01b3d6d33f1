import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { describe, expect, it } from 'vitest';
import { answeredAtOf, type FleetData } from '../src/features/fleet/api/fetch-snapshot';
import { dataAsOf } from '../src/features/fleet/api/fleet-health';
import {
  CURRENT,
  STALE_AFTER_POLLS,
  staleAfterMs,
  wallFreshness,
  type FreshnessInput,
} from '../src/features/wall/lib/freshness';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const base: FreshnessInput = {
  asOf: T0,
  pollIntervalMs: 5000,
  hasData: true,
  fetchError: null,
  offline: false,
  bffStale: false,
  bffStaleSince: null,
  bffStaleReason: null,
};

describe('wall freshness', () => {
  it('stale after three poll intervals, not before', () => {
    expect(STALE_AFTER_POLLS).toBe(3);
    expect(staleAfterMs(5000)).toBe(15_000);
    expect(wallFreshness(base, T0 + 15_000)).toEqual(CURRENT);
    expect(wallFreshness(base, T0 + 15_001)).toEqual({
      stale: true,
      since: T0,
      reason: 'no new data from the Powerdeck server',
    });
  });
  it('follows the poll interval', () => {
    const fast = { ...base, pollIntervalMs: 1000 };
    expect(wallFreshness(fast, T0 + 3001).stale).toBe(true);
    expect(wallFreshness({ ...base, pollIntervalMs: 60_000 }, T0 + 100_000).stale).toBe(false);
    // Never faster than the browser polls (1 s).
    expect(staleAfterMs(100)).toBe(3000);
  });
  it('the fetch failing: stale once the data is old, with the reason', () => {
    const failing = { ...base, fetchError: new Error('Failed to fetch') };
    expect(wallFreshness(failing, T0 + 5000).stale).toBe(false);
    expect(wallFreshness(failing, T0 + 20_000)).toEqual({
      stale: true,
      since: T0,
      reason: 'cannot reach the Powerdeck server (Failed to fetch)',
    });
  });
  it('VergeOS not answering: the BFF says why', () => {
    const bff = { ...base, bffStale: true, bffStaleReason: 'VergeOS answered 503' };
    expect(wallFreshness(bff, T0 + 60_000)).toMatchObject({ stale: true, reason: 'VergeOS answered 503' });
    expect(wallFreshness({ ...bff, bffStaleReason: null }, T0 + 60_000).reason).toBe(
      'VergeOS is not answering',
    );
  });
  it('the screen offline: says so, not that the server is down', () => {
    const offline = { ...base, offline: true, fetchError: new Error('Failed to fetch') };
    expect(wallFreshness(offline, T0 + 15_000)).toEqual(CURRENT);
    expect(wallFreshness(offline, T0 + 20_000)).toEqual({
      stale: true,
      since: T0,
      reason: 'this screen is offline (no network)',
    });
    // Before any data: stale at once (nothing can load).
    const none = { ...base, offline: true, hasData: false, asOf: null, pollIntervalMs: null };
    expect(wallFreshness(none, T0)).toMatchObject({
      stale: true,
      reason: 'this screen is offline (no network)',
    });
  });
  it('recovers by itself: fresh data is current again', () => {
    expect(wallFreshness({ ...base, asOf: T0 + 59_000 }, T0 + 60_000)).toEqual(CURRENT);
  });
  it('before any data: stale only when the first load failed', () => {
    const none = { ...base, hasData: false, asOf: null, pollIntervalMs: null };
    expect(wallFreshness(none, T0)).toEqual(CURRENT);
    expect(wallFreshness({ ...none, fetchError: new Error('x') }, T0)).toMatchObject({
      stale: true,
      since: null,
    });
  });
  it('before VergeOS ever answered: counts from the BFF’s stale-since', () => {
    const waiting = { ...base, asOf: null, bffStale: true, bffStaleSince: T0 };
    expect(wallFreshness(waiting, T0 + 10_000).stale).toBe(false);
    expect(wallFreshness(waiting, T0 + 16_000)).toMatchObject({ stale: true, since: T0 });
    expect(wallFreshness({ ...waiting, bffStaleSince: null }, T0 + 1e9)).toEqual(CURRENT);
  });
  it('the BFF answers but its data grows old (its poll waits on a hung VergeOS): stale, and VergeOS is to blame', () => {
    const waiting = { ...base, readAt: T0 + 14_000 };
    expect(wallFreshness(waiting, T0 + 15_000)).toEqual(CURRENT);
    expect(wallFreshness(waiting, T0 + 15_001)).toEqual({
      stale: true,
      since: T0,
      reason: 'VergeOS is not answering',
    });
    // Once the BFF's read times out, its own words.
    const flagged = {
      ...waiting,
      bffStale: true,
      bffStaleSince: T0,
      bffStaleReason: 'VergeOS did not answer within 5 s',
    };
    expect(wallFreshness(flagged, T0 + 16_000).reason).toBe('VergeOS did not answer within 5 s');
    // This browser's own reads stopped too: the server is not answering either.
    expect(wallFreshness(waiting, T0 + 30_000).reason).toBe('no new data from the Powerdeck server');
  });
});

describe('issue 13: a hang, polled every 2 s, seen through the BFF’s answers', () => {
  // VergeOS answers the poll that ends at T0, then hangs. The BFF polls again at T0 + 2 s; its read times out at
  // T0 + 7 s. The wall reads the BFF every 2 s (it counts from when each request left).
  const snapshot: FleetSnapshot = {
    fetchedAt: new Date(T0 - 3_600_000).toISOString(), // a quiet fleet: the last change an hour ago
    stale: false,
    staleReason: null,
    staleSince: null,
    pollIntervalMs: 2000,
    normalIntervalMs: 2000,
    vms: [],
    nodes: [],
  };
  const stale: FleetSnapshot = {
    ...snapshot,
    stale: true,
    staleReason: 'VergeOS did not answer within 5 s',
    staleSince: new Date(T0).toISOString(),
  };
  /** What the wall holds after each read: [sent at, what the BFF answered, the age it stated]. */
  const reads: [number, FleetSnapshot, number][] = [
    [T0 + 500, snapshot, 500],
    [T0 + 2500, snapshot, 2500], // the BFF's poll is in flight
    [T0 + 4500, snapshot, 4500],
    [T0 + 6500, snapshot, 6500],
    [T0 + 8500, stale, 8500], // the read timed out at T0 + 7 s
    [T0 + 10_500, stale, 10_500],
    [T0 + 12_500, stale, 12_500],
  ];
  it('"updated N s ago" counts from VergeOS’s last answer, and STALE shows three intervals after it', () => {
    let held: FleetData | undefined;
    const seen: { at: number; asOf: number | null; stale: boolean }[] = [];
    for (const [sentAt, snap, age] of reads) {
      held = { ...snap, etag: null, answeredAt: answeredAtOf(snap, String(age), sentAt, held) };
      const asOf = dataAsOf(held);
      const input: FreshnessInput = {
        ...base,
        asOf,
        readAt: sentAt,
        pollIntervalMs: held.normalIntervalMs,
        bffStale: held.stale,
        bffStaleSince: held.staleSince ? Date.parse(held.staleSince) : null,
        bffStaleReason: held.staleReason,
      };
      // The wall's clock, a second after each read.
      seen.push({ at: sentAt + 1000, asOf, stale: wallFreshness(input, sentAt + 1000).stale });
    }
    // Always as of the last answer ("updated 13.5 s ago" at T0 + 13.5 s, not "6 s ago").
    expect(new Set(seen.map((s) => s.asOf))).toEqual(new Set([T0]));
    // STALE from T0 + 6 s (three 2 s intervals) on; the bound is three intervals and the 5 s read timeout.
    expect(seen.map((s) => s.stale)).toEqual([false, false, false, true, true, true, true]);
    expect(wallFreshness({ ...base, asOf: T0, pollIntervalMs: 2000 }, T0 + 6001).stale).toBe(true);
  });
});
