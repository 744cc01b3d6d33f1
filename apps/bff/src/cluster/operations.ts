// Power operations when several servers share one PostgreSQL database (issue 17). Only the leader runs the engine
// (one engine, one sender of steps); every server serves the operation routes and streams.
//
// - ClusterOperations is `app.operations` on every server. Reads come from the store (a running operation's record
//   is written at every change). Its subscribers (the event streams) hear of each change through the bus: the
//   leader's engine notifies `powerdeck_operation` with the id after each change it recorded, and every server
//   (the leader too) reads that operation and tells its subscribers; running operations are kept in memory for new
//   streams and re-read after every reconnection.
// - Acting (create, cancel, force now): on the leader, its engine directly; elsewhere, a row in `cluster_commands`
//   and a notification: the leader takes it once, acts with the asker's requester (the audit rows name the person and
//   their address, not the server), answers in the row and notifies; the asker returns the answer (or the engine's
//   refusal, as the same OperationError). No leader within the wait: 503 in words. A command taken by a leader that
//   then stopped is never taken again (it may have acted): the asker says so.
import { randomUUID } from 'node:crypto';
import type { Operation } from '@powerdeck/contracts/operations';
import type { Requester } from '../audit-fields';
import type { PgPool } from '../db/postgres';
import type { PollerLog } from '../fleet/poller';
import { OperationError, type NewOperation } from '../operations/admission';
import type { OperationEngine } from '../operations/engine';
import { toOperation } from '../operations/to-api';
import type { OperationStore } from '../stores/types';
import { CHANNELS, type Bus } from './bus';
import { DB_NOW } from './lease';

/** What the routes, plans and scheduler use of the engine. */
export type OperationService = Pick<
  OperationEngine,
  | 'subscribe'
  | 'get'
  | 'runningPlan'
  | 'planRuns'
  | 'list'
  | 'runningOperations'
  | 'create'
  | 'cancel'
  | 'forceNow'
>;

type Command =
  | { kind: 'create'; input: NewOperation; by: Requester }
  | { kind: 'cancel'; id: string; by: Requester }
  | { kind: 'forceNow'; id: string; key: number; by: Requester };

type Answer =
  { ok: true; operation: Operation } | { ok: false; code: OperationError['code']; message: string };

const RECENT = 20;

export interface ClusterOperationsOptions {
  store: OperationStore;
  pool: PgPool;
  bus: Bus;
  /** This server's lease holder name (who took a command). */
  holder: () => string;
  /** The epoch this server leads with, or null. */
  epoch: () => number | null;
  log: PollerLog;
  /** How long an asker waits for the leader's answer (default 15 s: a lease and then some). */
  answerTimeoutMs?: number;
}

export class ClusterOperations implements OperationService {
  private local: OperationEngine | null = null;
  private stopLocal: (() => void) | null = null;
  private readonly running = new Map<string, Operation>();
  private readonly listeners = new Set<(op: Operation) => void>();
  private readonly waiting = new Map<string, () => void>();
  private readonly toNotify = new Set<string>();
  private notifying: NodeJS.Immediate | null = null;
  private readonly off: (() => void)[] = [];

  constructor(private readonly o: ClusterOperationsOptions) {}

  async start(): Promise<void> {
    const { bus } = this.o;
    this.off.push(
      bus.on(CHANNELS.operation, (id) => void this.refresh(id)),
      bus.on(CHANNELS.commandDone, (id) => this.waiting.get(id)?.()),
      bus.on(CHANNELS.command, (id) => void this.take(id)),
      bus.onResync(() => void this.reload()),
    );
    await this.reload();
  }

  stop(): void {
    for (const off of this.off.splice(0)) off();
    this.follow();
    this.listeners.clear();
  }

  /** This server leads: acts through its engine, tells every server of its changes, and takes queued commands. */
  lead(engine: OperationEngine): void {
    this.follow();
    this.local = engine;
    this.stopLocal = engine.subscribe((op) => this.changed(op.id));
    void this.takeQueued();
  }

  /** This server no longer leads. */
  follow(): void {
    this.stopLocal?.();
    this.stopLocal = null;
    this.local = null;
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  subscribe(listener: (op: Operation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(id: string): Promise<Operation | null> {
    const rec = await this.o.store.get(id);
    return rec ? toOperation(rec) : null;
  }

  runningPlan(planId: string): Operation | null {
    for (const op of this.running.values()) if (op.status === 'running' && op.plan?.id === planId) return op;
    return null;
  }

  async planRuns(planId: string, limit: number): Promise<Operation[]> {
    return (await this.o.store.listByPlan(planId, limit)).map((r) => toOperation(r));
  }

  async list(): Promise<Operation[]> {
    const running = (await this.o.store.listRunning()).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const ids = new Set(running.map((r) => r.id));
    const recent = (await this.o.store.listRecent(RECENT)).filter((r) => !ids.has(r.id));
    return [...running, ...recent].map((r) => toOperation(r));
  }

  runningOperations(): Operation[] {
    return [...this.running.values()];
  }

  // ------------------------------------------------------------------------------------------
  // Acting

  create(input: NewOperation, by: Requester): Promise<Operation> {
    return this.local ? this.local.create(input, by) : this.ask({ kind: 'create', input, by });
  }

  cancel(id: string, by: Requester): Promise<Operation> {
    return this.local ? this.local.cancel(id, by) : this.ask({ kind: 'cancel', id, by });
  }

  forceNow(id: string, key: number, by: Requester): Promise<Operation> {
    return this.local ? this.local.forceNow(id, key, by) : this.ask({ kind: 'forceNow', id, key, by });
  }

  // ------------------------------------------------------------------------------------------
  // Between servers

  /** The leader's engine changed an operation: every server hears its id (coalesced per event-loop turn). */
  private changed(id: string): void {
    this.toNotify.add(id);
    this.notifying ??= setImmediate(() => {
      this.notifying = null;
      const ids = [...this.toNotify];
      this.toNotify.clear();
      for (const opId of ids) {
        void this.o.bus.notify(CHANNELS.operation, opId, this.o.pool).catch((err: unknown) => {
          this.o.log.warn(
            { err: (err as Error).message, operationId: opId },
            'could not announce an operation',
          );
        });
      }
    });
  }

  /** Reads one operation and tells this server's subscribers. */
  private async refresh(id: string): Promise<void> {
    try {
      const rec = await this.o.store.get(id);
      if (!rec) return;
      const op = toOperation(rec);
      if (op.status === 'running') this.running.set(op.id, op);
      else this.running.delete(op.id);
      for (const l of [...this.listeners]) {
        try {
          l(op);
        } catch (err) {
          this.o.log.error({ err }, 'an operation listener failed');
        }
      }
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, operationId: id }, 'could not read an operation');
    }
  }

  private async reload(): Promise<void> {
    try {
      const recs = await this.o.store.listRunning();
      this.running.clear();
      for (const r of recs) this.running.set(r.id, toOperation(r));
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'could not read the running operations');
    }
  }

