// Recent stops shared by every server on one PostgreSQL database (issue 17). Each server's tracker is fed by the
// snapshots it sees, so behind a round-robin load balancer their lists would differ (a server started after a stop
// lists nothing; one that skipped an intermediate snapshot may decide otherwise) and the wall's list would flicker
// from poll to poll. The leader's tracker is the one truth:
//
// - The leader (a duty: `gain`/`lose`): its first write of a term reads the stored list and has its own tracker
//   `adopt` it (nothing a previous leader listed is lost at a handover), then stores the merged list. After that,
//   whenever its tracker's list changes, it writes the `fleet_stops` row (migrations-postgres/004) and notifies
//   `powerdeck_fleet_stops` with the new version, in one statement, and only while its epoch leads and no newer
//   epoch wrote the row (a deposed leader's write is a no-op). One write at a time; a burst collapses to the latest.
// - Every server (the leader included): `app.fleetStops` serves the row, parsed once per version; it re-reads the row
//   when notified of a newer version and after every reconnection of the event bus (a notice may have been lost).
//   An entry is dropped STOP_MEMORY_MS after it was seen, by each server's clock, as the tracker does.
// - Every server keeps feeding its own tracker from the shared snapshots, so that one that becomes leader already has
//   the recent history (stops seen since it started, and when each VM came up).
import type { FleetStop } from '@powerdeck/contracts/fleet';
import { isPowerStatus } from '@powerdeck/contracts/power-terms';
import type { PgPool } from '../db/postgres';
import { listOf, newestFirst, type FleetStopTracker, type StopEntry, type StopList } from '../fleet/stops';
import { CHANNELS, type Bus } from './bus';
import { DB_NOW } from './lease';

type LogFn = (obj: object, msg: string) => void;

export interface SharedStopsLog {
  warn: LogFn;
}

export interface SharedStopsOptions {
  pool: PgPool;
  bus: Bus;
  /** This server's tracker (fed by the shared snapshots by the plugin). */
  tracker: Pick<FleetStopTracker, 'adopt' | 'entries' | 'onChange' | 'settled'>;
  /** The epoch this server leads with, or null. */
  epoch: () => number | null;
  /** How long a stop stays listed. */
  memoryMs: number;
  log: SharedStopsLog;
  /** Epoch ms (default Date.now; tests move it). */
  now?: () => number;
}

function isStopEntry(value: unknown): value is StopEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(v.key) &&
    Number.isFinite(v.atMs) &&
    Number.isFinite(v.seenIn) &&
    isPowerStatus(v.status) &&
    (v.by === null || typeof v.by === 'string')
  );
}

/** A stored list, newest first; an entry of another shape (a row from a later version) is left out. */
export function parseStops(body: string): StopEntry[] {
  const parsed: unknown = JSON.parse(body);
  return Array.isArray(parsed) ? newestFirst(parsed.filter(isStopEntry)) : [];
}

/**
 * Writes the leader's list under its epoch and notifies the new version, in one statement. The lease row is held FOR
 * SHARE (as the operation store's fencing does): a takeover's UPDATE waits for this write, or this write, waiting for
 * the takeover, finds its epoch gone and writes nothing. So the new leader's first read (after its takeover
 * committed) sees every list the previous leader stored.
 */
const WRITE = `
  WITH w AS (
    UPDATE fleet_stops SET body = $1, version = version + 1, epoch = $2, written_at = ${DB_NOW}
    WHERE id = 1 AND epoch <= $2 AND EXISTS (SELECT 1 FROM leader_lease WHERE id = 1 AND epoch = $2 FOR SHARE)
    RETURNING version)
  SELECT version, pg_notify($3, version::text) FROM w`;

