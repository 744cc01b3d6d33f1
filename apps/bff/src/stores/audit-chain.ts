// The audit log's hash chain, independent of where rows are stored. Each row's hash is the SHA-256
// (hex) of its canonical form: the JSON array below, fields in this fixed order, every absent value
// as null, times as integer milliseconds, params as canonical JSON text, ending with the previous
// row's hash (64 zeros before the first row). Changing, inserting or removing a row breaks the chain
// at that row or the next; `verifyChain` names the first row where it breaks.
import { StoreError } from './errors';
import { sha256Hex } from './secrets';
import { checkRole } from './validation';
import {
  AUDIT_AUTH_KINDS,
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  type AuditInput,
  type AuditRecord,
  type AuditVerifyResult,
  type Json,
} from './types';

export const AUDIT_FORMAT = 'powerdeck-audit-v1';
export const GENESIS_HASH = '0'.repeat(64);

/** A row as stored (times in ms). */
export type StoredAuditRow = Omit<AuditRecord, 'at'> & { at: number };

export type AuditRowContent = Omit<StoredAuditRow, 'id' | 'at' | 'prevHash' | 'hash'>;

/** The canonical serialisation that is hashed. */
export function canonicalAuditRow(row: Omit<StoredAuditRow, 'hash'>): string {
  return JSON.stringify([
    AUDIT_FORMAT,
    row.id,
    row.at,
    row.kind,
    row.outcome,
    row.actor,
    row.role,
    row.authKind,
    row.source,
    row.userAgent,
    row.vmKey,
    row.vmName,
    row.action,
    row.params,
    row.reason,
    row.target,
    row.requestId,
    row.operationId,
    row.refId,
    row.vergeosStatus,
    row.vergeosMessage,
    row.latencyMs,
    row.prevHash,
  ]);
}

export function auditRowHash(row: Omit<StoredAuditRow, 'hash'>): string {
  return sha256Hex(canonicalAuditRow(row));
}

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: Json): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new StoreError('invalid', 'audit params must be JSON (no NaN or Infinity)');
  }
  return value;
}

const LIMITS = {
  actor: 128,
  source: 100,
  userAgent: 512,
  vmName: 256,
  action: 64,
  reason: 1000,
  target: 200,
  requestId: 128,
  operationId: 128,
  vergeosMessage: 2000,
} as const;
const PARAMS_MAX = 8192;

function text(value: string | null | undefined, max: number): string | null {
  if (value === undefined || value === null) return null;
  const s = String(value);
  // Over-long values are cut, not refused: the attempt must be recorded all the same.
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function integer(name: string, value: number | null | undefined, min = 0): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isFinite(value)) throw new StoreError('invalid', `audit ${name} must be a number`);
  const n = Math.round(value);
  if (!Number.isSafeInteger(n) || n < min) throw new StoreError('invalid', `audit ${name} is out of range`);
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], value: unknown): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new StoreError('invalid', `audit ${name} must be one of ${allowed.join(', ')}`);
}

/** Checks and normalises an input into the stored fields (everything but id, time and hashes). */
export function auditContent(input: AuditInput): AuditRowContent {
  let params: string | null = null;
  if (input.params !== undefined) {
    params = canonicalJson(input.params);
    if (params.length > PARAMS_MAX) {
      throw new StoreError('invalid', `audit params must be at most ${PARAMS_MAX} characters of JSON`);
    }
  }
  return {
    kind: oneOf('kind', AUDIT_KINDS, input.kind),
    outcome: oneOf('outcome', AUDIT_OUTCOMES, input.outcome),
    actor: text(input.actor, LIMITS.actor),
    role: input.role === undefined || input.role === null ? null : checkRole(input.role),
    authKind:
      input.authKind === undefined || input.authKind === null
        ? null
        : oneOf('authKind', AUDIT_AUTH_KINDS, input.authKind),
    source: text(input.source, LIMITS.source),
    userAgent: text(input.userAgent, LIMITS.userAgent),
    vmKey: integer('vmKey', input.vmKey),
    vmName: text(input.vmName, LIMITS.vmName),
    action: text(input.action, LIMITS.action),
    params,
    reason: text(input.reason, LIMITS.reason),
    target: text(input.target, LIMITS.target),
    requestId: text(input.requestId, LIMITS.requestId),
    operationId: text(input.operationId, LIMITS.operationId),
    refId: integer('refId', input.refId, 1),
    vergeosStatus: integer('vergeosStatus', input.vergeosStatus),
    vergeosMessage: text(input.vergeosMessage, LIMITS.vergeosMessage),
    latencyMs: integer('latencyMs', input.latencyMs),
  };
}

/** The next row of the chain: its id, time and hashes added to the content. */
export function chainRow(content: AuditRowContent, id: number, at: number, prevHash: string): StoredAuditRow {
  const row = { id, at, ...content, prevHash };
  return { ...row, hash: auditRowHash(row) };
}

/**
 * Walks rows in id order and checks, for each: ids follow one another from 1, prev_hash is the
 * hash of the row before (zeros for the first), and hash is the hash of the row's canonical form.
 */
export function verifyChain(rows: Iterable<StoredAuditRow>): AuditVerifyResult {
  let count = 0;
  let prevId = 0;
  let prevHash = GENESIS_HASH;
  for (const row of rows) {
    count += 1;
    if (row.id !== prevId + 1) {
      return {
        ok: false,
        rows: count,
        brokenId: row.id,
        reason:
          prevId === 0
            ? `the log starts at row ${row.id}, not 1: earlier rows were removed`
            : `row ${row.id} follows row ${prevId}: the rows between were removed`,
      };
    }
    if (auditRowHash(row) !== row.hash) {
      return {
        ok: false,
        rows: count,
        brokenId: row.id,
        reason: `row ${row.id} does not match its hash: it was changed after it was written`,
      };
    }
    if (row.prevHash !== prevHash) {
      return {
        ok: false,
        rows: count,
        brokenId: row.id,
        reason:
          prevId === 0
            ? `row ${row.id} does not start the chain (its prev_hash is not the genesis hash)`
            : `row ${row.id} does not link to row ${prevId} (prev_hash differs): row ${prevId} was changed or replaced`,
      };
    }
    prevId = row.id;
    prevHash = row.hash;
  }
  return { ok: true, rows: count, lastHash: count === 0 ? null : prevHash };
}
