// Operations in SQLite: one row per operation and one per VM of it. Every change is one transaction, committed
// (with synchronous=FULL: on disk) when the promise resolves; the engine relies on it to record "about to send
// step X" before the request goes to VergeOS (see ../types.ts, StepPhase).
import type {
  OperationAction,
  OperationStatus,
  OperationStep,
  OperationVmState,
} from '@powerdeck/contracts/operation-terms';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { iso, isoOrNull } from '../secrets';
import { ms } from '../rows/columns';
import type {
  OperationChange,
  OperationRecord,
  OperationStore,
  OperationVmPatch,
  OperationVmRecord,
  OperationOwnerKind,
  PlanRunRecord,
  Role,
  StepPhase,
} from '../types';

interface OperationRow {
  id: string;
  action: OperationAction;
  status: OperationStatus;
  owner: string;
  owner_role: Role;
  owner_auth_kind: OperationOwnerKind;
  source: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: number;
  finished_at: number | null;
  cancelled_by: string | null;
  force_after_s: number | null;
  timeout_s: number;
  parallelism: number;
  reason: string | null;
  schedule_id: string | null;
  schedule_name: string | null;
  plan_id: string | null;
  /** JSON: the PlanRunRecord. */
  plan: string | null;
}

interface VmRow {
  operation_id: string;
  position: number;
  vm_key: number;
  name: string;
  state: OperationVmState;
  step: OperationStep | null;
  step_phase: StepPhase | null;
  step_at: number | null;
  deadline: number | null;
  escalated: number;
  forced_after_s: number | null;
  detail: string;
  status: string | null;
  started_before: number | null;
  moved: number;
  audit_id: number | null;
  tier: number | null;
}

const OP_COLUMNS = `id, action, status, owner, owner_role, owner_auth_kind, source, user_agent, request_id,
  created_at, finished_at, cancelled_by, force_after_s, timeout_s, parallelism, reason, schedule_id, schedule_name,
  plan_id, plan`;
const VM_COLUMNS = `operation_id, position, vm_key, name, state, step, step_phase, step_at, deadline, escalated,
  forced_after_s, detail, status, started_before, moved, audit_id, tier`;

const msOrNull = (value: string | null, what: string) => (value === null ? null : ms(value, what));

function toVm(r: VmRow): OperationVmRecord {
  return {
    key: r.vm_key,
    name: r.name,
    state: r.state,
    step: r.step,
    stepPhase: r.step_phase,
    stepAt: isoOrNull(r.step_at),
    deadline: isoOrNull(r.deadline),
    escalated: r.escalated === 1,
    forcedAfterS: r.forced_after_s,
    detail: r.detail,
    status: r.status,
    startedBefore: r.started_before,
    moved: r.moved === 1,
    auditId: r.audit_id,
    tier: r.tier,
  };
}

function toOperation(r: OperationRow, vms: OperationVmRecord[]): OperationRecord {
  return {
    id: r.id,
    action: r.action,
    status: r.status,
    owner: r.owner,
    ownerRole: r.owner_role,
    ownerAuthKind: r.owner_auth_kind,
    source: r.source,
    userAgent: r.user_agent,
    requestId: r.request_id,
    createdAt: iso(r.created_at),
    finishedAt: isoOrNull(r.finished_at),
    cancelledBy: r.cancelled_by,
    forceAfterS: r.force_after_s,
    timeoutS: r.timeout_s,
    parallelism: r.parallelism,
    reason: r.reason,
    ...(r.schedule_id !== null ? { schedule: { id: r.schedule_id, name: r.schedule_name ?? '' } } : {}),
    ...(r.plan !== null ? { plan: JSON.parse(r.plan) as PlanRunRecord } : {}),
    vms,
  };
}

/** Column name and stored value of each field a VM patch may set. */
const VM_FIELDS: Readonly<Record<keyof OperationVmPatch, readonly [string, (v: unknown) => unknown]>> = {
  state: ['state', (v) => v],
  step: ['step', (v) => v],
  stepPhase: ['step_phase', (v) => v],
  stepAt: ['step_at', (v) => msOrNull(v as string | null, 'stepAt')],
  deadline: ['deadline', (v) => msOrNull(v as string | null, 'deadline')],
  escalated: ['escalated', (v) => (v ? 1 : 0)],
  forcedAfterS: ['forced_after_s', (v) => v],
  detail: ['detail', (v) => v],
  status: ['status', (v) => v],
  startedBefore: ['started_before', (v) => v],
  moved: ['moved', (v) => (v ? 1 : 0)],
  auditId: ['audit_id', (v) => v],
  tier: ['tier', (v) => v],
};