export class SharedStops implements StopList {
  /** The stored list served, newest first, and its version (-1: not read yet). */
  private served: StopEntry[] = [];
  private version = -1;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  /** This server's term as leader: the epoch, and whether the stored list was adopted yet. */
  private term: { epoch: number; adopted: boolean } | null = null;
  /** The body this server last stored in this term. */
  private written: string | null = null;
  private writing: Promise<void> = Promise.resolve();
  private pending = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly options: SharedStopsOptions) {
    this.now = options.now ?? Date.now;
    // From the start (not `start()`): the lease may be gained before this server's `start()` has run.
    this.unsubscribe.push(options.tracker.onChange(() => this.changed()));
  }

  /** Reads the row and listens for changes. */
  async start(): Promise<void> {
    const { bus } = this.options;
    this.unsubscribe.push(
      bus.on(CHANNELS.fleetStops, (payload) => this.notified(payload)),
      bus.onResync(() => void this.read()),
    );
    await this.read();
  }

  stop(): void {
    this.term = null;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  list(): FleetStop[] {
    return listOf(this.served, this.now() - this.options.memoryMs);
  }

  /** Resolves once the tracker has handled what it observed and the writes and reads under way are done. */
  async settled(): Promise<void> {
    await this.options.tracker.settled();
    await this.writing;
    await this.reading;
  }

  /**
   * This server gained the lease: adopt the stored list, then store every change of its tracker's list. Does not
   * wait for that first write (the duties after this one, the engine among them, need not wait for a list).
   */
  gain(epoch: number): void {
    this.term = { epoch, adopted: false };
    this.written = null;
    this.changed();
  }

  /** This server lost the lease (or closes): stop storing; waits for the write under way. */
  lose(): Promise<void> {
    this.term = null;
    return this.writing;
  }

  /** The tracker's list changed (or a term began): store it, once the write under way is done. */
  private changed(): void {
    if (this.term === null || this.pending) return;
    this.pending = true;
    this.writing = this.writing.then(async () => {
      this.pending = false;
      try {
        await this.publish();
      } catch (err) {
        this.options.log.warn({ err: (err as Error).message }, 'could not share the recent stops');
        // The next change tries again (adopting first, when that was what failed).
      }
    });
  }

  private async publish(): Promise<void> {
    const term = this.term;
    if (term === null || this.options.epoch() !== term.epoch) return;
    const { pool, tracker } = this.options;
    if (!term.adopted) {
      const r = await pool.query<{ body: string }>('SELECT body FROM fleet_stops WHERE id = 1');
      const stored = r.rows[0];
      await tracker.adopt(stored ? parseStops(stored.body) : []);
      term.adopted = true;
    }
    // A snapshot being handled (its audit look-ups under way) is stored once done, not half way.
    await tracker.settled();
    if (this.term !== term) return;
    const body = JSON.stringify(tracker.entries());
    // The first write of a term always goes through: the row then carries this epoch, and an older one's late
    // write is refused.
    if (body === this.written) return;
    const r = await pool.query<{ version: number }>(WRITE, [body, term.epoch, CHANNELS.fleetStops]);
    const version = r.rows[0]?.version;
    if (version === undefined) return; // no longer leads: a no-op
    this.written = body;
    // Served at once here (the notice that follows is then for a version this server has).
    this.take(version, body);
  }

  private notified(payload: string): void {
    const version = Number(payload);
    if (Number.isSafeInteger(version) && version <= this.version) return;
    void this.read();
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
        try {
          const r = await this.options.pool.query<{ version: number; body: string }>(
            'SELECT version, body FROM fleet_stops WHERE id = 1',
          );
          const row = r.rows[0];
          if (row) this.take(row.version, row.body);
        } catch (err) {
          this.options.log.warn({ err: (err as Error).message }, 'could not read the recent stops');
        }
      } while (this.readAgain);
    })().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** Serves a stored version when newer than the one served (a read that overtook a write changes nothing). */
  private take(version: number, body: string): void {
    if (version <= this.version) return;
    try {
      this.served = parseStops(body);
      this.version = version;
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'the stored recent stops are not readable');
    }
  }
}
