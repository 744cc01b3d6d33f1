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
import { randomUUID } from 'node:crypto';
import type { RunOutcome, ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import { inTransaction, type PgClient, type PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { iso, isoOrNull } from '../secrets';
import type {
  Clock,
  NewScheduleRun,
  SchedulePatch,
  ScheduleRecord,
  ScheduleRunRecord,
  ScheduleSkipRecord,
  ScheduleStore,
} from '../types';
import { isUniqueViolation } from './sql';

interface ScheduleRow {
  id: string;
  name: string;
  enabled: boolean;
  action: ScheduleAction;
  force_after_s: number | null;
  targets: string;
  when_json: string;
  time_zone: string;
  grace_minutes: number;
  exclusions: string;
  owner: string;
  created_at: number;
  updated_at: number;
  paused_by: string | null;
  paused_reason: string | null;
  paused_at: number | null;
  last_handled_for: number | null;
  /** The schedule's skips, oldest first (json_agg of SkipRow; '[]' when none). */
  skips: SkipRow[];
}

interface SkipRow {
  at: number;
  by: string;
  reason: string;
  recorded_at: number;
}

interface RunRow {
  id: string;
  schedule_id: string;
  schedule_name: string;
  scheduled_for: number;
  outcome: RunOutcome;
  detail: string;
  operation_id: string | null;
  recorded_at: number;
}

const COLUMNS = `id, name, enabled, action, force_after_s, targets, when_json, time_zone, grace_minutes, exclusions,
  owner, created_at, updated_at, paused_by, paused_reason, paused_at, last_handled_for`;
/** A schedule's columns and its skips (oldest first) as one JSON array: one statement, one snapshot. */
const SELECT_SCHEDULE = `SELECT ${COLUMNS},
  COALESCE((SELECT json_agg(json_build_object('at', k.at, 'by', k.by, 'reason', k.reason,
      'recorded_at', k.recorded_at) ORDER BY k.at)
    FROM schedule_skips k WHERE k.schedule_id = s.id), '[]'::json) AS skips
  FROM schedules s`;
const RUN_COLUMNS =
  'id, schedule_id, schedule_name, scheduled_for, outcome, detail, operation_id, recorded_at';

function ms(value: string, what: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new StoreError('invalid', `${what} is not an ISO 8601 time`);
  return t;
}

function toSkip(r: SkipRow): ScheduleSkipRecord {
  return { at: iso(r.at), by: r.by, reason: r.reason, recordedAt: iso(r.recorded_at) };
}

function toSchedule(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    action: r.action,
    forceAfterS: r.force_after_s,
    targets: JSON.parse(r.targets) as ScheduleRecord['targets'],
    when: JSON.parse(r.when_json) as ScheduleRecord['when'],
    timeZone: r.time_zone,
    graceMinutes: r.grace_minutes,
    exclusions: JSON.parse(r.exclusions) as string[],
    owner: r.owner,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    paused:
      r.paused_by !== null && r.paused_at !== null
        ? { by: r.paused_by, reason: r.paused_reason ?? '', at: iso(r.paused_at) }
        : null,
    lastHandledFor: isoOrNull(r.last_handled_for),
    skips: r.skips.map(toSkip),
  };
}

function toRun(r: RunRow): ScheduleRunRecord {
  return {
    id: r.id,
    scheduleId: r.schedule_id,
    scheduleName: r.schedule_name,
    scheduledFor: iso(r.scheduled_for),
    outcome: r.outcome,
    detail: r.detail,
    operationId: r.operation_id,
    recordedAt: iso(r.recorded_at),
  };
}

/** Column and stored value of each schedule field a patch may set. */
const FIELDS: Readonly<
  Record<keyof Omit<SchedulePatch, 'paused' | 'clearSkips'>, [string, (v: never) => unknown]>
> = {
  name: ['name', (v: string) => v],
  enabled: ['enabled', (v: boolean) => v],
  action: ['action', (v: string) => v],
  forceAfterS: ['force_after_s', (v: number | null) => v],
  targets: ['targets', (v: unknown) => JSON.stringify(v)],
  when: ['when_json', (v: unknown) => JSON.stringify(v)],
  timeZone: ['time_zone', (v: string) => v],
  graceMinutes: ['grace_minutes', (v: number) => v],
  exclusions: ['exclusions', (v: unknown) => JSON.stringify(v)],
};

const MAX_RUNS = 500;

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
    const r = await client.query<ScheduleRow>(`${SELECT_SCHEDULE} WHERE s.id = $1`, [id]);
    return r.rows[0] ? toSchedule(r.rows[0]) : null;
  }

  async create(s: Omit<ScheduleRecord, 'skips' | 'lastHandledFor' | 'paused'>): Promise<ScheduleRecord> {
    const values = [
      s.id,
      s.name,
      s.enabled,
      s.action,
      s.forceAfterS,
      JSON.stringify(s.targets),
      JSON.stringify(s.when),
      s.timeZone,
      s.graceMinutes,
      JSON.stringify(s.exclusions),
      s.owner,
      ms(s.createdAt, 'createdAt'),
      ms(s.updatedAt, 'updatedAt'),
    ];
    try {
      // Read back as stored; a new schedule has no skips yet.
      const r = await this.pool.query<ScheduleRow>(
        `INSERT INTO schedules (id, name, enabled, action, force_after_s, targets, when_json, time_zone,
          grace_minutes, exclusions, owner, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         RETURNING ${COLUMNS}, '[]'::json AS skips`,
        values,
      );
      return toSchedule(r.rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreError('exists', `a schedule with the id ${s.id} exists`);
      throw err;
    }
  }

  get(id: string): Promise<ScheduleRecord | null> {
    return this.read(id);
  }

  async list(): Promise<ScheduleRecord[]> {
    const r = await this.pool.query<ScheduleRow>(
      `${SELECT_SCHEDULE} ORDER BY s.name COLLATE "C", s.id COLLATE "C"`,
    );
    return r.rows.map(toSchedule);
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
    for (const [field, [column, store]] of Object.entries(FIELDS)) {
      const value = patch[field as keyof typeof FIELDS];
      if (value !== undefined) set(column, store(value as never));
    }
    if (patch.paused !== undefined) {
      const p = patch.paused;
      set('paused_by', p?.by ?? null);
      set('paused_reason', p?.reason ?? null);
      set('paused_at', p === null ? null : ms(p.at, 'paused.at'));
    }
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
    const row: RunRow = {
      id: randomUUID(),
      schedule_id: run.scheduleId,
      schedule_name: run.scheduleName,
      scheduled_for: ms(run.scheduledFor, 'scheduledFor'),
      outcome: run.outcome,
      detail: run.detail,
      operation_id: run.operationId,
      recorded_at: this.now(),
    };
    // One statement, so one transaction: the insert decides (see the header), the rest follows only from it.
    const r = await this.pool.query<{ recorded: number }>(
      `WITH run AS (
         INSERT INTO schedule_runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
         RETURNING schedule_id, scheduled_for
       ), handled AS (
         UPDATE schedules s SET last_handled_for = run.scheduled_for FROM run
         WHERE s.id = run.schedule_id AND (s.last_handled_for IS NULL OR s.last_handled_for < run.scheduled_for)
       ), skip AS (
         DELETE FROM schedule_skips k USING run WHERE k.schedule_id = run.schedule_id AND k.at = run.scheduled_for
       )
       SELECT count(*)::int AS recorded FROM run`,
      [
        row.id,
        row.schedule_id,
        row.schedule_name,
        row.scheduled_for,
        row.outcome,
        row.detail,
        row.operation_id,
        row.recorded_at,
      ],
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
    const limit = Math.min(MAX_RUNS, Math.max(1, Math.trunc(filter.limit)));
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
