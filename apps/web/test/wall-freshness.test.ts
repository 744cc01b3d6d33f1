import { describe, expect, it } from 'vitest';
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
});
