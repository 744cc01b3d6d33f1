// A sign-in throttle counter, the same on both backends, and the rules both stores apply to it (what it says of a
// sign-in now, how an attempt counts, how a success takes its attempt back); each backend reads and writes the
// counters in its own way (../sqlite/throttle.ts, ../postgres/throttle.ts).
import type { ThrottleDecision, ThrottleLimits } from '../types';

export type Scope = 'user' | 'source';

/** A signin_throttle row, bar its scope and key. */
export interface CounterRow {
  failures: number;
  window_start: number;
  locked_until: number | null;
}

/** Whether a sign-in may go ahead now, given the name's and the address's counters (undefined: none yet). */
export function decide(
  user: CounterRow | undefined,
  source: CounterRow | undefined,
  now: number,
): ThrottleDecision {
  const u = user?.locked_until ?? null;
  const s = source?.locked_until ?? null;
  const userWait = u !== null && u > now ? u - now : 0;
  const sourceWait = s !== null && s > now ? s - now : 0;
  if (userWait === 0 && sourceWait === 0) return { allowed: true };
  return userWait >= sourceWait
    ? { allowed: false, scope: 'user', retryAfterMs: userWait }
    : { allowed: false, scope: 'source', retryAfterMs: sourceWait };
}

/**
 * A counter with one more attempt (`row`: as it stands, undefined: none yet): a new window when the last has ended,
 * locked for `lockoutMs` once its failures reach `max`.
 */
export function counted(
  row: CounterRow | undefined,
  max: number,
  now: number,
  limits: ThrottleLimits,
): CounterRow {
  const fresh = !row || now - row.window_start >= limits.windowMs;
  const failures = fresh ? 1 : row.failures + 1;
  let lockedUntil = row?.locked_until ?? null;
  if (failures >= max) lockedUntil = now + limits.lockoutMs;
  return { failures, window_start: fresh ? now : row.window_start, locked_until: lockedUntil };
}

/**
 * An address's counter with a successful sign-in's attempt taken back, or null when there is nothing to take back
 * (no counter, or its window has ended).
 */
export function released(
  row: CounterRow | undefined,
  now: number,
  limits: ThrottleLimits,
): CounterRow | null {
  if (!row || now - row.window_start >= limits.windowMs) return null;
  const failures = Math.max(0, row.failures - 1);
  // Below the limit again: a lock can only have been set by the attempt taken back.
  const lockedUntil = failures < limits.sourceMaxFailures ? null : row.locked_until;
  return { failures, window_start: row.window_start, locked_until: lockedUntil };
}
