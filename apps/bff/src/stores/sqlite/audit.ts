// The audit log in SQLite: append-only (triggers refuse UPDATE and DELETE) and hash-chained with the
// audit key (see ../audit-chain.ts, ../audit-key.ts, ../audit-anchor.ts). An append reads the last row
// and inserts the next inside one IMMEDIATE transaction, so the chain stays whole with several writers
// (the server and the CLIs); with synchronous=FULL the row is on disk when append resolves.
import type { SqliteDatabase } from '../../db/database';
import { readAnchors } from '../audit-anchor';
import {
  AUDIT_FORMAT,
  AUDIT_FORMAT_LEGACY,
  auditContent,
  chainRow,
  GENESIS_HASH,
  verifyChain,
  type AuditFormat,
  type StoredAuditRow,
} from '../audit-chain';
import { openAuditKey, type AuditChainOptions, type AuditKeyState } from '../audit-key';
import { settle, StoreError } from '../errors';
import { iso } from '../secrets';
import type {
  AuditAuthKind,
  AuditInput,
  AuditKind,
  AuditHead,
  AuditOutcome,
  AuditPage,
  AuditQuery,
  AuditRecord,
  AuditStore,
  AuditVerifyResult,
  Clock,
  Role,
} from '../types';

interface AuditRow {
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

const COLUMNS = `id, at, kind, outcome, actor, role, auth_kind, source, user_agent, vm_key, vm_name, action,
  params, reason, target, request_id, operation_id, schedule_id, schedule_name, ref_id, vergeos_status,
  vergeos_message, latency_ms, prev_hash, hash, chain`;

function toStored(r: AuditRow): StoredAuditRow {
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

function toRecord({ format: _format, ...s }: StoredAuditRow): AuditRecord {
  return { ...s, at: iso(s.at) };
}

const MAX_LIMIT = 1000;

interface SqliteAuditStoreOptions {
  now?: Clock;
  /** Where the key and the anchor file are (../audit-key.ts `auditChainOptions`). */
  chain: AuditChainOptions;
}

export class SqliteAuditStore implements AuditStore {
  /** The key as found when the store opened (null key: appends are refused, keyed rows cannot be verified). */
  readonly key: AuditKeyState;
  readonly anchorFile: string | null;
  private readonly now: Clock;
  private readonly db: SqliteDatabase;
  private readonly last;
  private readonly exists;
  private readonly insert;
  private readonly byId;
  private readonly everything;
  private readonly attempts;
  private readonly outcomes;
  private readonly stops;
  private readonly appendTx;
  private readonly headTx;

  constructor(db: SqliteDatabase, options: SqliteAuditStoreOptions) {
    this.db = db;
    this.now = options.now ?? Date.now;
    this.last = db.prepare<[], { id: number; hash: string; chain: AuditFormat }>(
      'SELECT id, hash, chain FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    // Legacy rows only come first, so the last row says whether the log is keyed yet.
    this.key = openAuditKey(options.chain, this.last.get()?.chain === AUDIT_FORMAT);
    this.anchorFile = options.chain.anchorFile;
    // Counted through the partial index audit_log_legacy (migration 004): as many steps as legacy rows.
    const legacy = db
      .prepare<[], number>(`SELECT COUNT(*) FROM audit_log WHERE chain = '${AUDIT_FORMAT_LEGACY}'`)
      .pluck();
    this.headTx = db.transaction((): AuditHead => {
      const last = this.last.get();
      return { rows: last?.id ?? 0, hash: last?.hash ?? GENESIS_HASH, legacyRows: legacy.get() ?? 0 };
    });
    this.exists = db.prepare<[number], number>('SELECT id FROM audit_log WHERE id = ?').pluck();
    this.insert = db.prepare<[AuditRow]>(
      `INSERT INTO audit_log (${COLUMNS}) VALUES (@id, @at, @kind, @outcome, @actor, @role, @auth_kind,
        @source, @user_agent, @vm_key, @vm_name, @action, @params, @reason, @target, @request_id,
        @operation_id, @schedule_id, @schedule_name, @ref_id, @vergeos_status, @vergeos_message, @latency_ms, @prev_hash, @hash, @chain)`,
    );
    this.byId = db.prepare<[number], AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE id = ?`);
    this.everything = db.prepare<[], AuditRow>(`SELECT ${COLUMNS} FROM audit_log ORDER BY id`);
    this.attempts = db.prepare<[number, number], AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE vm_key = ? AND kind = 'power' AND ref_id IS NULL
       ORDER BY id DESC LIMIT ?`,
    );
    // The ids travel as one JSON array: one prepared statement for any number of them.
    this.outcomes = db.prepare<[string], AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE ref_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    );
    // Params are canonical JSON text: a graceful reset carries `{"graceful":true}` (json_extract gives 1).
    this.stops = db.prepare<[number, number], AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE vm_key = ? AND kind = 'power' AND outcome = 'accepted' AND at >= ?
       AND (action IN ('poweroff', 'kill')
         OR (action = 'reset' AND (params IS NULL OR json_extract(params, '$.graceful') IS NOT 1)))
       ORDER BY id DESC LIMIT 1`,
    );
    this.appendTx = db.transaction((input: AuditInput): StoredAuditRow => {
      const key = this.key.key;
      if (key === null) {
        throw new StoreError(
          'conflict',
          `cannot write to the audit log without its key: ${this.key.problem}`,
        );
      }
      const content = auditContent(input);
      if (content.refId !== null && this.exists.get(content.refId) === undefined) {
        throw new StoreError('invalid', `audit refId ${content.refId} names no row`);
      }
      const last = this.last.get();
      const row = chainRow(content, (last?.id ?? 0) + 1, this.now(), last?.hash ?? GENESIS_HASH, key);
      this.insert.run({
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
      });
      return row;
    });
  }

  append(input: AuditInput): Promise<AuditRecord> {
    // IMMEDIATE: take the write lock before reading the last hash, so no other writer slips in.
    return settle(() => toRecord(this.appendTx.immediate(input)));
  }

  get(id: number): Promise<AuditRecord | null> {
    return settle(() => {
      const row = this.byId.get(id);
      return row ? toRecord(toStored(row)) : null;
    });
  }

  query(q: AuditQuery): Promise<AuditPage> {
    return settle(() => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const add = (clause: string, value: string | number) => {
        where.push(clause);
        params.push(value);
      };
      if (q.vmKey !== undefined) add('vm_key = ?', q.vmKey);
      if (q.actor !== undefined) add('actor = ?', q.actor);
      if (q.action !== undefined) add('action = ?', q.action);
      if (q.outcome !== undefined) add('outcome = ?', q.outcome);
      if (q.kind !== undefined) add('kind = ?', q.kind);
      if (q.from !== undefined) add('at >= ?', time('from', q.from));
      if (q.to !== undefined) add('at < ?', time('to', q.to));
      const asc = q.order === 'asc';
      if (q.cursor !== undefined) add(asc ? 'id > ?' : 'id < ?', q.cursor);
      const limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(q.limit ?? 100)));
      const sql = `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id ${asc ? 'ASC' : 'DESC'} LIMIT ${limit + 1}`;
      const rows = this.db.prepare<(string | number)[], AuditRow>(sql).all(...params);
      const more = rows.length > limit;
      const page = (more ? rows.slice(0, limit) : rows).map((r) => toRecord(toStored(r)));
      return { rows: page, next: more ? (page[page.length - 1]?.id ?? null) : null };
    });
  }

  powerAttempts(vmKey: number, limit: number): Promise<AuditRecord[]> {
    return settle(() => {
      const n = Number.isFinite(limit) ? Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit))) : 20;
      return this.attempts.all(vmKey, n).map((r) => toRecord(toStored(r)));
    });
  }

  outcomesOf(refIds: readonly number[]): Promise<AuditRecord[]> {
    return settle(() => {
      const ids = refIds.filter((id) => Number.isSafeInteger(id));
      if (ids.length === 0) return [];
      return this.outcomes.all(JSON.stringify(ids)).map((r) => toRecord(toStored(r)));
    });
  }

  lastAcceptedStop(vmKey: number, from: Date): Promise<AuditRecord | null> {
    return settle(() => {
      const row = this.stops.get(vmKey, time('from', from));
      return row ? toRecord(toStored(row)) : null;
    });
  }

  head(): Promise<AuditHead> {
    // One (deferred) transaction: the last row and the legacy count from one snapshot.
    return settle(() => this.headTx());
  }

  verify(): Promise<AuditVerifyResult> {
    return settle(() => {
      // The anchors first, then the rows (see verifyChain): an anchor names committed rows only.
      const anchors = this.anchorFile === null ? null : readAnchors(this.anchorFile, this.key.key);
      // One statement, one read transaction: a consistent snapshot even while others append.
      const rows = this.everything.iterate();
      return verifyChain(map(rows, toStored), {
        key: this.key.key,
        keyFile: this.key.keyFile,
        keyProblem: this.key.problem,
        anchors,
      });
    });
  }
}

function time(name: string, d: Date): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new StoreError('invalid', `audit filter ${name} must be a valid date`);
  return t;
}

function* map<A, B>(items: Iterable<A>, fn: (a: A) => B): Generator<B> {
  for (const item of items) yield fn(item);
}
