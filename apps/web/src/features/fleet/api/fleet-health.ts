// Whether the fleet on screen is current, and if not, why and since when. Two sources: the BFF says its own
// snapshot is stale (VergeOS is not answering), or this browser cannot refresh the snapshot (the BFF is not
// answering). Either way the last data stays on screen. Pure (tested in test/fleet-health.test.ts).
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';

export interface FleetHealth {
  stale: boolean;
  /** Why, in words (null while current). */
  reason: string | null;
  /** Since when the data has not been current (epoch ms), when known. */
  since: number | null;
}

export interface FleetQueryState {
  data: FleetSnapshot | undefined;
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
  const refreshFailed = q.error !== null && q.errorUpdatedAt >= q.dataUpdatedAt;
  if (!online && (refreshFailed || overdue)) {
    return { stale: true, reason: OFFLINE_REASON, since: q.dataUpdatedAt || null };
  }
  if (refreshFailed) {
    return {
      stale: true,
      reason: `cannot reach the Powerdeck server (${q.error?.message ?? 'no answer'})`,
      since: q.dataUpdatedAt || null,
    };
  }
  if (overdue) {
    return { stale: true, reason: 'the Powerdeck server has stopped answering', since: q.dataUpdatedAt };
  }
  if (snap.stale) {
    const since = snap.staleSince ? Date.parse(snap.staleSince) : NaN;
    return {
      stale: true,
      reason: snap.staleReason ?? (snap.fetchedAt ? 'VergeOS is not answering' : 'no data from VergeOS yet'),
      since: Number.isFinite(since) ? since : null,
    };
  }
  return CURRENT;
}

/**
 * How recent the data on screen is (epoch ms), for "updated N s ago"; null before VergeOS's first answer.
 * The BFF's `fetchedAt` moves only when the fleet changes (a stable ETag); while the BFF is current, every
 * successful read of its snapshot confirms the data as of that read. While the BFF is stale, its data was
 * confirmed by the poll before `staleSince` (the first failed one, at most a poll interval later): so a quiet
 * fleet does not look hours old the moment one poll fails, and the wall's STALE counts from the outage.
 */
export function dataAsOf(snap: FleetSnapshot | undefined, dataUpdatedAt: number): number | null {
  const fetched = snap?.fetchedAt ? Date.parse(snap.fetchedAt) : NaN;
  if (!snap || !Number.isFinite(fetched)) return null;
  if (!snap.stale) return Math.max(fetched, dataUpdatedAt);
  const since = snap.staleSince ? Date.parse(snap.staleSince) : NaN;
  return Number.isFinite(since) ? Math.max(fetched, since) : fetched;
}
