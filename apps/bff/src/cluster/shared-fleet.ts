// The fleet snapshot shared by every server on one PostgreSQL database (issue 17). Only the leader polls VergeOS, so
// VergeOS sees one poller whatever the number of servers.
//
// - FleetPublisher (the leader): after each poll, writes the poller's state to the one `fleet_state` row (its body
//   and ETag only when they changed, else just when VergeOS last answered) and notifies `powerdeck_fleet` with the
//   ETag and that time, in the same statement, and only while its epoch still leads (a deposed leader's write is a
//   no-op). The new leader's "waiting for the first poll" state is never written: servers keep the last data until
//   it has polled.
// - SharedFleet (every server, the leader included: `app.fleet` in PostgreSQL mode): the FleetPoller the routes,
//   event streams, the wall and the engine read. It holds the row's state (the body parsed once per change) and
//   re-reads the row when notified of another ETag, and after every reconnection of the event bus. When no server
//   has polled for three poll intervals (the leader died, a new one is not yet polling), it serves the last data
//   marked stale, saying so, until a poll comes in again. `wake()` and `actionAccepted()` ask the leader to poll.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import type { PgPool } from '../db/postgres';
import type { PollerLog } from '../fleet/poller';
import { buildState, etagOf, initialContent, serialiseContent, type FleetContent } from '../fleet/snapshot';
import type { FleetPoller, FleetPollerStatus, FleetState } from '../fleet/types';
import { CHANNELS, type Bus } from './bus';
import { DB_NOW } from './lease';

interface FleetNotice {
  etag: string;
  lastSuccessAt: number | null;
}

/** How the local poller is seen by the publisher. */
export interface PublishedPoller {
  current(): FleetState;
  lastSuccessAt(): number | null;
  status(): FleetPollerStatus;
  wake(): void;
  actionAccepted(): void;
}

export class FleetPublisher {
  private written: { etag: string; lastSuccessAt: number | null } | null = null;
  private writing: Promise<void> = Promise.resolve();
  private pending = false;

  constructor(
    private readonly deps: {
      pool: PgPool;
      poller: PublishedPoller;
      /** The epoch this server leads with, or null. */
      epoch: () => number | null;
      log: PollerLog;
    },
  ) {}

  /** After every poll: writes what changed (one write at a time; a burst collapses to the latest). */
  polled(): void {
    if (this.pending) return;
    this.pending = true;
    this.writing = this.writing.then(async () => {
      this.pending = false;
      try {
        await this.write();
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'could not share the fleet snapshot');
      }
    });
  }

  /** Waits for the writes under way (tests, shutdown). */
  settled(): Promise<void> {
    return this.writing;
  }

  private async write(): Promise<void> {
    const epoch = this.deps.epoch();
    if (epoch === null) return;
    const { poller } = this.deps;
    const state = poller.current();
    const status = poller.status();
    // Nothing to tell before the first answer or failure: keep the last leader's data on every server.
    if (state.snapshot.fetchedAt === null && status.lastFailureAt === null) return;
    const lastSuccessAt = poller.lastSuccessAt();
    const notice = JSON.stringify({ etag: state.etag, lastSuccessAt } satisfies FleetNotice);
    if (this.written?.etag === state.etag) {
      if (this.written.lastSuccessAt === lastSuccessAt) return;
      await this.deps.pool.query(
        `WITH w AS (
           UPDATE fleet_state SET last_success_at = $1, written_at = ${DB_NOW}
           WHERE id = 1 AND etag = $2 AND EXISTS (SELECT 1 FROM leader_lease WHERE id = 1 AND epoch = $3)
           RETURNING 1)
         SELECT pg_notify($4, $5) FROM w`,
        [lastSuccessAt, state.etag, epoch, CHANNELS.fleet, notice],
      );
    } else {
      await this.deps.pool.query(
        `WITH w AS (
           INSERT INTO fleet_state (id, etag, body, last_success_at, epoch, written_at)
           SELECT 1, $1, $2, $3, $4, ${DB_NOW} WHERE EXISTS (SELECT 1 FROM leader_lease WHERE id = 1 AND epoch = $4)
           ON CONFLICT (id) DO UPDATE SET etag = EXCLUDED.etag, body = EXCLUDED.body,
             last_success_at = EXCLUDED.last_success_at, epoch = EXCLUDED.epoch, written_at = EXCLUDED.written_at
           RETURNING 1)
         SELECT pg_notify($5, $6) FROM w`,
        [state.etag, state.body, lastSuccessAt, epoch, CHANNELS.fleet, notice],
      );
    }
    this.written = { etag: state.etag, lastSuccessAt };
  }
}

interface SharedFleetOptions {
  pool: PgPool;
  bus: Bus;
  log: PollerLog;
  /** The poll cadence configured (the first snapshot's, before any is read). */
  intervalMs: number;
  /** Epoch ms (tests). */
  now?: () => number;
  /** How often to look whether the data has gone silent (default 500 ms). */
  checkEveryMs?: number;
}

