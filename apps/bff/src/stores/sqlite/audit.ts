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
import { openAuditKey, type AuditKeyState } from '../audit-key';
import {
  AUDIT_COLUMNS as COLUMNS,
  attemptsLimit,
  auditLimit,
  auditTime as time,
  readRecord,
  toColumns,
  toRecord,
  toStored,
  type AuditRow,
  type AuditStoreOptions,
} from '../audit-rows';
import { settle, StoreError } from '../errors';
import type {
  AuditHead,
  AuditInput,
  AuditPage,
  AuditQuery,
  AuditRecord,
  AuditVerifyResult,
  Clock,
  KeyedAuditStore,
} from '../types';

export class SqliteAuditStore implements KeyedAuditStore {
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

  constructor(db: SqliteDatabase, options: AuditStoreOptions) {
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
      this.insert.run(toColumns(row));
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
      return row ? readRecord(row) : null;
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
      const limit = auditLimit(q.limit);
      const sql = `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id ${asc ? 'ASC' : 'DESC'} LIMIT ${limit + 1}`;
      const rows = this.db.prepare<(string | number)[], AuditRow>(sql).all(...params);
      const more = rows.length > limit;
      const page = (more ? rows.slice(0, limit) : rows).map((r) => readRecord(r));
      return { rows: page, next: more ? (page[page.length - 1]?.id ?? null) : null };
    });
  }

  powerAttempts(vmKey: number, limit: number): Promise<AuditRecord[]> {
    return settle(() => {
      const n = attemptsLimit(limit);
      return this.attempts.all(vmKey, n).map((r) => readRecord(r));
    });
  }

  outcomesOf(refIds: readonly number[]): Promise<AuditRecord[]> {
    return settle(() => {
      const ids = refIds.filter((id) => Number.isSafeInteger(id));
      if (ids.length === 0) return [];
      return this.outcomes.all(JSON.stringify(ids)).map((r) => readRecord(r));
    });
  }

  lastAcceptedStop(vmKey: number, from: Date): Promise<AuditRecord | null> {
    return settle(() => {
      const row = this.stops.get(vmKey, time('from', from));
      return row ? readRecord(row) : null;
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

function* map<A, B>(items: Iterable<A>, fn: (a: A) => B): Generator<B> {
  for (const item of items) yield fn(item);
}
