// The leader lease on a real PostgreSQL database: several servers (each its own pool) compete; exactly one leads;
// a stopped leader hands over at once, a leader cut off from the database steps down by its own clock before the
// database gives the lease to another, and the epoch fences a deposed leader's writes. Short leases (600 ms) keep
// the waits short; every wait is for something the lease must do, polled, never a fixed sleep.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DB_NOW, fenced, LeaderLease, type LeaseEvent } from '../src/cluster/lease';
import { IDLE_IN_TRANSACTION_MS, inTransaction, openPostgres, type PgPool } from '../src/db/postgres';
import { freshDatabase } from './pg-support';
import { onCleanup } from './support';

const LEASE = { leaseMs: 600, renewMs: 200 };
const quiet = { info: () => undefined, warn: () => undefined };

async function server(
  url: string,
  name: string,
  // As server.ts opens it: a session idle inside a transaction for half a lease is ended by the database.
  idleInTransactionMs = LEASE.leaseMs / 2,
  lease_ = LEASE,
): Promise<{ pool: PgPool; lease: LeaderLease; events: LeaseEvent[] }> {
  const pool = await openPostgres(url, { poolSize: 3, idleInTransactionMs });
  const lease = new LeaderLease({ pool, name, ...lease_, log: quiet });
  const events: LeaseEvent[] = [];
  lease.on((e) => events.push(e));
  onCleanup(async () => {
    await lease.stop();
    await pool.end().catch(() => undefined);
  });
  return { pool, lease, events };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('leader lease', () => {
  it('lets exactly one of three servers lead, and hands over at once when the leader stops', async () => {
    const url = await freshDatabase();
    const servers = await Promise.all(['pd-1', 'pd-2', 'pd-3'].map((n) => server(url, n)));
    await Promise.all(servers.map((s) => s.lease.start()));
    const leaders = () => servers.filter((s) => s.lease.isLeader());
    expect(leaders()).toHaveLength(1);
    const first = leaders()[0]!;
    expect(first.lease.epoch()).toBe(1);
    expect(await first.lease.current()).toMatchObject({ holder: first.lease.holder, epoch: 1, live: true });

    // It keeps the lease over several renewals, and nobody else gets it meanwhile.
    await vi.waitFor(() => expect(first.events).toHaveLength(1), { timeout: 2000 });
    await new Promise((r) => setTimeout(r, LEASE.leaseMs * 2));
    expect(leaders()).toEqual([first]);

    await first.lease.stop();
    expect(first.events.at(-1)).toEqual({ kind: 'lost', epoch: 1, reason: 'this server is stopping' });
    // The next attempt of another server (within one renewal period) takes it, with the next epoch.
    await vi.waitFor(() => expect(leaders()).toHaveLength(1), { timeout: LEASE.renewMs * 3, interval: 20 });
    const second = leaders()[0]!;
    expect(second).not.toBe(first);
    expect(second.lease.epoch()).toBe(2);
    // Each gain names the holder it took the lease from: nobody for the first of a fresh database.
    expect(first.events[0]).toEqual({ kind: 'gained', epoch: 1, previous: null });
    expect(second.events.at(-1)).toEqual({ kind: 'gained', epoch: 2, previous: first.lease.holder });
    expect(second.lease.previousHolder()).toBe(first.lease.holder);
    expect(first.lease.previousHolder()).toBeNull();
  });

  it('a leader cut off from the database steps down by its own clock before another takes over', async () => {
    const url = await freshDatabase();
    const a = await server(url, 'pd-a');
    await a.lease.start();
    expect(a.lease.isLeader()).toBe(true);
    const b = await server(url, 'pd-b');
    await b.lease.start();
    expect(b.lease.isLeader()).toBe(false);

    // A's connections go: its renewals fail.
    await a.pool.end();
    await vi.waitFor(() => expect(a.lease.isLeader()).toBe(false), {
      timeout: LEASE.leaseMs * 2,
      interval: 10,
    });
    const aSteppedDown = Date.now();
    expect(a.events.at(-1)).toMatchObject({ kind: 'lost', epoch: 1 });
    await vi.waitFor(() => expect(b.lease.isLeader()).toBe(true), {
      timeout: LEASE.leaseMs * 3,
      interval: 10,
    });
    // B leads only after A stopped acting as leader: never two at once.
    expect(Date.now()).toBeGreaterThanOrEqual(aSteppedDown);
    expect(b.lease.epoch()).toBe(2);
  });

  it('a paused leader finds its lease gone the moment it wakes (its monotonic clock ran on)', async () => {
    const url = await freshDatabase();
    const pool = await openPostgres(url, { poolSize: 2 });
    let clock = 0;
    const lease = new LeaderLease({ pool, name: 'pd-paused', ...LEASE, log: quiet, monotonic: () => clock });
    onCleanup(async () => {
      await lease.stop();
      await pool.end();
    });
    await lease.start();
    expect(lease.isLeader()).toBe(true);
    clock += LEASE.leaseMs; // stopped for a whole lease
    expect(lease.isLeader()).toBe(false);
    expect(lease.epoch()).toBeNull();
  });

  it(
    'fences writes: a transaction holding the lease row keeps a takeover waiting; a deposed epoch is refused',
    { timeout: 30_000 },
    async () => {
      const url = await freshDatabase();
      // (The transaction below stays open longer than a lease on purpose: its session is not ended meanwhile.)
      // A longer lease here: B's own deadline counts from when its takeover was sent, and that waits for A's
      // transaction; B must still lead (by the database) when the fence is checked below, even on a loaded machine.
      const long = { leaseMs: 3000, renewMs: 1000 };
      const a = await server(url, 'pd-a', IDLE_IN_TRANSACTION_MS, long);
      await a.lease.start();
      const epoch = a.lease.epoch()!;
      const b = await server(url, 'pd-b', long.leaseMs / 2, long);

      // A's step transaction checks the fence while the lease is live and holds the row; A's renewals (UPDATEs of
      // the row) wait behind it, so the lease runs out by the database's clock meanwhile.
      const tx = await a.pool.connect();
      await tx.query('BEGIN');
      expect(await fenced(tx, epoch)).toBe(true);
      await vi.waitFor(async () => expect((await b.lease.current())?.live).toBe(false), {
        timeout: long.leaseMs * 3,
        interval: 20,
      });
      // B's takeover is an UPDATE of that row too: it waits for A's transaction.
      const takeover = b.lease.start();
      const waited = await Promise.race([
        takeover.then(() => 'taken'),
        new Promise((r) => setTimeout(() => r('waiting'), 300)),
      ]);
      expect(waited).toBe('waiting');
      expect(b.lease.isLeader()).toBe(false);
      await tx.query('COMMIT');
      tx.release();
      await takeover;
      // A's renewal, queued behind the same transaction, may reach the row first: it comes back past A's own
      // deadline, so A gives the lease back at once rather than sit on it; the next attempt (B's, or A's again)
      // takes it with the next epoch.
      await vi.waitFor(
        async () => expect(await b.lease.current()).toMatchObject({ epoch: epoch + 1, live: true }),
        { timeout: long.renewMs * 4, interval: 20 },
      );

      // From now on, A's old epoch no longer passes the fence; the new one does.
      const check = await b.pool.connect();
      try {
        await check.query('BEGIN');
        expect(await fenced(check, epoch)).toBe(false);
        expect(await fenced(check, epoch + 1)).toBe(true);
        await check.query('COMMIT');
      } finally {
        check.release();
      }
      await vi.waitFor(
        () => expect(a.events).toContainEqual(expect.objectContaining({ kind: 'lost', epoch })),
        {
          timeout: 5000,
        },
      );
    },
  );

  it('a leader stopped inside its step transaction does not keep the lease row: the database ends it, another takes over', async () => {
    const url = await freshDatabase();
    // A took the lease and is marking a step: its transaction holds the lease row FOR SHARE. Then A stops right
    // there (SIGSTOP, a paused VM, a cut-off network): it renews nothing, its connection stays open, its
    // transaction idle. (A is played by hand: a LeaderLease of this process would go on renewing.)
    const a = await openPostgres(url, { poolSize: 2, idleInTransactionMs: LEASE.leaseMs / 2 });
    onCleanup(() => a.end().catch(() => undefined));
    const taken = await a.query<{ epoch: number }>(
      `UPDATE leader_lease SET holder = 'pd-a#paused', epoch = epoch + 1, acquired_at = ${DB_NOW},
         expires_at = ${DB_NOW} + $1 WHERE id = 1 RETURNING epoch`,
      [LEASE.leaseMs],
    );
    const epoch = taken.rows[0]!.epoch;
    let wake = () => undefined as void;
    const asleep = new Promise<void>((resolve) => (wake = resolve));
    const step = inTransaction(a, async (client) => {
      expect(await fenced(client, epoch)).toBe(true);
      await asleep;
      await client.query('SELECT 1');
    });
    const stoppedAt = Date.now();

    // B's takeover is an UPDATE of that row. The database ends A's transaction once idle for half a lease, so
    // the takeover does not wait for A for ever: B leads at its first attempt after A's lease ran out.
    const b = await server(url, 'pd-b');
    onCleanup(() => wake()); // (first: B's lease stops with an UPDATE of that row)
    await b.lease.start();
    await vi.waitFor(() => expect(b.lease.isLeader()).toBe(true), {
      timeout: LEASE.leaseMs * 5,
      interval: 10,
    });
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(LEASE.leaseMs + LEASE.renewMs + 200);
    expect(await b.lease.current()).toMatchObject({ holder: b.lease.holder, epoch: epoch + 1 });

    // When A goes on, its transaction is gone: its step fails (nothing recorded), and A is not brought down (the
    // connection's end is no 'error' event without a listener); its pool goes on with a new connection.
    wake();
    await expect(step).rejects.toThrow();
    expect((await a.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
