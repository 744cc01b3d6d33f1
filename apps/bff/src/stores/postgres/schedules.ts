// Schedules in PostgreSQL: the same rules, messages and orders as the SQLite store (../sqlite/schedules.ts). With
// several servers, what SQLite gets from its single writer comes from PostgreSQL's own constraints, not from locks
// of ours:
// - a run is recorded once: recordRun is one statement whose INSERT … ON CONFLICT (schedule_id, scheduled_for) DO
//   NOTHING lets the UNIQUE key decide. Of two servers recording the same moment, the second waits for the first's
//   insert to commit and then inserts nothing, so it gets null and changes nothing. In the same statement the
//   schedule's lastHandledFor moves to the run only if that is later (the WHERE is checked again against the row
//   as it stands once its lock is free, so a concurrent later run is never overwritten) and that moment's skip goes.
// - a skip is taken once: the (schedule_id, at) primary key refuses the second; a skip of a schedule that is gone
//   meets the foreign key.
// A schedule is read with its skips in one statement (one snapshot); names are ordered by their bytes (COLLATE "C"),
// as SQLite's BINARY collation does.
import { inTransaction, type PgClient, type PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { ms, pgFlag } from '../rows/columns';
import {
  RUN_COLUMN_NAMES,
  RUN_COLUMNS,
  runLimit,
  SCHEDULE_COLUMN_NAMES,
  SCHEDULE_COLUMNS as COLUMNS,
  scheduleChanges,
  toRun,
  toRunRow,
  toSchedule,
  toScheduleRow,
  toSkip,
  type RunRow,
  type ScheduleRow,
  type SkipRow,
} from '../rows/schedules';
import type {
  Clock,
  NewScheduleRun,
  SchedulePatch,
  ScheduleRecord,
  ScheduleRunRecord,
  ScheduleSkipRecord,
  ScheduleStore,
} from '../types';
import { isUniqueViolation, placeholders } from './sql';

/** A schedule with its skips, oldest first (json_agg of SkipRow; '[]' when none). */
interface ScheduleWithSkips extends ScheduleRow<boolean> {
  skips: SkipRow[];
}

/** A schedule's columns and its skips (oldest first) as one JSON array: one statement, one snapshot. */
const SELECT_SCHEDULE = `SELECT ${COLUMNS},
  COALESCE((SELECT json_agg(json_build_object('at', k.at, 'by', k.by, 'reason', k.reason,
      'recorded_at', k.recorded_at) ORDER BY k.at)
    FROM schedule_skips k WHERE k.schedule_id = s.id), '[]'::json) AS skips
  FROM schedules s`;

const fromRow = (r: ScheduleWithSkips) => toSchedule(r, r.skips.map(toSkip));

/** foreign_key_violation: a row names a parent that does not exist (a skip of a schedule that is gone). */
const isForeignKeyViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23503';

export class PgScheduleStore implements ScheduleStore {
  private readonly now: Clock;

  constructor(
    private readonly pool: PgPool,
    options: { now?: Clock } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  private async read(id: string, client: PgPool | PgClient = this.pool): Promise<ScheduleRecord | null> {
    const r = await client.query<ScheduleWithSkips>(`${SELECT_SCHEDULE} WHERE s.id = $1`, [id]);
    return r.rows[0] ? fromRow(r.rows[0]) : null;
  }

  async create(s: Omit<ScheduleRecord, 'skips' | 'lastHandledFor' | 'paused'>): Promise<ScheduleRecord> {
    const row = toScheduleRow(s, pgFlag);
    try {
      // Read back as stored; a new schedule has no skips yet.
      const r = await this.pool.query<ScheduleWithSkips>(
        `INSERT INTO schedules (${COLUMNS}) VALUES (${placeholders(SCHEDULE_COLUMN_NAMES)})
         RETURNING ${COLUMNS}, '[]'::json AS skips`,
        SCHEDULE_COLUMN_NAMES.map((c) => row[c]),
      );
      return fromRow(r.rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreError('exists', `a schedule with the id ${s.id} exists`);
      throw err;
    }
  }

  get(id: string): Promise<ScheduleRecord | null> {
    return this.read(id);
  }

  async list(): Promise<ScheduleRecord[]> {
    const r = await this.pool.query<ScheduleWithSkips>(
      `${SELECT_SCHEDULE} ORDER BY s.name COLLATE "C", s.id COLLATE "C"`,
    );
    return r.rows.map(fromRow);
  }

  async count(): Promise<number> {
    const r = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM schedules');
    return r.rows[0]?.n ?? 0;
  }

  async update(id: string, patch: SchedulePatch, updatedAt: string): Promise<ScheduleRecord> {
    const values: unknown[] = [ms(updatedAt, 'updatedAt')];
    const sets = ['updated_at = $1'];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    for (const [column, value] of scheduleChanges(patch, pgFlag)) set(column, value);
    values.push(id);
    return inTransaction(this.pool, async (client) => {
      const r = await client.query(
        `UPDATE schedules SET ${sets.join(', ')} WHERE id = $${values.length}`,
        values,
      );
      if (r.rowCount === 0) throw new StoreError('not_found', `No schedule ${id}`);
      if (patch.clearSkips) await client.query('DELETE FROM schedule_skips WHERE schedule_id = $1', [id]);
      return (await this.read(id, client))!;
    });
  }

  async delete(id: string): Promise<boolean> {
    // Its skips go with it (ON DELETE CASCADE); its runs stay, as history.
    const r = await this.pool.query('DELETE FROM schedules WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async addSkip(id: string, skip: ScheduleSkipRecord): Promise<ScheduleRecord> {
    const at = ms(skip.at, 'at');
    const recordedAt = ms(skip.recordedAt, 'recordedAt');
    return inTransaction(this.pool, async (client) => {
      try {
        await client.query(
          'INSERT INTO schedule_skips (schedule_id, at, by, reason, recorded_at) VALUES ($1, $2, $3, $4, $5)',
          [id, at, skip.by, skip.reason, recordedAt],
        );
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new StoreError('not_found', `No schedule ${id}`);
        if (isUniqueViolation(err))
          throw new StoreError('exists', `The run at ${skip.at} is already skipped`);
        throw err;
      }
      // The skip holds a key-share lock on its schedule: nobody deletes it before this read.
      return (await this.read(id, client))!;
    });
  }

  async removeSkip(id: string, at: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM schedule_skips WHERE schedule_id = $1 AND at = $2', [
      id,
      ms(at, 'at'),
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async recordRun(run: NewScheduleRun): Promise<ScheduleRunRecord | null> {
    const row = toRunRow(run, this.now());
    // One statement, so one transaction: the insert decides (see the header), the rest follows only from it.
    const r = await this.pool.query<{ recorded: number }>(
      `WITH run AS (
         INSERT INTO schedule_runs (${RUN_COLUMNS}) VALUES (${placeholders(RUN_COLUMN_NAMES)})
         ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
         RETURNING schedule_id, scheduled_for
       ), handled AS (
         UPDATE schedules s SET last_handled_for = run.scheduled_for FROM run
         WHERE s.id = run.schedule_id AND (s.last_handled_for IS NULL OR s.last_handled_for < run.scheduled_for)
       ), skip AS (
         DELETE FROM schedule_skips k USING run WHERE k.schedule_id = run.schedule_id AND k.at = run.scheduled_for
       )
       SELECT count(*)::int AS recorded FROM run`,
      RUN_COLUMN_NAMES.map((c) => row[c]),
    );
    return r.rows[0]?.recorded === 1 ? toRun(row) : null;
  }

  async setRunOperation(runId: string, operationId: string, detail: string): Promise<void> {
    const r = await this.pool.query(
      `UPDATE schedule_runs SET operation_id = $1, detail = $2 WHERE id = $3 AND outcome = 'started'`,
      [operationId, detail, runId],
    );
    if (r.rowCount === 0) throw new StoreError('not_found', `No started run ${runId}`);
  }

  async failRun(runId: string, detail: string): Promise<void> {
    const r = await this.pool.query(
      `UPDATE schedule_runs SET outcome = 'failed', detail = $1
       WHERE id = $2 AND outcome = 'started' AND operation_id IS NULL`,
      [detail, runId],
    );
    if (r.rowCount === 0) throw new StoreError('not_found', `No started run ${runId}`);
  }

  async unfinishedRuns(): Promise<ScheduleRunRecord[]> {
    const r = await this.pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM schedule_runs WHERE outcome = 'started' AND operation_id IS NULL
       ORDER BY id COLLATE "C"`,
    );
    return r.rows.map(toRun);
  }

  async listRuns(filter: { scheduleId?: string; limit: number }): Promise<ScheduleRunRecord[]> {
    const limit = runLimit(filter.limit);
    const byId = filter.scheduleId !== undefined;
    const r = await this.pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM schedule_runs ${byId ? 'WHERE schedule_id = $2' : ''}
       ORDER BY scheduled_for DESC, recorded_at DESC LIMIT $1`,
      byId ? [limit, filter.scheduleId] : [limit],
    );
    return r.rows.map(toRun);
  }

  async lastRuns(): Promise<Map<string, ScheduleRunRecord>> {
    const r = await this.pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM schedule_runs r WHERE scheduled_for =
        (SELECT MAX(scheduled_for) FROM schedule_runs WHERE schedule_id = r.schedule_id)`,
    );
    return new Map(r.rows.map((x) => [x.schedule_id, toRun(x)]));
  }

  async pruneRuns(recordedBefore: Date): Promise<number> {
    const r = await this.pool.query('DELETE FROM schedule_runs WHERE recorded_at < $1', [
      recordedBefore.getTime(),
    ]);
    return r.rowCount ?? 0;
  }
}
