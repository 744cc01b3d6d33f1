// Whether the fleet on screen is current, and if not, why and since when. Two sources: the BFF says its own
// snapshot is stale (VergeOS is not answering), or this browser cannot refresh the snapshot (the BFF is not
// answering). Either way the last data stays on screen, and its age counts from VergeOS's last answer to the BFF
// (`answeredAt`). Pure (tested in test/fleet-health.test.ts).
import type { FleetData } from './fetch-snapshot';

export interface FleetHealth {
  stale: boolean;
  /** Why, in words (null while current). */
  reason: string | null;
  /** Since when the data has not been current (epoch ms), when known: what it is as of (VergeOS's last answer). */
  since: number | null;
}

interface FleetQueryState {
  data: FleetData | undefined;
  /** The last error of a refresh, when the last refresh failed. */
  error: Error | null;
  /** When the last successful fetch ended (epoch ms; 0 before any). */
  dataUpdatedAt: number;
  /** When the last failed fetch ended (epoch ms; 0 before any). */
  errorUpdatedAt: number;
}

/** A refresh that has not succeeded for this long counts as failed, even with no error yet (a hung request). */
export function overdueAfterMs(pollIntervalMs: number): number {
  return Math.max(20_000, pollIntervalMs * 4);
}

/** Whether the last successful refresh is older than {@link overdueAfterMs}. */
export function isOverdue(q: Pick<FleetQueryState, 'data' | 'dataUpdatedAt'>, nowMs: number): boolean {
  if (!q.data || q.dataUpdatedAt <= 0) return false;
  return nowMs - q.dataUpdatedAt > overdueAfterMs(q.data.pollIntervalMs);
}

const CURRENT: FleetHealth = { stale: false, reason: null, since: null };

/** What the stale banner says while this browser is offline (its queries wait rather than fail). */
export const OFFLINE_REASON = 'this browser is offline';

/**
 * `overdue`: {@link isOverdue} now (kept apart so that a clock only has to recompute a boolean). `online`: whether
 * the browser says it is online (lib/online.ts).
 */
export function fleetHealth(q: FleetQueryState, overdue: boolean, online = true): FleetHealth {
  const snap = q.data;
  if (!snap) return CURRENT;
  const asOf = dataAsOf(snap);
  const refreshFailed = q.error !== null && q.errorUpdatedAt >= q.dataUpdatedAt;
  // This browser cannot refresh: the data is as old as its last answer from VergeOS (else its last read).
  const lastKnown = asOf ?? (q.dataUpdatedAt || null);
  if (!online && (refreshFailed || overdue)) {
    return { stale: true, reason: OFFLINE_REASON, since: lastKnown };
  }
  if (refreshFailed) {
    return {
      stale: true,
      reason: `cannot reach the Powerdeck server (${q.error?.message ?? 'no answer'})`,
      since: lastKnown,
    };
  }
  if (overdue) {
    return { stale: true, reason: 'the Powerdeck server has stopped answering', since: lastKnown };
  }
  if (snap.stale) {
    // The BFF's staleSince is the same moment by the server's clock (before VergeOS's first answer: when the BFF
    // started polling); this browser's own reckoning of it comes first.
    const since = snap.staleSince ? Date.parse(snap.staleSince) : NaN;
    return {
      stale: true,
      reason: snap.staleReason ?? (snap.fetchedAt ? 'VergeOS is not answering' : 'no data from VergeOS yet'),
      since: asOf ?? (Number.isFinite(since) ? since : null),
    };
  }
  return CURRENT;
}

/**
 * How recent the data on screen is (epoch ms), for "updated N s ago" and the wall's STALE: when VergeOS last
 * answered the BFF's poll (fetch-snapshot.ts learns it from the age stated with every answer); null before
 * VergeOS's first answer. Not the snapshot's `fetchedAt` (the last change, which a quiet fleet leaves hours
 * behind), nor this browser's last read (the BFF answers while VergeOS hangs), nor when the BFF noticed a
 * failure (a read timeout after the last answer).
 */
export function dataAsOf(data: FleetData | undefined): number | null {
  return data?.answeredAt ?? null;
}
