// Operations in SQLite: one row per operation and one per VM of it. Every change is one transaction, committed
// (with synchronous=FULL: on disk) when the promise resolves; the engine relies on it to record "about to send
// step X" before the request goes to VergeOS (see ../types.ts, StepPhase).
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { sqliteFlag } from '../rows/columns';
import {
  checkLimit,
  OP_COLUMNS,
  operationChanges,
  toOperation,
  toOperationRow,
  toVm,
  toVmRow,
  VM_COLUMNS,
  vmChanges,
  type OperationRow,
  type VmRow,
} from '../rows/operations';
import type { OperationChange, OperationRecord, OperationStore, OperationVmRecord } from '../types';

/** An operation_vms row. */
interface VmRowOf extends VmRow<0 | 1> {
  operation_id: string;
}

export class SqliteOperationStore implements OperationStore {
  private readonly db: SqliteDatabase;
  private readonly insertOp;
  private readonly insertVm;
  private readonly byId;
  private readonly vmsOf;
  private readonly vmsOfMany;
  private readonly running;
  private readonly recent;
  private readonly byPlan;
  private readonly deleteFinished;
  private readonly createTx;
  private readonly updateTx;
  /** Prepared UPDATEs of operation_vms, one per set of columns (a handful in practice). */
  private readonly vmUpdates = new Map<string, Statement<unknown[]>>();
  private readonly opUpdates = new Map<string, Statement<unknown[]>>();

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.insertOp = db.prepare<[OperationRow]>(
      `INSERT INTO operations (${OP_COLUMNS}) VALUES (@id, @action, @status, @owner, @owner_role, @owner_auth_kind,
        @source, @user_agent, @request_id, @created_at, @finished_at, @cancelled_by, @force_after_s, @timeout_s,
        @parallelism, @reason, @schedule_id, @schedule_name, @plan_id, @plan)`,
    );
    this.insertVm = db.prepare<[VmRowOf]>(
      `INSERT INTO operation_vms (operation_id, ${VM_COLUMNS}) VALUES (@operation_id, @position, @vm_key, @name,
        @state, @step, @step_phase, @step_at, @deadline, @escalated, @forced_after_s, @detail, @status,
        @started_before, @moved, @audit_id, @tier)`,
    );
    this.byId = db.prepare<[string], OperationRow>(`SELECT ${OP_COLUMNS} FROM operations WHERE id = ?`);
    this.vmsOf = db.prepare<[string], VmRowOf>(
      `SELECT operation_id, ${VM_COLUMNS} FROM operation_vms WHERE operation_id = ? ORDER BY position`,
    );
    // The ids travel as one JSON array: one prepared statement for any number of them.
    this.vmsOfMany = db.prepare<[string], VmRowOf>(
      `SELECT operation_id, ${VM_COLUMNS} FROM operation_vms
       WHERE operation_id IN (SELECT value FROM json_each(?)) ORDER BY operation_id, position`,
    );
    // Their operation_vms rows go with them (ON DELETE CASCADE).
    this.deleteFinished = db.prepare<[number]>(
      `DELETE FROM operations WHERE status <> 'running' AND finished_at < ?`,
    );
    this.running = db.prepare<[], OperationRow>(
      `SELECT ${OP_COLUMNS} FROM operations WHERE status = 'running' ORDER BY created_at, id`,
    );
    this.byPlan = db.prepare<[string, number], OperationRow>(
      `SELECT ${OP_COLUMNS} FROM operations WHERE plan_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    this.recent = db.prepare<[number], OperationRow>(
      `SELECT ${OP_COLUMNS} FROM operations WHERE status != 'running'
       ORDER BY finished_at DESC, created_at DESC LIMIT ?`,
    );
    this.createTx = db.transaction((op: OperationRecord) => {
      if (this.byId.get(op.id) !== undefined) {
        throw new StoreError('exists', `an operation with the id ${op.id} exists`);
      }
      this.insertOp.run(toOperationRow(op));
      op.vms.forEach((vm, position) => {
        this.insertVm.run({ operation_id: op.id, ...toVmRow(vm, position, sqliteFlag) });
      });
    });
    this.updateTx = db.transaction((id: string, change: OperationChange) => {
      if (change.operation) {
        const sets = operationChanges(change.operation);
        if (sets.length > 0) {
          const info = this.prepared(this.opUpdates, 'operations', 'id = ?', sets).run(
            ...sets.map(([, v]) => v),
            id,
          );
          if (info.changes === 0) throw new StoreError('not_found', `no operation ${id}`);
        } else if (this.byId.get(id) === undefined) {
          throw new StoreError('not_found', `no operation ${id}`);
        }
      } else if (this.byId.get(id) === undefined) {
        throw new StoreError('not_found', `no operation ${id}`);
      }
      for (const { key, patch } of change.vms ?? []) {
        const sets = vmChanges(patch, sqliteFlag);
        if (sets.length === 0) continue;
        const info = this.prepared(
          this.vmUpdates,
          'operation_vms',
          'operation_id = ? AND vm_key = ?',
          sets,
        ).run(...sets.map(([, v]) => v), id, key);
        if (info.changes === 0) throw new StoreError('not_found', `operation ${id} has no VM ${key}`);
      }
    });
  }

  /** `UPDATE table SET a = ?, b = ? WHERE …`, prepared once per set of columns. */
  private prepared(
    cache: Map<string, Statement<unknown[]>>,
    table: string,
    where: string,
    sets: readonly [string, unknown][],
  ) {
    const columns = sets.map(([c]) => c).join(',');
    let stmt = cache.get(columns);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(
        `UPDATE ${table} SET ${sets.map(([c]) => `${c} = ?`).join(', ')} WHERE ${where}`,
      );
      cache.set(columns, stmt);
    }
    return stmt;
  }

  private withVms(rows: OperationRow[]): OperationRecord[] {
    if (rows.length === 0) return [];
    const byOp = new Map<string, OperationVmRecord[]>();
    for (const r of this.vmsOfMany.all(JSON.stringify(rows.map((o) => o.id)))) {
      let list = byOp.get(r.operation_id);
      if (!list) byOp.set(r.operation_id, (list = []));
      list.push(toVm(r));
    }
    return rows.map((r) => toOperation(r, byOp.get(r.id) ?? []));
  }

  create(operation: OperationRecord): Promise<void> {
    return settle(() => {
      if (operation.vms.length === 0) throw new StoreError('invalid', 'an operation needs at least one VM');
      this.createTx.immediate(operation);
    });
  }

  get(id: string): Promise<OperationRecord | null> {
    return settle(() => {
      const row = this.byId.get(id);
      return row ? toOperation(row, this.vmsOf.all(id).map(toVm)) : null;
    });
  }

  listRunning(): Promise<OperationRecord[]> {
    return settle(() => this.withVms(this.running.all()));
  }

  listRecent(limit: number): Promise<OperationRecord[]> {
    return settle(() => {
      checkLimit(limit);
      return this.withVms(this.recent.all(limit));
    });
  }

  listByPlan(planId: string, limit: number): Promise<OperationRecord[]> {
    return settle(() => {
      checkLimit(limit);
      return this.withVms(this.byPlan.all(planId, limit));
    });
  }

  update(id: string, change: OperationChange): Promise<void> {
    return settle(() => this.updateTx.immediate(id, change));
  }

  prune(finishedBefore: Date): Promise<number> {
    return settle(() => this.deleteFinished.run(finishedBefore.getTime()).changes);
  }
}