const MAX_RECENT = 200;

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
    this.insertVm = db.prepare<[VmRow]>(
      `INSERT INTO operation_vms (${VM_COLUMNS}) VALUES (@operation_id, @position, @vm_key, @name, @state, @step,
        @step_phase, @step_at, @deadline, @escalated, @forced_after_s, @detail, @status, @started_before, @moved,
        @audit_id, @tier)`,
    );
    this.byId = db.prepare<[string], OperationRow>(`SELECT ${OP_COLUMNS} FROM operations WHERE id = ?`);
    this.vmsOf = db.prepare<[string], VmRow>(
      `SELECT ${VM_COLUMNS} FROM operation_vms WHERE operation_id = ? ORDER BY position`,
    );
    // The ids travel as one JSON array: one prepared statement for any number of them.
    this.vmsOfMany = db.prepare<[string], VmRow>(
      `SELECT ${VM_COLUMNS} FROM operation_vms
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
      this.insertOp.run({
        id: op.id,
        action: op.action,
        status: op.status,
        owner: op.owner,
        owner_role: op.ownerRole,
        owner_auth_kind: op.ownerAuthKind,
        source: op.source,
        user_agent: op.userAgent,
        request_id: op.requestId,
        created_at: ms(op.createdAt, 'createdAt'),
        finished_at: msOrNull(op.finishedAt, 'finishedAt'),
        cancelled_by: op.cancelledBy,
        force_after_s: op.forceAfterS,
        timeout_s: op.timeoutS,
        parallelism: op.parallelism,
        reason: op.reason,
        schedule_id: op.schedule?.id ?? null,
        schedule_name: op.schedule?.name ?? null,
        plan_id: op.plan?.id ?? null,
        plan: op.plan ? JSON.stringify(op.plan) : null,
      });
      op.vms.forEach((vm, position) => {
        this.insertVm.run({
          operation_id: op.id,
          position,
          vm_key: vm.key,
          name: vm.name,
          state: vm.state,
          step: vm.step,
          step_phase: vm.stepPhase,
          step_at: msOrNull(vm.stepAt, 'stepAt'),
          deadline: msOrNull(vm.deadline, 'deadline'),
          escalated: vm.escalated ? 1 : 0,
          forced_after_s: vm.forcedAfterS,
          detail: vm.detail,
          status: vm.status,
          started_before: vm.startedBefore,
          moved: vm.moved ? 1 : 0,
          audit_id: vm.auditId,
          tier: vm.tier,
        });
      });
    });
    this.updateTx = db.transaction((id: string, change: OperationChange) => {
      if (change.operation) {
        const o = change.operation;
        const sets: [string, unknown][] = [];
        if (o.status !== undefined) sets.push(['status', o.status]);
        if (o.finishedAt !== undefined) sets.push(['finished_at', msOrNull(o.finishedAt, 'finishedAt')]);
        if (o.cancelledBy !== undefined) sets.push(['cancelled_by', o.cancelledBy]);
        if (o.plan !== undefined) sets.push(['plan', JSON.stringify(o.plan)]);
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
        const sets: [string, unknown][] = [];
        for (const [field, value] of Object.entries(patch) as [keyof OperationVmPatch, unknown][]) {
          if (value === undefined) continue;
          const spec = Object.hasOwn(VM_FIELDS, field) ? VM_FIELDS[field] : undefined;
          if (!spec) throw new StoreError('invalid', `unknown field ${String(field)}`);
          sets.push([spec[0], spec[1](value)]);
        }
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
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT) {
        throw new StoreError('invalid', `limit must be from 1 to ${MAX_RECENT}`);
      }
      return this.withVms(this.recent.all(limit));
    });
  }

  listByPlan(planId: string, limit: number): Promise<OperationRecord[]> {
    return settle(() => {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT) {
        throw new StoreError('invalid', `limit must be from 1 to ${MAX_RECENT}`);
      }
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
