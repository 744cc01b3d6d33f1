// The audit log's table row, the same on both backends (apps/bff/migrations and migrations-postgres name the same
// columns): how a stored row reads back into the chain's shape (./audit-chain.ts) and into a record, the checks on
// the filters both stores apply, and the options both open with. The stores in ./sqlite and ./postgres use it, and
// the CSV export (./audit-csv.ts) takes its columns from it.
import type { AuditFormat, StoredAuditRow } from './audit-chain';
import type { AuditChainOptions } from './audit-key';
import { StoreError } from './errors';
import { iso } from './secrets';
import type { AuditAuthKind, AuditKind, AuditOutcome, AuditRecord, Clock, Role } from './types';

/** What both audit stores open with. */
export interface AuditStoreOptions {
  now?: Clock;
  /** Where the key and the anchor file are (./audit-key.ts `auditChainOptions`). */
  chain: AuditChainOptions;
}

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

/**
 * Each column and the field of a chained row (./audit-chain.ts, StoredAuditRow) it holds, in one order: SELECT lists,
 * INSERTs and the CSV export (./audit-csv.ts). Every column is named (the `satisfies` refuses a table row column
 * left out).
 */
export const AUDIT_FIELDS = {
  id: 'id',
  at: 'at',
  kind: 'kind',
  outcome: 'outcome',
  actor: 'actor',
  role: 'role',
  auth_kind: 'authKind',
  source: 'source',
  user_agent: 'userAgent',
  vm_key: 'vmKey',
  vm_name: 'vmName',
  action: 'action',
  params: 'params',
  reason: 'reason',
  target: 'target',
  request_id: 'requestId',
  operation_id: 'operationId',
  schedule_id: 'scheduleId',
  schedule_name: 'scheduleName',
  ref_id: 'refId',
  vergeos_status: 'vergeosStatus',
  vergeos_message: 'vergeosMessage',
  latency_ms: 'latencyMs',
  prev_hash: 'prevHash',
  hash: 'hash',
  chain: 'format',
} as const satisfies Record<keyof AuditRow, keyof StoredAuditRow>;

/** The columns, in one order: SELECT lists and INSERTs. */
// Object.keys of a const object literal: its keys, in the order written (none is an integer-like string).
export const AUDIT_COLUMN_NAMES = Object.keys(AUDIT_FIELDS) as (keyof typeof AUDIT_FIELDS)[];

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

/** A table row as a record. */
export function readRecord(r: AuditRow): AuditRecord {
  return toRecord(toStored(r));
}

/** A time filter in ms; StoreError 'invalid' when it is not a valid date. */
export function auditTime(name: string, d: Date): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new StoreError('invalid', `audit filter ${name} must be a valid date`);
  return t;
}

/** powerAttempts' count: from 1 to AUDIT_MAX_LIMIT (20 when not a number). */
export function attemptsLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.min(AUDIT_MAX_LIMIT, Math.max(1, Math.trunc(limit))) : 20;
}

/** A page size from 1 to AUDIT_MAX_LIMIT (100 when not given). */
export function auditLimit(limit: number | undefined): number {
  return Math.min(AUDIT_MAX_LIMIT, Math.max(1, Math.trunc(limit ?? 100)));
}
