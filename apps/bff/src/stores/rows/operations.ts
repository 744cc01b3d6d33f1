// The operations' rows, the same on both backends (migration 003 and migrations-postgres name the same columns; a
// plan run's record is JSON text in both): an operation and its VMs, their columns, how they read back into a record
// and how a record is stored, and the columns a change sets. The backends differ only in the VMs' booleans (SQLite
// 0/1, PostgreSQL true/false, json_agg's included: see ./columns.ts, Flag) and in how an operation's VMs arrive
// (SQLite reads them apart, PostgreSQL as json_agg objects of VmRow). Only ../sqlite/operations.ts and
// ../postgres/operations.ts use it.
import type {
  OperationAction,
  OperationStatus,
  OperationStep,
  OperationVmState,
} from '@powerdeck/contracts/operation-terms';
import { StoreError } from '../errors';
import { iso, isoOrNull } from '../secrets';
import type {
  OperationChange,
  OperationOwnerKind,
  OperationRecord,
  OperationVmPatch,
  OperationVmRecord,
  PlanRunRecord,
  Role,
  StepPhase,
} from '../types';
import { isSet, ms, msOrNull, type Flag, type FlagOf } from './columns';

export interface OperationRow {
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

/** An operation_vms row, bar its operation_id. */
export interface VmRow<F extends Flag = Flag> {
  position: number;
  vm_key: number;
  name: string;
  state: OperationVmState;
  step: OperationStep | null;
  step_phase: StepPhase | null;
  step_at: number | null;
  deadline: number | null;
  escalated: F;
  forced_after_s: number | null;
  detail: string;
  status: string | null;
  started_before: number | null;
  moved: F;
  audit_id: number | null;
  tier: number | null;
}

/** The columns of operations, in one order: SELECT lists and INSERTs. */
export const OP_COLUMN_NAMES = [
  'id',
  'action',
  'status',
  'owner',
  'owner_role',
  'owner_auth_kind',
  'source',
  'user_agent',
  'request_id',
  'created_at',
  'finished_at',
  'cancelled_by',
  'force_after_s',
  'timeout_s',
  'parallelism',
  'reason',
  'schedule_id',
  'schedule_name',
  'plan_id',
  'plan',
] as const satisfies readonly (keyof OperationRow)[];

export const OP_COLUMNS = OP_COLUMN_NAMES.join(', ');

/** The columns of operation_vms bar operation_id, in one order: SELECT lists and INSERTs. */
export const VM_COLUMN_NAMES = [
  'position',
  'vm_key',
  'name',
  'state',
  'step',
  'step_phase',
  'step_at',
  'deadline',
  'escalated',
  'forced_after_s',
  'detail',
  'status',
  'started_before',
  'moved',
  'audit_id',
  'tier',
] as const satisfies readonly (keyof VmRow)[];

export const VM_COLUMNS = VM_COLUMN_NAMES.join(', ');

/** The most operations listRecent and listByPlan answer. */
const MAX_RECENT = 200;

/** Throws StoreError 'invalid' unless `limit` is a whole number from 1 to MAX_RECENT. */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT) {
    throw new StoreError('invalid', `limit must be from 1 to ${MAX_RECENT}`);
  }
}

export function toVm(r: VmRow): OperationVmRecord {
  return {
    key: r.vm_key,
    name: r.name,
    state: r.state,
    step: r.step,
    stepPhase: r.step_phase,
    stepAt: isoOrNull(r.step_at),
    deadline: isoOrNull(r.deadline),
    escalated: isSet(r.escalated),
    forcedAfterS: r.forced_after_s,
    detail: r.detail,
    status: r.status,
    startedBefore: r.started_before,
    moved: isSet(r.moved),
    auditId: r.audit_id,
    tier: r.tier,
  };
}

export function toOperation(r: OperationRow, vms: OperationVmRecord[]): OperationRecord {
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

/** An operation as stored, without its VMs; throws StoreError 'invalid' for a bad time. */
export function toOperationRow(op: OperationRecord): OperationRow {
  return {
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
  };
}

/** The VM at `position` of an operation as stored, its booleans as `flag` stores them; 'invalid' for a bad time. */
export function toVmRow<F extends Flag>(vm: OperationVmRecord, position: number, flag: FlagOf<F>): VmRow<F> {
  return {
    position,
    vm_key: vm.key,
    name: vm.name,
    state: vm.state,
    step: vm.step,
    step_phase: vm.stepPhase,
    step_at: msOrNull(vm.stepAt, 'stepAt'),
    deadline: msOrNull(vm.deadline, 'deadline'),
    escalated: flag(vm.escalated),
    forced_after_s: vm.forcedAfterS,
    detail: vm.detail,
    status: vm.status,
    started_before: vm.startedBefore,
    moved: flag(vm.moved),
    audit_id: vm.auditId,
    tier: vm.tier,
  };
}

/** The columns an operation's change sets and their stored values; throws StoreError 'invalid' for a bad time. */
export function operationChanges(o: NonNullable<OperationChange['operation']>): [string, unknown][] {
  const sets: [string, unknown][] = [];
  if (o.status !== undefined) sets.push(['status', o.status]);
  if (o.finishedAt !== undefined) sets.push(['finished_at', msOrNull(o.finishedAt, 'finishedAt')]);
  if (o.cancelledBy !== undefined) sets.push(['cancelled_by', o.cancelledBy]);
  if (o.plan !== undefined) sets.push(['plan', JSON.stringify(o.plan)]);
  return sets;
}

/** Column and stored value of each field a VM patch may set (`flag`: how the backend stores a boolean). */
const VM_FIELDS: Readonly<
  Record<keyof OperationVmPatch, readonly [keyof VmRow, (v: unknown, flag: FlagOf<Flag>) => unknown]>
> = {
  state: ['state', (v) => v],
  step: ['step', (v) => v],
  stepPhase: ['step_phase', (v) => v],
  stepAt: ['step_at', (v) => msOrNull(v as string | null, 'stepAt')],
  deadline: ['deadline', (v) => msOrNull(v as string | null, 'deadline')],
  escalated: ['escalated', (v, flag) => flag(Boolean(v))],
  forcedAfterS: ['forced_after_s', (v) => v],
  detail: ['detail', (v) => v],
  status: ['status', (v) => v],
  startedBefore: ['started_before', (v) => v],
  moved: ['moved', (v, flag) => flag(Boolean(v))],
  auditId: ['audit_id', (v) => v],
  tier: ['tier', (v) => v],
};

/** The columns a VM patch may set. */
export const VM_PATCHABLE = [...new Set(Object.values(VM_FIELDS).map(([column]) => column))];

/**
 * The columns a VM patch sets and their stored values, in the patch's order (a field left undefined is not
 * changed). Throws StoreError 'invalid' for a field no patch may set, or a bad time.
 */
export function vmChanges(patch: OperationVmPatch, flag: FlagOf<Flag>): [keyof VmRow, unknown][] {
  const sets: [keyof VmRow, unknown][] = [];
  for (const [field, value] of Object.entries(patch) as [keyof OperationVmPatch, unknown][]) {
    if (value === undefined) continue;
    const spec = Object.hasOwn(VM_FIELDS, field) ? VM_FIELDS[field] : undefined;
    if (!spec) throw new StoreError('invalid', `unknown field ${String(field)}`);
    sets.push([spec[0], spec[1](value, flag)]);
  }
  return sets;
}
