// Leadership among servers sharing one PostgreSQL database (issue 17): a lease in one row (`leader_lease`,
// migrations-postgres/002) with an epoch that grows at every change of holder — the fencing token.
//
// - Who leads is decided by the database's clock only (`expires_at` against clock_timestamp()), so servers whose
//   clocks disagree still agree on the holder. Taking the lease is one UPDATE that succeeds only when it has
//   expired; renewing is one UPDATE that succeeds only for the current holder and epoch before expiry.
// - The holder also keeps a local deadline on its monotonic clock: the moment it sent its last successful renewal,
//   plus 90 % of the lease. Past it, the server no longer acts as leader, whatever it last heard, so a paused or
//   partitioned leader stops before the database gives the lease to another (the monotonic clock runs on while a
//   process is stopped, so a SIGSTOPped leader finds its deadline passed the moment it wakes).
// - Fencing: the engine marks a step `sending` only in a transaction that holds the lease row FOR SHARE and finds
//   its epoch current and unexpired (`fenced`); a takeover's UPDATE waits for that transaction, and a step marked
//   after it fails. A step marked before a takeover is one the new leader finds `sending` and never sends again;
//   the old leader asks isLeader() once more before the request leaves (StepSender's mayAct), so a pause between
//   marking and sending sends nothing either.
// - Renewal every `renewMs` (at most half the lease): one late renewal does not lose it. A graceful stop releases
//   the lease (expires it now), so another server takes over at its next attempt rather than after the lease.
import { randomBytes } from 'node:crypto';
import type { PgClient, PgPool } from '../db/postgres';

/** The database's clock in epoch ms. */
export const DB_NOW = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** The part of the local deadline's margin: act as leader for at most this share of the lease after a renewal. */
const LOCAL_SHARE = 0.9;

type LogFn = (obj: object, msg: string) => void;

export interface LeaseLog {
  info: LogFn;
  warn: LogFn;
}

export interface LeaseOptions {
  pool: PgPool;
  /** This server's name (POWERDECK_SERVER_NAME); the holder is the name and a random instance id. */
  name: string;
  leaseMs: number;
  renewMs: number;
  log: LeaseLog;
  /** Monotonic ms (tests). */
  monotonic?: () => number;
}

/** Who holds the lease, as the database says. */
export interface LeaseHolder {
  holder: string;
  epoch: number;
  /** Database clock (epoch ms). */
  expiresAt: number;
  /** Whether it is still unexpired by the database's clock. */
  live: boolean;
}

/**
 * `gained` names the holder the lease was taken from (`previous`; null when nobody ever held it): alerts tell people
 * when another server took over (alerts/sources/leader.ts).
 */
export type LeaseEvent =
  | { kind: 'gained'; epoch: number; previous: string | null }
  | { kind: 'lost'; epoch: number; reason: string };

/** The server's name in a holder (`name#instance`, see LeaderLease.holder). */
export function serverOf(holder: string): string {
  const i = holder.lastIndexOf('#');
  return i < 0 ? holder : holder.slice(0, i);
}

/**
 * Inside a transaction that is about to mark a step `sending`: holds the lease row FOR SHARE and answers whether
 * `epoch` still leads (current and unexpired). A takeover waits for this transaction to end.
 */
export async function fenced(client: PgClient, epoch: number): Promise<boolean> {
  const r = await client.query(
    `SELECT 1 FROM leader_lease WHERE id = 1 AND epoch = $1 AND expires_at > ${DB_NOW} FOR SHARE`,
    [epoch],
  );
  return r.rowCount === 1;
}

export class LeaderLease {
  readonly holder: string;
  private readonly pool: PgPool;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly log: LeaseLog;
  private readonly monotonic: () => number;
  private held: { epoch: number; deadline: number } | null = null;
  /** Who held the lease before this server's current term (see `previousHolder`). */
  private takenFrom: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;
  private readonly listeners = new Set<(e: LeaseEvent) => void>();

