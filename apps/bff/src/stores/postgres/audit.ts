// The audit log in PostgreSQL, one chain for every server sharing the database: the same rows, hashes, rules and
// messages as the SQLite store (../sqlite/audit.ts; the chain is ../audit-chain.ts, the key ../audit-key.ts). A
// PostgreSQL log starts keyed (powerdeck-audit-v2); legacy rows exist only in old SQLite files.
//
// Several servers append at once, and the chain must stay one chain with ids 1, 2, 3... without gaps. An append is
// one transaction that takes a transaction-scoped advisory lock (LOCKS.auditChain), reads the last row, computes the
// next hash, inserts id = last + 1 and commits. The lock, not SELECT ... FOR UPDATE on the last row: an empty log has
// no row to lock, and a lock on the last row would not stop a second writer that read the same row from inserting the
// same id (it would fail on the key and have to retry). Under the lock appends simply take turns; it is released at
// commit or rollback, so a server that dies mid-append holds nothing. synchronous_commit is on for the append whatever
// the database's default, so the row is durable when append resolves (the proxy forwards an action only then).
//
// The table refuses UPDATE, DELETE and TRUNCATE (triggers, migrations-postgres/001_init.sql). verify() reads the
// anchors, then every row in one REPEATABLE READ snapshot, a batch at a time. The key's fingerprint is recorded in
// audit_key with the first row: a server whose key file holds another key (a wrong copy) finds no usable key at open,
// and cannot append.
import type { PgClient, PgPool } from '../../db/postgres';
import { checkOut, inTransaction } from '../../db/postgres';
import { readAnchors } from '../audit-anchor';
import {
  AUDIT_FORMAT,
  AUDIT_FORMAT_LEGACY,
  auditContent,
  chainRow,
  GENESIS_HASH,
  verifyChainAsync,
  type AuditFormat,
  type StoredAuditRow,
} from '../audit-chain';
import { openAuditKey, type AuditKey, type AuditKeyState } from '../audit-key';
import {
  AUDIT_COLUMN_NAMES,
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
import { StoreError } from '../errors';
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
import { LOCKS, placeholders } from './sql';

/** Rows verify() reads at a time. */
const VERIFY_BATCH = 1000;

const INSERT = `INSERT INTO audit_log (${COLUMNS})
  VALUES (${placeholders(AUDIT_COLUMN_NAMES)})`;

/** What the database says about the chain when the store opens. */
interface Found {
  /** The key file as read (verify checks rows with it, whatever the database recorded). */
  file: AuditKeyState;
  /** The fingerprint recorded with the first row, or null. */
  recorded: string | null;
}

function otherKey(recorded: string, key: AuditKey): string {
  return (
    `the audit log in this database is keyed with another key (fingerprint ${recorded}) than the one in ` +
    `${key.file} (fingerprint ${key.fingerprint}): give every server sharing the database a copy of the same key file`
  );
}

/** A number that no stored (whole) number can equal. */
const unmatchable = (n: number) => !Number.isSafeInteger(n);

export class PgAuditStore implements KeyedAuditStore {
  /**
   * The key for appends as found when the store opened: null (appends are refused) when the file has none, or not
   * the one the database's chain is keyed with.
   */
  readonly key: AuditKeyState;
  readonly anchorFile: string | null;
  private readonly now: Clock;
  private readonly fileKey: AuditKeyState;
  /** The database has recorded this store's key (no need to record it at the next append). */
  private keyRecorded: boolean;

  /** Opens the store: reads the key file, and what the database recorded of the key. */
  static async open(pool: PgPool, options: AuditStoreOptions): Promise<PgAuditStore> {
    const r = await pool.query<{ chain: AuditFormat | null; fingerprint: string | null }>(
      `SELECT (SELECT chain FROM audit_log ORDER BY id DESC LIMIT 1) AS chain,
        (SELECT fingerprint FROM audit_key) AS fingerprint`,
    );
    const head = r.rows[0];
    // As on SQLite, a key is generated (when allowed) only while the log has no keyed rows.
    const file = openAuditKey(options.chain, head?.chain === AUDIT_FORMAT);
    return new PgAuditStore(pool, options, { file, recorded: head?.fingerprint ?? null });
  }

  private constructor(
    private readonly pool: PgPool,
    options: AuditStoreOptions,
    found: Found,
  ) {
    this.now = options.now ?? Date.now;
    this.anchorFile = options.chain.anchorFile;
    this.fileKey = found.file;
    const key = found.file.key;
    const mismatch = key !== null && found.recorded !== null && found.recorded !== key.fingerprint;
    this.key = mismatch
      ? { ...found.file, key: null, problem: otherKey(found.recorded!, key), warning: null }
      : found.file;
    this.keyRecorded = found.recorded !== null && !mismatch;
  }

  async append(input: AuditInput): Promise<AuditRecord> {
    const key = this.key.key;
    if (key === null) {
      throw new StoreError('conflict', `cannot write to the audit log without its key: ${this.key.problem}`);
    }
    const content = auditContent(input);
    const row = await inTransaction(this.pool, async (client) => {
      // One writer at a time on the chain, across every server; durable at commit.
      await client.query("SELECT set_config('synchronous_commit', 'on', true), pg_advisory_xact_lock($1)", [
        LOCKS.auditChain,
      ]);
      if (!this.keyRecorded) await this.recordKey(client, key);
      // Read in a statement after the lock is held: under READ COMMITTED it sees every row committed before it
      // began, the previous holder's included.
      const r = await client.query<{ id: number | null; hash: string | null; ref: boolean }>(
        `WITH last AS (SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1)
         SELECT (SELECT id FROM last) AS id, (SELECT hash FROM last) AS hash,
           EXISTS (SELECT 1 FROM audit_log WHERE id = $1) AS ref`,
        [content.refId ?? 0],
      );
      const last = r.rows[0];
      if (content.refId !== null && !last?.ref) {
        throw new StoreError('invalid', `audit refId ${content.refId} names no row`);
      }
      const next = chainRow(content, (last?.id ?? 0) + 1, this.now(), last?.hash ?? GENESIS_HASH, key);
      const columns = toColumns(next);
      await client.query(
        INSERT,
        AUDIT_COLUMN_NAMES.map((c) => columns[c]),
      );
      return next;
    });
    this.keyRecorded = true;
    return toRecord(row);
  }

  /** Records the key's fingerprint with the first row; refuses a key other than the recorded one (under the lock). */
  private async recordKey(client: PgClient, key: AuditKey): Promise<void> {
    const r = await client.query<{ fingerprint: string }>(
      `WITH mine AS (
         INSERT INTO audit_key (fingerprint, recorded_at) VALUES ($1, $2)
         ON CONFLICT (one) DO NOTHING RETURNING fingerprint
       )
       SELECT fingerprint FROM mine UNION ALL SELECT fingerprint FROM audit_key`,
      [key.fingerprint, this.now()],
    );
    const recorded = r.rows[0]?.fingerprint;
    if (recorded !== undefined && recorded !== key.fingerprint) {
      throw new StoreError(
        'conflict',
        `cannot write to the audit log without its key: ${otherKey(recorded, key)}`,
      );
    }
  }

  async get(id: number): Promise<AuditRecord | null> {
    if (unmatchable(id)) return null;
    const r = await this.pool.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE id = $1`, [id]);
    return r.rows[0] ? readRecord(r.rows[0]) : null;
  }

  async query(q: AuditQuery): Promise<AuditPage> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (condition: string, value: string | number) => {
      params.push(value);
      where.push(`${condition} $${params.length}`);
    };
    const none: AuditPage = { rows: [], next: null };
    let empty = false;
    if (q.vmKey !== undefined) {
      if (unmatchable(q.vmKey)) empty = true;
      else add('vm_key =', q.vmKey);
    }
    if (q.actor !== undefined) add('actor =', q.actor);
    if (q.action !== undefined) add('action =', q.action);
    if (q.outcome !== undefined) add('outcome =', q.outcome);
    if (q.kind !== undefined) add('kind =', q.kind);
    if (q.from !== undefined) add('at >=', time('from', q.from));
    if (q.to !== undefined) add('at <', time('to', q.to));
    const asc = q.order === 'asc';
    if (q.cursor !== undefined) {
      // Ids are whole: "after 4.5" is "after 4" going up and "before 5" going down (as SQLite compares).
      const cursor = asc ? Math.floor(q.cursor) : Math.ceil(q.cursor);
      if (Number.isNaN(cursor)) empty = true;
      else add(asc ? 'id >' : 'id <', Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, cursor)));
    }
    const limit = auditLimit(q.limit);
    if (empty) return none;
    const r = await this.pool.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id ${asc ? 'ASC' : 'DESC'} LIMIT ${limit + 1}`,
      params,
    );
    const more = r.rows.length > limit;
    const page = (more ? r.rows.slice(0, limit) : r.rows).map((row) => readRecord(row));
    return { rows: page, next: more ? (page[page.length - 1]?.id ?? null) : null };
  }

  async powerAttempts(vmKey: number, limit: number): Promise<AuditRecord[]> {
    const n = attemptsLimit(limit);
    if (unmatchable(vmKey)) return [];
    const r = await this.pool.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE vm_key = $1 AND kind = 'power' AND ref_id IS NULL
       ORDER BY id DESC LIMIT $2`,
      [vmKey, n],
    );
    return r.rows.map((row) => readRecord(row));
  }

  async outcomesOf(refIds: readonly number[]): Promise<AuditRecord[]> {
    const ids = refIds.filter((id) => Number.isSafeInteger(id));
    if (ids.length === 0) return [];
    const r = await this.pool.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE ref_id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );
    return r.rows.map((row) => readRecord(row));
  }

  async lastAcceptedStop(vmKey: number, from: Date): Promise<AuditRecord | null> {
    const since = time('from', from);
    if (unmatchable(vmKey)) return null;
    // Params are canonical JSON text: a graceful reset carries `{"graceful":true}` (SQLite's json_extract reads true
    // and 1 alike as 1, so both count as graceful here too).
    const r = await this.pool.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE vm_key = $1 AND kind = 'power' AND outcome = 'accepted' AND at >= $2
       AND (action IN ('poweroff', 'kill')
         OR (action = 'reset'
           AND NOT COALESCE((params::jsonb -> 'graceful') IN ('true'::jsonb, '1'::jsonb), FALSE)))
       ORDER BY id DESC LIMIT 1`,
      [vmKey, since],
    );
    return r.rows[0] ? readRecord(r.rows[0]) : null;
  }

  async head(): Promise<AuditHead> {
    // One statement, one snapshot: the last row and the legacy count agree.
    const r = await this.pool.query<{ id: number | null; hash: string | null; legacy: number }>(
      `WITH last AS (SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1)
       SELECT (SELECT id FROM last) AS id, (SELECT hash FROM last) AS hash,
         (SELECT count(*) FROM audit_log WHERE chain = $1) AS legacy`,
      [AUDIT_FORMAT_LEGACY],
    );
    const head = r.rows[0];
    return { rows: head?.id ?? 0, hash: head?.hash ?? GENESIS_HASH, legacyRows: head?.legacy ?? 0 };
  }

  async verify(): Promise<AuditVerifyResult> {
    // The anchors first, then the rows (see verifyChain): an anchor names committed rows only, and the snapshot the
    // rows are read in is taken after.
    const anchors = this.anchorFile === null ? null : readAnchors(this.anchorFile, this.fileKey.key);
    return verifyChainAsync(this.everyRow(), {
      key: this.fileKey.key,
      keyFile: this.fileKey.keyFile,
      keyProblem: this.fileKey.problem,
      anchors,
    });
  }

  /** Every row in id order, from one snapshot (REPEATABLE READ), a batch at a time; stops when the walk does. */
  private async *everyRow(): AsyncGenerator<StoredAuditRow> {
    const { client, done } = await checkOut(this.pool);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let after = 0;
      for (;;) {
        const r = await client.query<AuditRow>(
          `SELECT ${COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT ${VERIFY_BATCH}`,
          [after],
        );
        for (const row of r.rows) yield toStored(row);
        const last = r.rows.at(-1);
        if (last === undefined || r.rows.length < VERIFY_BATCH) return;
        after = last.id;
      }
    } finally {
      // Read only: nothing to commit.
      await client.query('ROLLBACK').catch(() => undefined);
      done();
    }
  }
}
