// Sign-in throttling in PostgreSQL: the same counters and rules as the SQLite store (../sqlite/throttle.ts), shared by
// every server on the database, so a name or an address is held to one limit whichever servers the guesses reach.
//
// A reservation reads both counters (the name's and the address's), refuses while either is locked, and otherwise
// counts the attempt in both: a read, a decision and two writes that must be one step, or guesses arriving together
// would all read the counts before any of them was written (SQLite makes it one step with its one writer, BEGIN
// IMMEDIATE). Here each runs in a transaction that first takes a transaction-scoped advisory lock per counter
// (LOCKS.throttle with a 32-bit hash of the scope and key), the two in ascending order so that two reservations can
// never wait on each other (two counters whose hashes meet only share a lock: they wait, never miscount). A lock per
// counter, rather than row locks (a counter's row need not exist yet) or one lock for all, keeps a flood of guesses at
// one name from queueing the sign-ins of everyone else. `release` takes the same locks; `check` only reads; `prune`
// deletes only counters whose window and lock have both passed, which a reservation treats as absent anyway.
import { createHash } from 'node:crypto';
import { inTransaction, type PgClient, type PgPool } from '../../db/postgres';
import { counted, decide, released, type CounterRow, type Scope } from '../rows/throttle';
import { DEFAULT_THROTTLE_LIMITS, sourceKey, userKey } from '../sqlite/throttle';
import type { Clock, ReserveDecision, SignInThrottle, ThrottleDecision, ThrottleLimits } from '../types';
import { LOCKS } from './sql';

interface Counters {
  user: CounterRow | undefined;
  source: CounterRow | undefined;
}

/** The second half of a counter's advisory lock key: a signed 32-bit hash of its scope and key. */
function lockId(scope: Scope, key: string): number {
  return createHash('sha256').update(`${scope}\0${key}`, 'utf8').digest().readInt32BE(0);
}

export class PgSignInThrottle implements SignInThrottle {
  private readonly now: Clock;
  readonly limits: ThrottleLimits;

  constructor(
    private readonly pool: PgPool,
    options: { now?: Clock; limits?: Partial<ThrottleLimits> } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.limits = { ...DEFAULT_THROTTLE_LIMITS, ...options.limits };
  }

  /** Takes the two counters' locks for the rest of the transaction, in ascending order. */
  private async lock(client: PgClient, user: string, source: string): Promise<void> {
    const ids = [lockId('user', user), lockId('source', source)].sort((a, b) => a - b);
    for (const id of ids) await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCKS.throttle, id]);
  }

  /** The name's and the address's counters (absent: none yet), in one read. */
  private async counters(db: PgPool | PgClient, user: string, source: string): Promise<Counters> {
    const r = await db.query<CounterRow & { scope: Scope }>(
      `SELECT scope, failures, window_start, locked_until FROM signin_throttle
        WHERE (scope = 'user' AND key = $1) OR (scope = 'source' AND key = $2)`,
      [user, source],
    );
    return {
      user: r.rows.find((row) => row.scope === 'user'),
      source: r.rows.find((row) => row.scope === 'source'),
    };
  }

  private async write(client: PgClient, scope: Scope, key: string, row: CounterRow): Promise<void> {
    await client.query(
      `INSERT INTO signin_throttle (scope, key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, key) DO UPDATE SET failures = excluded.failures,
         window_start = excluded.window_start, locked_until = excluded.locked_until`,
      [scope, key, row.failures, row.window_start, row.locked_until],
    );
  }

  /** Counts an attempt on a counter (`row`: as read under its lock); its failures in the window, this one included. */
  private async count(
    client: PgClient,
    scope: Scope,
    key: string,
    row: CounterRow | undefined,
    max: number,
    now: number,
  ): Promise<number> {
    const next = counted(row, max, now, this.limits);
    await this.write(client, scope, key, next);
    return next.failures;
  }

  async check(username: string, source: string): Promise<ThrottleDecision> {
    const now = this.now();
    const counters = await this.counters(this.pool, userKey(username), sourceKey(source));
    return decide(counters.user, counters.source, now);
  }

  reserve(username: string, source: string): Promise<ReserveDecision> {
    const user = userKey(username);
    const address = sourceKey(source);
    return inTransaction(this.pool, async (client): Promise<ReserveDecision> => {
      await this.lock(client, user, address);
      // The time once the locks are held: a reservation that waited counts when it is counted.
      const now = this.now();
      const counters = await this.counters(client, user, address);
      const decision = decide(counters.user, counters.source, now);
      if (!decision.allowed) return decision;
      const userFailures = await this.count(
        client,
        'user',
        user,
        counters.user,
        this.limits.userMaxFailures,
        now,
      );
      const sourceFailures = await this.count(
        client,
        'source',
        address,
        counters.source,
        this.limits.sourceMaxFailures,
        now,
      );
      return { allowed: true, failures: Math.max(userFailures, sourceFailures) };
    });
  }

  async release(username: string, source: string): Promise<void> {
    const user = userKey(username);
    const address = sourceKey(source);
    await inTransaction(this.pool, async (client) => {
      await this.lock(client, user, address);
      const now = this.now();
      const row = (await this.counters(client, user, address)).source;
      await client.query("DELETE FROM signin_throttle WHERE scope = 'user' AND key = $1", [user]);
      const next = released(row, now, this.limits);
      if (next) await this.write(client, 'source', address, next);
    });
  }

  async prune(): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM signin_throttle
        WHERE window_start + $1 <= $2 AND (locked_until IS NULL OR locked_until <= $2)`,
      [this.limits.windowMs, this.now()],
    );
    return r.rowCount ?? 0;
  }
}