/** A stale copy of a state: the same data, said to be stale since `since`, with why. */
function staleState(state: FleetState, since: number, reason: string): FleetState {
  const s = state.snapshot;
  const content: FleetContent = {
    stale: true,
    staleReason: reason,
    staleSince: new Date(since).toISOString(),
    pollIntervalMs: s.pollIntervalMs,
    normalIntervalMs: s.normalIntervalMs,
    vms: s.vms,
    nodes: s.nodes,
  };
  return buildState(s.fetchedAt, content, serialiseContent(content));
}

export const SILENT_REASON =
  'no Powerdeck server has polled VergeOS lately: the leading server stopped, and another takes over in a moment';

export class SharedFleet implements FleetPoller {
  private shared: FleetState;
  private served: FleetState;
  private lastSuccess: number | null = null;
  private readonly listeners = new Set<(state: FleetState) => void>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private unsubscribe: (() => void)[] = [];
  private reads = 0;

  constructor(private readonly options: SharedFleetOptions) {
    this.now = options.now ?? Date.now;
    const content = initialContent(options.intervalMs);
    this.shared = buildState(null, content, serialiseContent(content));
    this.served = this.shared;
  }

  /** Reads the row, listens for changes, and starts watching for silence. */
  async start(): Promise<void> {
    const { bus } = this.options;
    this.unsubscribe.push(
      bus.on(CHANNELS.fleet, (payload) => this.notified(payload)),
      bus.onResync(() => void this.read()),
    );
    await this.read();
    this.timer = setInterval(() => this.checkSilence(), this.options.checkEveryMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const u of this.unsubscribe.splice(0)) u();
    this.listeners.clear();
  }

  current(): FleetState {
    return this.served;
  }

  subscribe(listener: (state: FleetState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  wake(): void {
    void this.options.bus.notify(CHANNELS.fleetWake, 'wake', this.options.pool).catch(() => undefined);
  }

  actionAccepted(): void {
    void this.options.bus.notify(CHANNELS.fleetWake, 'fast', this.options.pool).catch(() => undefined);
  }

  /** The leader polls on its own schedule and backs off by itself: nothing to do here. */
  upstreamAnswered(): void {}

  lastSuccessAt(): number | null {
    return this.lastSuccess;
  }

  dataAgeMs(): number | null {
    return this.lastSuccess === null ? null : Math.max(0, Math.round(this.now() - this.lastSuccess));
  }

  status(): FleetPollerStatus {
    return {
      lastSuccessAt: this.lastSuccess,
      lastFailureAt: null,
      consecutiveFailures: 0,
      polls: this.reads,
      polling: this.reading !== null,
      scheduled: this.timer !== undefined,
      pollIntervalMs: this.served.snapshot.pollIntervalMs,
      subscribers: this.listeners.size,
      stopped: this.timer === undefined,
    };
  }

  private notified(payload: string): void {
    let notice: FleetNotice;
    try {
      notice = JSON.parse(payload) as FleetNotice;
    } catch {
      return;
    }
    if (notice.etag === this.shared.etag) {
      this.lastSuccess = notice.lastSuccessAt;
      this.serve(this.shared);
    } else {
      void this.read();
    }
  }

  /** Reads the row (one read at a time; a notice during a read reads again after it). */
  private read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        this.reads += 1;
        try {
          const r = await this.options.pool.query<{
            etag: string;
            body: string;
            last_success_at: number | null;
          }>('SELECT etag, body, last_success_at FROM fleet_state WHERE id = 1');
          const row = r.rows[0];
          if (row && row.etag !== this.shared.etag) {
            const snapshot = JSON.parse(row.body) as FleetSnapshot;
            this.shared = { snapshot, body: row.body, etag: row.etag || etagOf(row.body) };
          }
          if (row) this.lastSuccess = row.last_success_at;
          this.serve(this.shared);
        } catch (err) {
          this.options.log.warn({ err: (err as Error).message }, 'could not read the shared fleet snapshot');
        }
      } while (this.readAgain);
    })().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private checkSilence(): void {
    this.serve(this.shared);
  }

  /** Serves the shared state, or its stale copy when nobody has polled for three poll intervals. */
  private serve(shared: FleetState): void {
    let next = shared;
    const last = this.lastSuccess;
    const silentAfter = 3 * shared.snapshot.pollIntervalMs;
    if (!shared.snapshot.stale && last !== null && this.now() - last > silentAfter) {
      next =
        this.served.snapshot.stale && this.served.snapshot.fetchedAt === shared.snapshot.fetchedAt
          ? this.served
          : staleState(shared, last, SILENT_REASON);
    }
    if (next.etag === this.served.etag) return;
    this.served = next;
    for (const l of [...this.listeners]) {
      try {
        l(next);
      } catch (err) {
        this.options.log.error({ err }, 'a fleet listener failed');
      }
    }
  }
}
