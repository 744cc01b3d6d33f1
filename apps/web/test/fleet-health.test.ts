import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { describe, expect, it } from 'vitest';
import {
  OFFLINE_REASON,
  dataAsOf,
  fleetHealth,
  isOverdue,
  overdueAfterMs,
} from '../src/features/fleet/api/fleet-health';

const snap = (patch: Partial<FleetSnapshot> = {}): FleetSnapshot => ({
  fetchedAt: '2026-11-29T09:58:36.000Z',
  stale: false,
  staleReason: null,
  staleSince: null,
  pollIntervalMs: 5000,
  normalIntervalMs: 5000,
  vms: [],
  nodes: [],
  ...patch,
});

const T = 1_800_000_000_000;

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

  it('stale when the BFF says so: its reason, since when polls failed', () => {
    const h = fleetHealth(
      {
        data: snap({
          stale: true,
          staleReason: 'VergeOS answered 503',
          staleSince: '2026-11-29T09:59:00.000Z',
        }),
        error: null,
        dataUpdatedAt: T,
        errorUpdatedAt: 0,
      },
      false,
    );
    expect(h).toEqual({
      stale: true,
      reason: 'VergeOS answered 503',
      since: Date.parse('2026-11-29T09:59:00.000Z'),
    });
  });

  it('stale when a refresh failed after the last success: since the last good data', () => {
    const h = fleetHealth(
      { data: snap(), error: new Error('Failed to fetch'), dataUpdatedAt: T, errorUpdatedAt: T + 6000 },
      false,
    );
    expect(h.stale).toBe(true);
    expect(h.reason).toContain('Failed to fetch');
    expect(h.since).toBe(T);
  });

  it('offline: says the browser is offline, once the data is overdue', () => {
    const q = { data: snap(), error: null, dataUpdatedAt: T, errorUpdatedAt: 0 };
    expect(fleetHealth(q, false, false)).toEqual({ stale: false, reason: null, since: null });
    expect(fleetHealth(q, true, false)).toEqual({ stale: true, reason: OFFLINE_REASON, since: T });
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
    expect(h).toMatchObject({ stale: true, since: T });
  });
});

describe('how recent the data is ("updated N s ago")', () => {
  const fetched = Date.parse('2026-11-29T09:58:36.000Z');

  it('before VergeOS first answered: unknown', () => {
    expect(dataAsOf(undefined, 0)).toBeNull();
    expect(dataAsOf(snap({ fetchedAt: null, stale: true }), T)).toBeNull();
  });

  it('while the BFF is current: the last successful read (fetchedAt only moves on change)', () => {
    expect(dataAsOf(snap(), fetched + 60_000)).toBe(fetched + 60_000);
    expect(dataAsOf(snap(), 0)).toBe(fetched);
  });

  it('while the BFF is stale: as of its first failed poll (the data was confirmed just before), else fetchedAt', () => {
    // A fleet unchanged for an hour, then one failed poll: the data is seconds old, not an hour.
    const since = fetched + 3_600_000;
    const failing = snap({ stale: true, staleSince: new Date(since).toISOString() });
    expect(dataAsOf(failing, since + 60_000)).toBe(since);
    expect(dataAsOf(snap({ stale: true }), fetched + 60_000)).toBe(fetched);
    // A stale-since before the last change (cannot happen, but never older than fetchedAt).
    expect(dataAsOf(snap({ stale: true, staleSince: new Date(fetched - 1000).toISOString() }), 0)).toBe(
      fetched,
    );
  });
});
