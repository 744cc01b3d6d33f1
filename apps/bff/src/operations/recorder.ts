// Persistence and publishing: all of the engine's traffic with its store, and its subscribers.
// - Each change is one store transaction (committed, on disk, when it resolves): awaited where the next move depends
//   on it (`persistNow`), or tracked (`persist`) so that close() waits for it. Memory stays ahead of the store; a
//   failed write is logged, not thrown, except the two the send-once protocol must see fail: `markSending` (the
//   step's "about to send", the write a fenced leader must make conditional on its epoch, in the same transaction)
//   and `write` (a resume's records).
// - Subscribers get each changed operation once per event-loop turn (changes are coalesced), as the contract's
//   Operation.
// - close() waits for every tracked write and step (`track`), publishes what is left and drops the subscribers.
import type { Operation } from '@powerdeck/contracts/operations';
import type { PollerLog } from '../fleet/poller';
import type { OperationChange, OperationRecord, OperationStore, OperationVmPatch } from '../stores/types';
import { toOperation } from './to-api';

export class OperationRecorder {
  private readonly listeners = new Set<(op: Operation) => void>();
  /** Steps being sent, writes not awaited, and other work close() waits for. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly dirty = new Set<OperationRecord>();
  private flushing: NodeJS.Immediate | null = null;
  private closed = false;
  /** Each operation's last write queued: its writes reach the store one after another, in the order made. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly store: OperationStore,
    private readonly log: PollerLog,
    /** The engine's clock (a plan run's delays are shown against it). */
    private readonly now: () => number = Date.now,
  ) {}

  // ------------------------------------------------------------------------------------------
  // Reading and creating

  get(id: string): Promise<OperationRecord | null> {
    return this.store.get(id);
  }

  listRunning(): Promise<OperationRecord[]> {
    return this.store.listRunning();
  }

  listRecent(limit: number): Promise<OperationRecord[]> {
    return this.store.listRecent(limit);
  }

  listByPlan(planId: string, limit: number): Promise<OperationRecord[]> {
    return this.store.listByPlan(planId, limit);
  }

  create(rec: OperationRecord): Promise<void> {
    return this.store.create(rec);
  }

  // ------------------------------------------------------------------------------------------
  // Writing

  /**
   * Step 2 of the send-once protocol: a VM's step recorded as `sending`, on disk before its request leaves. Throws
   * when it could not be recorded (the step is then not sent).
   */
  markSending(rec: OperationRecord, key: number, patch: OperationVmPatch): Promise<void> {
    return this.update(rec.id, { vms: [{ key, patch }] });
  }

  /** A change, awaited; throws when it could not be recorded. */
  write(rec: OperationRecord, change: OperationChange): Promise<void> {
    return this.update(rec.id, change);
  }

  /**
   * One write of an operation's, after the ones made before it. Writes that are not awaited (`persist`) overlap the
   * next; on PostgreSQL each takes a connection of its own and the later one could commit first, so that an old
   * patch (a VM's status `stopping`) landed over a newer one (`done`, `stopped`). SQLite's one connection kept the
   * order by itself; this keeps it on both.
   */
  private update(id: string, change: OperationChange): Promise<void> {
    const before = this.writes.get(id) ?? Promise.resolve();
    const mine = before.then(() => this.store.update(id, change));
    const settled = mine.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return mine;
  }

  /** A change, awaited; a failure is logged (memory stays ahead), and subscribers hear of it. */
  async persistNow(rec: OperationRecord, change: OperationChange): Promise<void> {
    try {
      await this.update(rec.id, change);
    } catch (err) {
      this.log.error({ err, operationId: rec.id }, 'recording an operation change failed');
    }
    this.markDirty(rec);
  }

  /** A change, not awaited (close() waits for it; it never rejects: persistNow logs a failure). */
  persist(rec: OperationRecord, change: OperationChange): void {
    void this.track(this.persistNow(rec, change));
  }

  /** Work that close() waits for (a step being sent, a write). */
  track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    return tracked;
  }

  // ------------------------------------------------------------------------------------------
  // Publishing

  /** Called with each operation at every change (coalesced per event-loop turn). */
  subscribe(listener: (op: Operation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The operation changed: its subscribers hear of it once this event-loop turn is over. */
  markDirty(rec: OperationRecord): void {
    if (this.listeners.size === 0) return;
    this.dirty.add(rec);
    if (!this.flushing && !this.closed) this.flushing = setImmediate(() => this.flush());
  }

  /** Tells the subscribers at once. */
  publish(rec: OperationRecord): void {
    const op = toOperation(rec, this.now());
    for (const listener of [...this.listeners]) {
      try {
        listener(op);
      } catch (err) {
        this.log.error({ err }, 'an operation listener failed');
      }
    }
  }

  /** Waits for the tracked work, then publishes what changed and drops the subscribers. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    this.flush();
    this.listeners.clear();
  }

  private flush(): void {
    this.flushing = null;
    const recs = [...this.dirty];
    this.dirty.clear();
    for (const rec of recs) this.publish(rec);
  }
}