  /** Asks the leader and waits for its answer. */
  private async ask(command: Command): Promise<Operation> {
    const id = randomUUID();
    const answered = new Promise<void>((resolve) => this.waiting.set(id, resolve));
    const timeoutMs = this.o.answerTimeoutMs ?? 15_000;
    try {
      await this.o.pool.query(
        `INSERT INTO cluster_commands (id, kind, body, asked_by, created_at) VALUES ($1, $2, $3, $4, ${DB_NOW})`,
        [id, command.kind, JSON.stringify(command), this.o.holder()],
      );
      await this.o.bus.notify(CHANNELS.command, id, this.o.pool);
      // The answer's notification, or a look at the row now and then (a notification lost to a reconnection).
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await Promise.race([answered, new Promise((r) => setTimeout(r, Math.min(left, 1000)))]);
        const r = await this.o.pool.query<{ answer: string | null; taken_by: string | null }>(
          'SELECT answer, taken_by FROM cluster_commands WHERE id = $1',
          [id],
        );
        const row = r.rows[0];
        if (row?.answer) return fromAnswer(JSON.parse(row.answer) as Answer);
      }
      // Not answered in time. Withdraw it if no leader took it; else it may still act.
      const withdrawn = await this.o.pool.query(
        'DELETE FROM cluster_commands WHERE id = $1 AND taken_by IS NULL',
        [id],
      );
      throw new OperationError(
        'unavailable',
        withdrawn.rowCount === 1
          ? 'No Powerdeck server is leading just now (one takes over within seconds): nothing was done; try again'
          : 'The leading Powerdeck server took this request but did not answer in time: look at the Operations page before trying again',
      );
    } finally {
      this.waiting.delete(id);
      await this.o.pool
        .query('DELETE FROM cluster_commands WHERE id = $1 AND answer IS NOT NULL', [id])
        .catch(() => undefined);
    }
  }

  /** The leader: takes every command still open (after gaining the lead: those queued in between). */
  private async takeQueued(): Promise<void> {
    try {
      const r = await this.o.pool.query<{ id: string }>(
        'SELECT id FROM cluster_commands WHERE taken_by IS NULL ORDER BY created_at',
      );
      for (const row of r.rows) await this.take(row.id);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'could not read the queued commands');
    }
  }

  /** The leader: takes one command (once, whoever else tries), acts, answers, notifies the asker. */
  private async take(id: string): Promise<void> {
    const engine = this.local;
    const epoch = this.o.epoch();
    if (!engine || epoch === null) return;
    const r = await this.o.pool
      .query<{ body: string }>(
        `UPDATE cluster_commands SET taken_by = $2, taken_epoch = $3 WHERE id = $1 AND taken_by IS NULL
         RETURNING body`,
        [id, this.o.holder(), epoch],
      )
      .catch(() => null);
    const body = r?.rows[0]?.body;
    if (body === undefined) return;
    const command = JSON.parse(body) as Command;
    let answer: Answer;
    try {
      const op =
        command.kind === 'create'
          ? await engine.create(command.input, command.by)
          : command.kind === 'cancel'
            ? await engine.cancel(command.id, command.by)
            : await engine.forceNow(command.id, command.key, command.by);
      answer = { ok: true, operation: op };
    } catch (err) {
      answer =
        err instanceof OperationError
          ? { ok: false, code: err.code, message: err.message }
          : {
              ok: false,
              code: 'unavailable',
              message: `The leading server could not do it: ${(err as Error).message}`,
            };
    }
    try {
      await this.o.pool.query(
        `UPDATE cluster_commands SET answer = $2, answered_at = ${DB_NOW} WHERE id = $1`,
        [id, JSON.stringify(answer)],
      );
      await this.o.bus.notify(CHANNELS.commandDone, id, this.o.pool);
    } catch (err) {
      this.o.log.error({ err: (err as Error).message, commandId: id }, 'could not answer a command');
    }
  }
}

function fromAnswer(a: Answer): Operation {
  if (a.ok) return a.operation;
  throw new OperationError(a.code, a.message);
}