  constructor(options: LeaseOptions) {
    if (!(options.renewMs > 0 && options.renewMs * 2 <= options.leaseMs)) {
      throw new RangeError('renewMs must be above 0 and at most half of leaseMs');
    }
    this.pool = options.pool;
    this.holder = `${options.name}#${randomBytes(4).toString('hex')}`;
    this.leaseMs = options.leaseMs;
    this.renewMs = options.renewMs;
    this.log = options.log;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** Called with each gain and loss of the lease; returns an unsubscribe function. */
  on(listener: (e: LeaseEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** This server leads now: it holds the lease and its local deadline has not passed. */
  isLeader(): boolean {
    if (this.held === null) return false;
    if (this.monotonic() < this.held.deadline) return true;
    this.lose('the lease was not renewed in time');
    return false;
  }

  /** The epoch this server leads with, or null. */
  epoch(): number | null {
    return this.isLeader() ? (this.held?.epoch ?? null) : null;
  }

  /** While this server leads: the holder it took the lease from (null: nobody had held it). Null otherwise. */
  previousHolder(): string | null {
    return this.held === null ? null : this.takenFrom;
  }

  /** Tries to take the lease now, then renews or tries again every renewMs until stopped. */
  start(): Promise<void> {
    this.stopped = false;
    return this.tick();
  }

  /** Who holds the lease now, by the database (null: nobody ever did). */
  async current(): Promise<LeaseHolder | null> {
    const r = await this.pool.query<{
      holder: string | null;
      epoch: number;
      expires_at: number;
      now: number;
    }>(`SELECT holder, epoch, expires_at, ${DB_NOW} AS now FROM leader_lease WHERE id = 1`);
    const row = r.rows[0];
    if (!row?.holder) return null;
    return {
      holder: row.holder,
      epoch: row.epoch,
      expiresAt: row.expires_at,
      live: row.expires_at > row.now,
    };
  }

  /** Stops trying; releases the lease when held (another server may take it at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    const held = this.held;
    if (held === null) return;
    this.lose('this server is stopping');
    await this.release(held.epoch);
  }

  private tick(): Promise<void> {
    this.ticking = (async () => {
      clearTimeout(this.timer);
      const sentAt = this.monotonic();
      try {
        // A server that just lost (or gave back) the lease does not ask again in the same breath: the others get
        // a chance first.
        if (this.held !== null) await this.renew(this.held.epoch, sentAt);
        else if (!this.stopped) await this.acquire(sentAt);
      } catch (err) {
        // The database cannot be reached: a holder keeps leading until its local deadline (isLeader), no longer.
        this.log.warn({ err: (err as Error).message }, 'cannot reach the database for the leader lease');
        this.isLeader();
      }
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.renewMs);
    })();
    return this.ticking;
  }

  private async renew(epoch: number, sentAt: number): Promise<void> {
    const r = await this.pool.query(
      `UPDATE leader_lease SET expires_at = ${DB_NOW} + $3
       WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at > ${DB_NOW}`,
      [this.holder, epoch, this.leaseMs],
    );
    if (r.rowCount !== 1 || this.held?.epoch !== epoch) {
      this.lose('another server took the lease, or it expired');
    } else if (this.late(sentAt)) {
      // The UPDATE waited (behind a stalled transaction holding the row) past this server's own deadline: the
      // database renewed a lease this server no longer acts on. Give it back, so another takes over at once.
      this.lose('the renewal came back too late');
      await this.release(epoch);
    } else {
      this.hold(epoch, sentAt);
    }
  }

  /** The answer to a request sent at `sentAt` came back after the local deadline it would set. */
  private late(sentAt: number): boolean {
    return this.monotonic() >= sentAt + this.leaseMs * LOCAL_SHARE;
  }

  private async release(epoch: number): Promise<void> {
    await this.pool
      .query(`UPDATE leader_lease SET expires_at = ${DB_NOW} WHERE id = 1 AND holder = $1 AND epoch = $2`, [
        this.holder,
        epoch,
      ])
      .catch(() => undefined);
  }

  private async acquire(sentAt: number): Promise<void> {
    // RETURNING gives the row as updated: the holder before comes from the same row joined as it was read (without
    // a lock, so that the others' attempts every renewMs never wait on the row; under a race it may name an older
    // holder, which only the alert's words would show).
    const r = await this.pool.query<{ epoch: number; previous: string | null }>(
      `UPDATE leader_lease l SET holder = $1, epoch = l.epoch + 1, acquired_at = ${DB_NOW},
         expires_at = ${DB_NOW} + $2
       FROM (SELECT holder FROM leader_lease WHERE id = 1) before
       WHERE l.id = 1 AND l.expires_at <= ${DB_NOW} RETURNING l.epoch, before.holder AS previous`,
      [this.holder, this.leaseMs],
    );
    const epoch = r.rows[0]?.epoch;
    const previous = r.rows[0]?.previous ?? null;
    if (epoch === undefined) return;
    if (this.stopped || this.late(sentAt)) {
      // Taken, but too late to act on (or while stopping): give it back rather than hold it unused.
      await this.release(epoch);
      return;
    }
    this.hold(epoch, sentAt);
    this.takenFrom = previous;
    this.log.info({ holder: this.holder, epoch, previous }, 'this server is now the leader');
    this.emit({ kind: 'gained', epoch, previous });
  }

  private hold(epoch: number, sentAt: number): void {
    const deadline = sentAt + this.leaseMs * LOCAL_SHARE;
    this.held = { epoch, deadline };
    // Steps down at the deadline even when no tick runs (a renewal that hangs).
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.isLeader(), Math.max(0, deadline - this.monotonic()) + 1);
    this.watchdog.unref();
  }

  private lose(reason: string): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    clearTimeout(this.watchdog);
    this.log.warn({ holder: this.holder, epoch: held.epoch, reason }, 'this server is no longer the leader');
    this.emit({ kind: 'lost', epoch: held.epoch, reason });
  }

  private emit(e: LeaseEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
