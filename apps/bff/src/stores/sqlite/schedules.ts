// Schedules in SQLite: the schedules, their skipped runs and the history of runs (migration 005). A run is
// recorded at most once per schedule and moment (the table's UNIQUE key), in the same transaction that moves the
// schedule's lastHandledFor and drops a skip of that moment: whatever wakes twice, only one recording wins.
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { ms, sqliteFlag } from '../rows/columns';
import {
  RUN_COLUMNS,
  runLimit,
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

/** A schedule_skips row. */
interface SkipRowOf extends SkipRow {
  schedule_id: string;
}

export class SqliteScheduleStore implements ScheduleStore {
  private readonly now: Clock;
  private readonly db: SqliteDatabase;
  private readonly byId;
  private readonly all;
  private readonly skipsOf;
  private readonly allSkips;
  private readonly counted;
  private readonly insert;
  private readonly remove;
  private readonly insertSkip;
  private readonly deleteSkip;
  private readonly insertRun;
  private readonly handled;
  private readonly runOperation;
  private readonly runFailed;
  private readonly unfinished;
  private readonly latest;
  private readonly prune;
  private readonly recordTx;

  constructor(db: SqliteDatabase, options: { now?: Clock } = {}) {
    this.db = db;
    this.now = options.now ?? Date.now;
    this.byId = db.prepare<[string], ScheduleRow<0 | 1>>(`SELECT ${COLUMNS} FROM schedules WHERE id = ?`);
    this.all = db.prepare<[], ScheduleRow<0 | 1>>(`SELECT ${COLUMNS} FROM schedules ORDER BY name, id`);
    this.counted = db.prepare<[], number>('SELECT COUNT(*) FROM schedules').pluck();
    this.skipsOf = db.prepare<[string], SkipRowOf>(
      'SELECT schedule_id, at, by, reason, recorded_at FROM schedule_skips WHERE schedule_id = ? ORDER BY at',
    );
    this.allSkips = db.prepare<[], SkipRowOf>(
      'SELECT schedule_id, at, by, reason, recorded_at FROM schedule_skips ORDER BY schedule_id, at',
    );
    this.insert = db.prepare<[ScheduleRow<0 | 1>]>(
      `INSERT INTO schedules (${COLUMNS}) VALUES (@id, @name, @enabled, @action, @force_after_s, @targets,
        @when_json, @time_zone, @grace_minutes, @exclusions, @owner, @created_at, @updated_at, @paused_by,
        @paused_reason, @paused_at, @last_handled_for)`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM schedules WHERE id = ?');
    this.insertSkip = db.prepare<[SkipRowOf]>(
      `INSERT INTO schedule_skips (schedule_id, at, by, reason, recorded_at)
       VALUES (@schedule_id, @at, @by, @reason, @recorded_at)`,
    );
    this.deleteSkip = db.prepare<[string, number]>(
      'DELETE FROM schedule_skips WHERE schedule_id = ? AND at = ?',
    );
    // ON CONFLICT DO NOTHING: the second recording of a run changes nothing (changes = 0).
    this.insertRun = db.prepare<[RunRow]>(
      `INSERT INTO schedule_runs (${RUN_COLUMNS}) VALUES (@id, @schedule_id, @schedule_name, @scheduled_for,
        @outcome, @detail, @operation_id, @recorded_at) ON CONFLICT (schedule_id, scheduled_for) DO NOTHING`,
    );
    this.handled = db.prepare<[number, string, number]>(
      `UPDATE schedules SET last_handled_for = ? WHERE id = ? AND (last_handled_for IS NULL OR last_handled_for < ?)`,
    );
    this.runOperation = db.prepare<[string, string, string]>(
      `UPDATE schedule_runs SET operation_id = ?, detail = ? WHERE id = ? AND outcome = 'started'`,
    );
    this.runFailed = db.prepare<[string, string]>(
      `UPDATE schedule_runs SET outcome = 'failed', detail = ?
       WHERE id = ? AND outcome = 'started' AND operation_id IS NULL`,
    );
    this.unfinished = db.prepare<[], RunRow>(
      `SELECT ${RUN_COLUMNS} FROM schedule_runs WHERE outcome = 'started' AND operation_id IS NULL ORDER BY id`,
    );
    this.latest = db.prepare<[], RunRow>(
      `SELECT ${RUN_COLUMNS} FROM schedule_runs r WHERE scheduled_for =
        (SELECT MAX(scheduled_for) FROM schedule_runs WHERE schedule_id = r.schedule_id)`,
    );
    this.prune = db.prepare<[number]>('DELETE FROM schedule_runs WHERE recorded_at < ?');
    this.recordTx = db.transaction((row: RunRow): boolean => {
      if (this.insertRun.run(row).changes === 0) return false;
      this.handled.run(row.scheduled_for, row.schedule_id, row.scheduled_for);
      this.deleteSkip.run(row.schedule_id, row.scheduled_for);
      return true;
    });
  }

  private read(id: string): ScheduleRecord | null {
    const row = this.byId.get(id);
    return row ? toSchedule(row, this.skipsOf.all(id).map(toSkip)) : null;
  }

  create(s: Omit<ScheduleRecord, 'skips' | 'lastHandledFor' | 'paused'>): Promise<ScheduleRecord> {
    return settle(() => {
      if (this.byId.get(s.id) !== undefined)
        throw new StoreError('exists', `a schedule with the id ${s.id} exists`);
      this.insert.run(toScheduleRow(s, sqliteFlag));
      return this.read(s.id)!;
    });
  }

  get(id: string): Promise<ScheduleRecord | null> {
    return settle(() => this.read(id));
  }

  list(): Promise<ScheduleRecord[]> {
    return settle(
      this.db.transaction(() => {
        const skips = new Map<string, ScheduleSkipRecord[]>();
        for (const r of this.allSkips.all()) {
          const list = skips.get(r.schedule_id) ?? [];
          list.push(toSkip(r));
          skips.set(r.schedule_id, list);
        }
        return this.all.all().map((r) => toSchedule(r, skips.get(r.id) ?? []));
      }),
    );
  }

  count(): Promise<number> {
    return settle(() => this.counted.get() ?? 0);
  }

  update(id: string, patch: SchedulePatch, updatedAt: string): Promise<ScheduleRecord> {
    return settle(
      this.db.transaction(() => {
        const at = ms(updatedAt, 'updatedAt');
        const changed = scheduleChanges(patch, sqliteFlag);
        const sets = ['updated_at = ?', ...changed.map(([column]) => `${column} = ?`)];
        const values = [at, ...changed.map(([, value]) => value)];
        const updated = this.db
          .prepare(`UPDATE schedules SET ${sets.join(', ')} WHERE id = ?`)
          .run(...values, id).changes;
        if (updated === 0) throw new StoreError('not_found', `No schedule ${id}`);
        if (patch.clearSkips) this.db.prepare('DELETE FROM schedule_skips WHERE schedule_id = ?').run(id);
        return this.read(id)!;
      }),
    );
  }

  delete(id: string): Promise<boolean> {
    return settle(() => this.remove.run(id).changes > 0);
  }

  addSkip(id: string, skip: ScheduleSkipRecord): Promise<ScheduleRecord> {
    return settle(
      this.db.transaction(() => {
        if (this.byId.get(id) === undefined) throw new StoreError('not_found', `No schedule ${id}`);
        const at = ms(skip.at, 'at');
        if (this.skipsOf.all(id).some((s) => s.at === at)) {
          throw new StoreError('exists', `The run at ${skip.at} is already skipped`);
        }
        this.insertSkip.run({
          schedule_id: id,
          at,
          by: skip.by,
          reason: skip.reason,
          recorded_at: ms(skip.recordedAt, 'recordedAt'),
        });
        return this.read(id)!;
      }),
    );
  }

  removeSkip(id: string, at: string): Promise<boolean> {
    return settle(() => this.deleteSkip.run(id, ms(at, 'at')).changes > 0);
  }

  recordRun(run: NewScheduleRun): Promise<ScheduleRunRecord | null> {
    return settle(() => {
      const row = toRunRow(run, this.now());
      // IMMEDIATE: the write lock first, so two processes cannot both pass the unique key's check.
      return this.recordTx.immediate(row) ? toRun(row) : null;
    });
  }

  setRunOperation(runId: string, operationId: string, detail: string): Promise<void> {
    return settle(() => {
      if (this.runOperation.run(operationId, detail, runId).changes === 0) {
        throw new StoreError('not_found', `No started run ${runId}`);
      }
    });
  }

  failRun(runId: string, detail: string): Promise<void> {
    return settle(() => {
      if (this.runFailed.run(detail, runId).changes === 0) {
        throw new StoreError('not_found', `No started run ${runId}`);
      }
    });
  }

  unfinishedRuns(): Promise<ScheduleRunRecord[]> {
    return settle(() => this.unfinished.all().map(toRun));
  }

  listRuns(filter: { scheduleId?: string; limit: number }): Promise<ScheduleRunRecord[]> {
    return settle(() => {
      const limit = runLimit(filter.limit);
      const where = filter.scheduleId !== undefined ? 'WHERE schedule_id = ?' : '';
      const params = filter.scheduleId !== undefined ? [filter.scheduleId] : [];
      return this.db
        .prepare<unknown[], RunRow>(
          `SELECT ${RUN_COLUMNS} FROM schedule_runs ${where} ORDER BY scheduled_for DESC, recorded_at DESC LIMIT ${limit}`,
        )
        .all(...params)
        .map(toRun);
    });
  }

  lastRuns(): Promise<Map<string, ScheduleRunRecord>> {
    return settle(() => new Map(this.latest.all().map((r) => [r.schedule_id, toRun(r)])));
  }

  pruneRuns(recordedBefore: Date): Promise<number> {
    return settle(() => this.prune.run(recordedBefore.getTime()).changes);
  }
}
