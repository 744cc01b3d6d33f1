// Sign-in throttling in SQLite, so that it holds across restarts and for every process sharing the
// database. Attempts are counted per user name and per source address in fixed windows, before the
// password is checked (`reserve`, one IMMEDIATE transaction: guesses that arrive together are counted one
// after another, never all admitted by a check made before any of them failed); reaching the limit locks
// that name or address until the lock runs out. A success (`release`) resets the name's counter and takes
// its own attempt back from the address's, but keeps the address's other failures (signing in to one's own
// account must not clear an attacker's address). Unknown user names are counted like real ones, so the
// lock does not tell which names exist.
import type { SqliteDatabase } from '../../db/database';
import { settle } from '../errors';
import type { Clock, ReserveDecision, SignInThrottle, ThrottleDecision, ThrottleLimits } from '../types';

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  userMaxFailures: 5,
  sourceMaxFailures: 20,
  windowMs: 15 * 60_000,
  lockoutMs: 15 * 60_000,
};

type Scope = 'user' | 'source';

interface CounterRow {
  failures: number;
  window_start: number;
  locked_until: number | null;
}

/** Keys are bounded: a name or address longer than this is cut (still counted). */
const KEY_MAX = 128;

export function userKey(username: string): string {
  return String(username).trim().toLowerCase().slice(0, KEY_MAX);
}

export function sourceKey(source: string): string {
  return String(source).trim().toLowerCase().slice(0, KEY_MAX);
}

export class SqliteSignInThrottle implements SignInThrottle {
  private readonly now: Clock;
  readonly limits: ThrottleLimits;
  private readonly read;
  private readonly write;
  private readonly reset;
  private readonly deleteStale;
  private readonly reserveTx;
  private readonly releaseTx;

  constructor(db: SqliteDatabase, options: { now?: Clock; limits?: Partial<ThrottleLimits> } = {}) {
    this.now = options.now ?? Date.now;
    this.limits = { ...DEFAULT_THROTTLE_LIMITS, ...options.limits };
    this.read = db.prepare<[Scope, string], CounterRow>(
      'SELECT failures, window_start, locked_until FROM signin_throttle WHERE scope = ? AND key = ?',
    );
    this.write = db.prepare<[Scope, string, number, number, number | null]>(
      `INSERT INTO signin_throttle (scope, key, failures, window_start, locked_until) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET failures = excluded.failures,
         window_start = excluded.window_start, locked_until = excluded.locked_until`,
    );
    this.reset = db.prepare<[string]>("DELETE FROM signin_throttle WHERE scope = 'user' AND key = ?");
    this.deleteStale = db.prepare<[{ window: number; now: number }]>(
      `DELETE FROM signin_throttle
        WHERE window_start + @window <= @now AND (locked_until IS NULL OR locked_until <= @now)`,
    );
    this.reserveTx = db.transaction((user: string, source: string, now: number): ReserveDecision => {
      const decision = this.decide(user, source, now);
      if (!decision.allowed) return decision;
      const userFailures = this.count('user', user, this.limits.userMaxFailures, now);
      const sourceFailures = this.count('source', source, this.limits.sourceMaxFailures, now);
      return { allowed: true, failures: Math.max(userFailures, sourceFailures) };
    });
    this.releaseTx = db.transaction((user: string, source: string, now: number) => {
      this.reset.run(user);
      const row = this.read.get('source', source);
      if (!row || now - row.window_start >= this.limits.windowMs) return;
      const failures = Math.max(0, row.failures - 1);
      // Below the limit again: a lock can only have been set by the attempt taken back.
      const lockedUntil = failures < this.limits.sourceMaxFailures ? null : row.locked_until;
      this.write.run('source', source, failures, row.window_start, lockedUntil);
    });
  }

  private count(scope: Scope, key: string, max: number, now: number): number {
    const row = this.read.get(scope, key);
    const fresh = !row || now - row.window_start >= this.limits.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const windowStart = fresh ? now : row.window_start;
    let lockedUntil = row?.locked_until ?? null;
    if (failures >= max) lockedUntil = now + this.limits.lockoutMs;
    this.write.run(scope, key, failures, windowStart, lockedUntil);
    return failures;
  }

  private decide(user: string, source: string, now: number): ThrottleDecision {
    const u = this.read.get('user', user)?.locked_until ?? null;
    const s = this.read.get('source', source)?.locked_until ?? null;
    const userWait = u !== null && u > now ? u - now : 0;
    const sourceWait = s !== null && s > now ? s - now : 0;
    if (userWait === 0 && sourceWait === 0) return { allowed: true };
    return userWait >= sourceWait
      ? { allowed: false, scope: 'user', retryAfterMs: userWait }
      : { allowed: false, scope: 'source', retryAfterMs: sourceWait };
  }

  check(username: string, source: string): Promise<ThrottleDecision> {
    return settle(() => this.decide(userKey(username), sourceKey(source), this.now()));
  }

  reserve(username: string, source: string): Promise<ReserveDecision> {
    return settle(() => this.reserveTx.immediate(userKey(username), sourceKey(source), this.now()));
  }

  release(username: string, source: string): Promise<void> {
    return settle(() => {
      this.releaseTx.immediate(userKey(username), sourceKey(source), this.now());
    });
  }

  prune(): Promise<number> {
    return settle(() => this.deleteStale.run({ window: this.limits.windowMs, now: this.now() }).changes);
  }
}
