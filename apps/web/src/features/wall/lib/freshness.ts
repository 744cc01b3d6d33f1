// Whether the wall's data is current. The wall turns STALE when what it shows is older than STALE_AFTER_POLLS
// normal poll intervals (the BFF's `normalIntervalMs`), its age counted from VergeOS's last answer to the BFF's
// poll (`asOf`): whether this browser cannot reach the BFF (its fetches fail or hang), or the BFF cannot reach
// VergeOS (VergeOS answers 503, or hangs: the age grows from its last answer even before the BFF's read times out).
// So a hang shows STALE at most three intervals after the last answer (plus this browser's poll and the 1 s clock),
// within the bound of three intervals and a read timeout. It recovers by itself on the next good poll.
// Pure (tested in test/wall-freshness.test.ts).

export const STALE_AFTER_POLLS = 3;
/** The browser never polls faster than this (fleet-queries.ts); nor does the wall count intervals shorter. */
const MIN_INTERVAL_MS = 1000;

export interface FreshnessInput {
  /** How recent the data on screen is: VergeOS's last answer to the BFF (epoch ms; null before the first). */
  asOf: number | null;
  /** When this browser last read the BFF's snapshot successfully (epoch ms; 0 or null before any). */
  readAt?: number | null;
  /**
   * The BFF's normal poll interval (the snapshot's `normalIntervalMs`, not its current `pollIntervalMs`, which
   * grows while the BFF backs off from a failing VergeOS), or null before any snapshot.
   */
  pollIntervalMs: number | null;
  /** Whether a snapshot is in hand at all. */
  hasData: boolean;
  /** The last fetch's error, when it failed after the last success. */
  fetchError: Error | null;
  /** The browser says it is offline (its queries wait instead of failing). */
  offline: boolean;
  /**
   * The BFF's own view: its snapshot is stale, since when (epoch ms or null: VergeOS's last answer, or before the
   * first one when the BFF started polling), and why.
   */
  bffStale: boolean;
  bffStaleSince: number | null;
  bffStaleReason: string | null;
}

export interface WallFreshness {
  stale: boolean;
  /** Since when the data is old (epoch ms), when known. */
  since: number | null;
  /** Why, in words (null while current). */
  reason: string | null;
}

export const CURRENT: WallFreshness = { stale: false, since: null, reason: null };

/** How old data may get before the wall says STALE. */
export function staleAfterMs(pollIntervalMs: number | null): number {
  return STALE_AFTER_POLLS * Math.max(MIN_INTERVAL_MS, pollIntervalMs ?? 5000);
}

function reasonOf(i: FreshnessInput, nowMs: number): string {
  if (i.offline) return 'this screen is offline (no network)';
  if (i.fetchError) return `cannot reach the Powerdeck server (${i.fetchError.message || 'no answer'})`;
  if (i.bffStale) return i.bffStaleReason ?? 'VergeOS is not answering';
  // The BFF answers, but its data grows old: its poll is waiting for VergeOS (it says so once its read times out).
  if (i.readAt && nowMs - i.readAt <= staleAfterMs(i.pollIntervalMs)) return 'VergeOS is not answering';
  return 'no new data from the Powerdeck server';
}

export function wallFreshness(i: FreshnessInput, nowMs: number): WallFreshness {
  if (!i.hasData) {
    // Nothing to show yet: stale only when the first load failed (or cannot start).
    return i.fetchError || i.offline ? { stale: true, since: null, reason: reasonOf(i, nowMs) } : CURRENT;
  }
  // Before VergeOS's first answer the only clock is the BFF's "stale since".
  const ref = i.asOf ?? (i.bffStale ? i.bffStaleSince : null);
  if (ref === null) return CURRENT;
  if (nowMs - ref <= staleAfterMs(i.pollIntervalMs)) return CURRENT;
  return { stale: true, since: ref, reason: reasonOf(i, nowMs) };
}
