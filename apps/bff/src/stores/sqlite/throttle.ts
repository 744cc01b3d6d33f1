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
import { counted, decide, released, type CounterRow, type Scope } from '../rows/throttle';
import type { Clock, ReserveDecision, SignInThrottle, ThrottleDecision, ThrottleLimits } from '../types';

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  userMaxFailures: 5,
  sourceMaxFailures: 20,
  windowMs: 15 * 60_000,
  lockoutMs: 15 * 60_000,
};

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
      const row = released(this.read.get('source', source), now, this.limits);
      if (row) this.write.run('source', source, row.failures, row.window_start, row.locked_until);
    });
  }

  private count(scope: Scope, key: string, max: number, now: number): number {
    const row = counted(this.read.get(scope, key), max, now, this.limits);
    this.write.run(scope, key, row.failures, row.window_start, row.locked_until);
    return row.failures;
  }

  private decide(user: string, source: string, now: number): ThrottleDecision {
    return decide(this.read.get('user', user), this.read.get('source', source), now);
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
