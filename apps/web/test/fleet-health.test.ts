import { describe, expect, it } from 'vitest';
import type { FleetData } from '../src/features/fleet/api/fetch-snapshot';
import {
  OFFLINE_REASON,
  dataAsOf,
  fleetHealth,
  isOverdue,
  overdueAfterMs,
} from '../src/features/fleet/api/fleet-health';

const T = 1_800_000_000_000;

/** A snapshot in hand; VergeOS last answered at `answeredAt` (by default T - 2 s). */
const snap = (patch: Partial<FleetData> = {}): FleetData => ({
  fetchedAt: '2026-11-29T09:58:36.000Z',
  stale: false,
  staleReason: null,
  staleSince: null,
  pollIntervalMs: 5000,
  normalIntervalMs: 5000,
  vms: [],
  nodes: [],
  etag: '"e"',
  answeredAt: T - 2000,
  ...patch,
});

describe('is the fleet on screen current?', () => {
  it('current: fresh data, no error', () => {
    expect(fleetHealth({ data: snap(), error: null, dataUpdatedAt: T, errorUpdatedAt: 0 }, false)).toEqual({
      stale: false,
      reason: null,
      since: null,
    });
  });

  it('nothing to mark before the first data (a failed first load shows in place)', () => {
    const h = fleetHealth(
      { data: undefined, error: new Error('down'), dataUpdatedAt: 0, errorUpdatedAt: T },
      true,
    );
    expect(h.stale).toBe(false);
  });

  it('stale when the BFF says so: its reason, since VergeOS last answered (as this browser reckons it)', () => {
    const stale = {
      stale: true,
      staleReason: 'VergeOS answered 503',
      staleSince: '2026-11-29T09:59:00.000Z',
    };
    const q = { error: null, dataUpdatedAt: T, errorUpdatedAt: 0 };
    expect(fleetHealth({ ...q, data: snap(stale) }, false)).toEqual({
      stale: true,
      reason: 'VergeOS answered 503',
      since: T - 2000,
    });
    // A BFF that stated no age: its own staleSince.
    expect(fleetHealth({ ...q, data: snap({ ...stale, answeredAt: null }) }, false).since).toBe(
      Date.parse('2026-11-29T09:59:00.000Z'),
    );
  });

  it('stale when a refresh failed after the last success: since VergeOS’s last answer in hand', () => {
    const h = fleetHealth(
      { data: snap(), error: new Error('Failed to fetch'), dataUpdatedAt: T, errorUpdatedAt: T + 6000 },
      false,
    );
    expect(h.stale).toBe(true);
    expect(h.reason).toContain('Failed to fetch');
    expect(h.since).toBe(T - 2000);
    // Not known: since the last read.
    const unknown = { data: snap({ answeredAt: null }), error: new Error('x'), dataUpdatedAt: T };
    expect(fleetHealth({ ...unknown, errorUpdatedAt: T + 6000 }, false).since).toBe(T);
  });

  it('offline: says the browser is offline, once the data is overdue', () => {
    const q = { data: snap(), error: null, dataUpdatedAt: T, errorUpdatedAt: 0 };
    expect(fleetHealth(q, false, false)).toEqual({ stale: false, reason: null, since: null });
    expect(fleetHealth(q, true, false)).toEqual({ stale: true, reason: OFFLINE_REASON, since: T - 2000 });
    expect(OFFLINE_REASON).toBe('this browser is offline');
    // Online, the same overdue data blames the server.
    expect(fleetHealth(q, true, true).reason).toBe('the Powerdeck server has stopped answering');
  });

  it('an old error does not count once a refresh succeeded', () => {
    const h = fleetHealth(
      { data: snap(), error: new Error('x'), dataUpdatedAt: T + 7000, errorUpdatedAt: T },
      false,
    );
    expect(h.stale).toBe(false);
  });

  it('stale when no refresh has succeeded for too long (a hung request)', () => {
    expect(overdueAfterMs(5000)).toBe(20_000);
    expect(overdueAfterMs(10_000)).toBe(40_000);
    const q = { data: snap(), dataUpdatedAt: T };
    expect(isOverdue(q, T + 19_000)).toBe(false);
    expect(isOverdue(q, T + 21_000)).toBe(true);
    expect(isOverdue({ data: undefined, dataUpdatedAt: 0 }, T)).toBe(false);
    const h = fleetHealth({ ...q, error: null, errorUpdatedAt: 0 }, true);
    expect(h).toMatchObject({ stale: true, since: T - 2000 });
  });
});

describe('how recent the data is ("updated N s ago")', () => {
  it('is when VergeOS last answered the BFF’s poll, as fetchSnapshot learnt it', () => {
    expect(dataAsOf(undefined)).toBeNull();
    expect(dataAsOf(snap({ fetchedAt: null, stale: true, answeredAt: null }))).toBeNull();
    // Not the last change (fetchedAt, an hour ago for a quiet fleet), nor when the BFF noticed a failure.
    const failing = snap({ stale: true, staleSince: '2026-11-29T09:59:00.000Z', answeredAt: T - 13_500 });
    expect(dataAsOf(failing)).toBe(T - 13_500);
    expect(dataAsOf(snap())).toBe(T - 2000);
  });
});
