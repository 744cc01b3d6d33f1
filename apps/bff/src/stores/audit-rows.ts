// The audit log's table row, the same on both backends (apps/bff/migrations and migrations-postgres name the same
// columns): how a stored row reads back into the chain's shape (./audit-chain.ts) and into a record, and the checks
// on the filters both stores apply. Only the stores in ./sqlite and ./postgres use it.
import type { AuditFormat, StoredAuditRow } from './audit-chain';
import { StoreError } from './errors';
import { iso } from './secrets';
import type { AuditAuthKind, AuditKind, AuditOutcome, AuditRecord, Role } from './types';

export interface AuditRow {
  id: number;
  at: number;
  kind: AuditKind;
  outcome: AuditOutcome;
  actor: string | null;
  role: Role | null;
  auth_kind: AuditAuthKind | null;
  source: string | null;
  user_agent: string | null;
  vm_key: number | null;
  vm_name: string | null;
  action: string | null;
  params: string | null;
  reason: string | null;
  target: string | null;
  request_id: string | null;
  operation_id: string | null;
  schedule_id: string | null;
  schedule_name: string | null;
  ref_id: number | null;
  vergeos_status: number | null;
  vergeos_message: string | null;
  latency_ms: number | null;
  prev_hash: string;
  hash: string;
  chain: AuditFormat;
}

/** The columns, in one order: SELECT lists and INSERTs. */
export const AUDIT_COLUMN_NAMES = [
  'id',
  'at',
  'kind',
  'outcome',
  'actor',
  'role',
  'auth_kind',
  'source',
  'user_agent',
  'vm_key',
  'vm_name',
  'action',
  'params',
  'reason',
  'target',
  'request_id',
  'operation_id',
  'schedule_id',
  'schedule_name',
  'ref_id',
  'vergeos_status',
  'vergeos_message',
  'latency_ms',
  'prev_hash',
  'hash',
  'chain',
] as const satisfies readonly (keyof AuditRow)[];

export const AUDIT_COLUMNS = AUDIT_COLUMN_NAMES.join(', ');

/** The most rows one query answers. */
export const AUDIT_MAX_LIMIT = 1000;

export function toStored(r: AuditRow): StoredAuditRow {
  return {
    id: r.id,
    at: r.at,
    kind: r.kind,
    outcome: r.outcome,
    actor: r.actor,
    role: r.role,
    authKind: r.auth_kind,
    source: r.source,
    userAgent: r.user_agent,
    vmKey: r.vm_key,
    vmName: r.vm_name,
    action: r.action,
    params: r.params,
    reason: r.reason,
    target: r.target,
    requestId: r.request_id,
    operationId: r.operation_id,
    scheduleId: r.schedule_id,
    scheduleName: r.schedule_name,
    refId: r.ref_id,
    vergeosStatus: r.vergeos_status,
    vergeosMessage: r.vergeos_message,
    latencyMs: r.latency_ms,
    prevHash: r.prev_hash,
    hash: r.hash,
    format: r.chain,
  };
}

/** The table row of a chained row (what an INSERT writes). */
export function toColumns(row: StoredAuditRow): AuditRow {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind,
    outcome: row.outcome,
    actor: row.actor,
    role: row.role,
    auth_kind: row.authKind,
    source: row.source,
    user_agent: row.userAgent,
    vm_key: row.vmKey,
    vm_name: row.vmName,
    action: row.action,
    params: row.params,
    reason: row.reason,
    target: row.target,
    request_id: row.requestId,
    operation_id: row.operationId,
    schedule_id: row.scheduleId,
    schedule_name: row.scheduleName,
    ref_id: row.refId,
    vergeos_status: row.vergeosStatus,
    vergeos_message: row.vergeosMessage,
    latency_ms: row.latencyMs,
    prev_hash: row.prevHash,
    hash: row.hash,
    chain: row.format,
  };
}

export function toRecord({ format: _format, ...s }: StoredAuditRow): AuditRecord {
  return { ...s, at: iso(s.at) };
}

/** A time filter in ms; StoreError 'invalid' when it is not a valid date. */
export function auditTime(name: string, d: Date): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new StoreError('invalid', `audit filter ${name} must be a valid date`);
  return t;
}

/** A page size from 1 to AUDIT_MAX_LIMIT (100 when not given). */
export function auditLimit(limit: number | undefined): number {
  return Math.min(AUDIT_MAX_LIMIT, Math.max(1, Math.trunc(limit ?? 100)));
}
