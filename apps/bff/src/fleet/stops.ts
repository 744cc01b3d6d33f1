// Recent stops, and who made them (`GET /api/fleet/stops`; the contract is FleetStop in packages/contracts/src/fleet.ts).
// The tracker watches the poller's snapshots (only when one changed, never per request): it keeps each VM's last
// status, and when a VM goes from a running status to `stopped` or `error` it asks the audit log for an accepted
// stop of that VM through Powerdeck shortly before (shut down, force off, a hard reset, an operation's step), and
// after the VM last came up: a shut down at 10:00, a start outside Powerdeck at 10:02 and a crash at 10:05 is a
// crash. Its actor is `by`; none means the VM went down unexpectedly. In memory only, at most one entry per VM
// of the fleet.
//
// Several servers (issue 17): every server's tracker watches the shared snapshots, but the leader's list is the one
// served (cluster/shared-stops.ts stores it whenever it changes: `onChange`, `entries`). A server that gains the lease
// first `adopt`s the stored list, so nothing the previous leader listed is lost at a handover. Each stop carries the
// `fetchedAt` of the snapshot it was first seen in (`seenIn`): the same on every server, unlike the clocks, it tells
// whether a server saw the VM run again after a stored stop.
import { STOP_MEMORY_MS, type FleetSnapshot, type FleetStop, type FleetVm } from '@powerdeck/contracts/fleet';
import { RUNNING_STATUSES, STOPPED_STATUSES, type PowerStatus } from '@powerdeck/contracts/power-terms';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditStore, Clock } from '../stores/types';

/** How long before a stop is seen an accepted stop action in the audit log still explains it. */
export const STOP_ATTRIBUTION_WINDOW_MS = 10 * 60_000;

interface FleetStopTrackerOptions {
  audit: Pick<AuditStore, 'lastAcceptedStop'>;
  log: FastifyBaseLogger;
  /** How long a stop stays listed (default STOP_MEMORY_MS). */
  memoryMs?: number;
  /** Epoch ms (default Date.now; tests move it). */
  now?: Clock;
}

/** A stop as the tracker keeps it, and as several servers store the leader's list (cluster/shared-stops.ts). */
export interface StopEntry {
  key: number;
  /** When the tracker saw it stop (epoch ms, by its server's clock). */
  atMs: number;
  status: PowerStatus;
  by: string | null;
  /** The `fetchedAt` (epoch ms) of the snapshot it was first seen stopped in: the same on every server. */
  seenIn: number;
}

/** What `app.fleetStops` is: this tracker with one server, the leader's stored list with several. */
export interface StopList {
  /** The stops still remembered, newest first. */
  list(): FleetStop[];
  /** Resolves once the snapshots observed so far are handled (and, with several servers, their list shared). */
  settled(): Promise<void>;
}

/** Entries sorted newest first (the order `list()` answers in). */
export function newestFirst(entries: Iterable<StopEntry>): StopEntry[] {
  return [...entries].sort((a, b) => b.atMs - a.atMs || a.key - b.key);
}

/** The entries newer than `oldest` (epoch ms) as the contract's FleetStop, in the order given. */
export function listOf(entries: readonly StopEntry[], oldest: number): FleetStop[] {
  return entries
    .filter((s) => s.atMs > oldest)
    .map((s) => ({ key: s.key, at: new Date(s.atMs).toISOString(), status: s.status, by: s.by }));
}

export class FleetStopTracker implements StopList {
  private readonly audit: Pick<AuditStore, 'lastAcceptedStop'>;
  private readonly log: FastifyBaseLogger;
  private readonly memoryMs: number;
  private readonly now: Clock;
  /** Each VM's status in the last snapshot; null until the first snapshot with data. */
  private previous: Map<number, PowerStatus> | null = null;
  private readonly stops = new Map<number, StopEntry>();
  /**
   * When this BFF saw a VM come up (from a stopped status to a running one), for the VMs it saw come up; a VM
   * already up in the first snapshot came up at an unknown time.
   */
  private readonly upSince = new Map<number, number>();
  /** The `fetchedAt` (epoch ms) of the last snapshot each VM was seen running in. */
  private readonly runningIn = new Map<number, number>();
  private readonly changeListeners = new Set<() => void>();
  private readonly stopListeners = new Set<(stop: StopEntry, vm: FleetVm) => void>();
  /** Snapshots are handled one after the other (a stop's audit look-up is asynchronous). */
  private queue: Promise<void> = Promise.resolve();

  constructor(options: FleetStopTrackerOptions) {
    this.audit = options.audit;
    this.log = options.log;
    this.memoryMs = options.memoryMs ?? STOP_MEMORY_MS;
    this.now = options.now ?? Date.now;
    if (!(this.memoryMs > 0)) throw new TypeError('memoryMs must be a positive number of ms');
  }

  /** Takes a new snapshot into account; resolves once it (and every one before it) is handled. */
  observe(snapshot: FleetSnapshot): Promise<void> {
    return this.enqueue(() => this.handle(snapshot));
  }

  /**
   * Merges a list stored by another server (the previous leader's), after the snapshots observed so far: a stored
   * stop is kept, in place of this tracker's entry for the same VM, unless it has expired, its VM left the fleet or
   * runs now, or this tracker saw that VM running in a snapshot after the one the stop was seen in (then this
   * tracker's entry, a later stop, stands).
   */
  adopt(stored: readonly StopEntry[]): Promise<void> {
    return this.enqueue(() => this.merge(stored));
  }

  /** Called after a snapshot or a merge changed the list; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Called once for each stop this tracker decides is unexpected (nobody stopped the VM through Powerdeck), with the
   * VM as the snapshot showed it stopped; never for a stop adopted from another server's list. Alerts' `vm_down`
   * (alerts/sources/vms.ts) listens here: the same decision as the wall's. Returns an unsubscribe function.
   */
  onStop(listener: (stop: StopEntry, vm: FleetVm) => void): () => void {
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  /** Resolves once every snapshot observed so far is handled (its audit look-ups done). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** The stops still remembered, newest first. */
  list(): FleetStop[] {
    return listOf(this.entries(), this.now() - this.memoryMs);
  }

  /** The stops still remembered, newest first, as kept (copies). */
  entries(): StopEntry[] {
    this.forgetOld();
    return newestFirst(this.stops.values()).map((s) => ({ ...s }));
  }

  /** Runs one change after the ones before it, and tells the listeners when the list changed. */
  private enqueue(change: () => Promise<void> | void): Promise<void> {
    this.queue = this.queue.then(async () => {
      const before = JSON.stringify(this.entries());
      await change();
      if (JSON.stringify(this.entries()) === before) return;
      for (const l of [...this.changeListeners]) {
        try {
          l();
        } catch (err) {
          this.log.error({ err }, 'a fleet stops listener failed');
        }
      }
    });
    return this.queue;
  }

  private merge(stored: readonly StopEntry[]): void {
    const oldest = this.now() - this.memoryMs;
    for (const s of stored) {
      if (s.atMs <= oldest) continue;
      if (this.previous !== null) {
        const status = this.previous.get(s.key);
        if (status === undefined || RUNNING_STATUSES.has(status)) continue;
      }
      const ran = this.runningIn.get(s.key);
      if (ran !== undefined && ran > s.seenIn) continue;
      this.stops.set(s.key, { ...s });
    }
  }

  private async handle(snapshot: FleetSnapshot): Promise<void> {
    // No data yet (before the first successful poll): nothing to compare with.
    if (snapshot.fetchedAt === null) return;
    const previous = this.previous;
    const atMs = this.now();
    const seenIn = Date.parse(snapshot.fetchedAt);
    const current = new Map<number, PowerStatus>();
    const stopped: { vm: FleetVm; upSince: number | undefined }[] = [];
    for (const vm of snapshot.vms) {
      current.set(vm.key, vm.status);
      // The first snapshot after start has no previous statuses: nothing stopped "unexpectedly" then.
      const before = previous?.get(vm.key);
      if (RUNNING_STATUSES.has(vm.status)) {
        this.stops.delete(vm.key);
        this.runningIn.set(vm.key, seenIn);
        if (before !== undefined && !RUNNING_STATUSES.has(before)) this.upSince.set(vm.key, atMs);
        continue;
      }
      if (before !== undefined && RUNNING_STATUSES.has(before) && STOPPED_STATUSES.has(vm.status)) {
        stopped.push({ vm, upSince: this.upSince.get(vm.key) });
      }
      this.upSince.delete(vm.key);
    }
    this.previous = current;
    // A VM that left the fleet is forgotten (bounded by the fleet size).
    for (const key of this.stops.keys()) if (!current.has(key)) this.stops.delete(key);
    for (const key of this.upSince.keys()) if (!current.has(key)) this.upSince.delete(key);
    for (const key of this.runningIn.keys()) if (!current.has(key)) this.runningIn.delete(key);
    this.forgetOld();
    if (stopped.length === 0) return;

    const windowStart = atMs - STOP_ATTRIBUTION_WINDOW_MS;
    await Promise.all(
      stopped.map(async ({ vm, upSince }) => {
        const { key, status } = vm;
        // Only an action after the VM came up explains its stop. The poller sees a start up to a poll interval
        // late, and an action sent at once after a start can precede that sighting: a poll interval of slack.
        const from = new Date(
          upSince === undefined ? windowStart : Math.max(windowStart, upSince - snapshot.pollIntervalMs),
        );
        let by: string | null = null;
        try {
          by = (await this.audit.lastAcceptedStop(key, from))?.actor ?? null;
        } catch (err) {
          this.log.error(
            { err, vmKey: key },
            'looking up who stopped a VM failed; listed as down unexpectedly',
          );
        }
        const entry = { key, atMs, status, by, seenIn };
        this.stops.set(key, entry);
        if (by === null) this.stopped(entry, vm);
      }),
    );
  }

  private stopped(entry: StopEntry, vm: FleetVm): void {
    for (const l of [...this.stopListeners]) {
      try {
        l({ ...entry }, vm);
      } catch (err) {
        this.log.error({ err }, 'a fleet stop listener failed');
      }
    }
  }

  private forgetOld(): void {
    const oldest = this.now() - this.memoryMs;
    for (const [key, stop] of this.stops) if (stop.atMs <= oldest) this.stops.delete(key);
  }
}
