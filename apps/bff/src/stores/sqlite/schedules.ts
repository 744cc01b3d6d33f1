// Schedules in SQLite: the schedules, their skipped runs and the history of runs (migration 005). A run is
// recorded at most once per schedule and moment (the table's UNIQUE key), in the same transaction that moves the
// schedule's lastHandledFor and drops a skip of that moment: whatever wakes twice, only one recording wins.
import { randomUUID } from 'node:crypto';
import type { RunOutcome, ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { iso, isoOrNull } from '../secrets';
import { changedColumns, ms, type Columns } from '../rows/columns';
import type {
  Clock,
  NewScheduleRun,
  SchedulePatch,
  ScheduleRecord,
  ScheduleRunRecord,
  ScheduleSkipRecord,
  ScheduleStore,
} from '../types';

interface ScheduleRow {
  id: string;
  name: string;
  enabled: number;
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
}

interface SkipRow {
  schedule_id: string;
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
const RUN_COLUMNS =
  'id, schedule_id, schedule_name, scheduled_for, outcome, detail, operation_id, recorded_at';

function toSkip(r: SkipRow): ScheduleSkipRecord {
  return { at: iso(r.at), by: r.by, reason: r.reason, recordedAt: iso(r.recorded_at) };
}

function toSchedule(r: ScheduleRow, skips: ScheduleSkipRecord[]): ScheduleRecord {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === 1,
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
    skips,
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
const FIELDS: Columns<Omit<SchedulePatch, 'paused' | 'clearSkips'>> = {
  name: ['name', (v: string) => v],
  enabled: ['enabled', (v: boolean) => (v ? 1 : 0)],
  action: ['action', (v: string) => v],
  forceAfterS: ['force_after_s', (v: number | null) => v],
  targets: ['targets', (v: unknown) => JSON.stringify(v)],
  when: ['when_json', (v: unknown) => JSON.stringify(v)],
  timeZone: ['time_zone', (v: string) => v],
  graceMinutes: ['grace_minutes', (v: number) => v],
  exclusions: ['exclusions', (v: unknown) => JSON.stringify(v)],
};

const MAX_RUNS = 500;

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
    this.byId = db.prepare<[string], ScheduleRow>(`SELECT ${COLUMNS} FROM schedules WHERE id = ?`);
    this.all = db.prepare<[], ScheduleRow>(`SELECT ${COLUMNS} FROM schedules ORDER BY name, id`);
    this.counted = db.prepare<[], number>('SELECT COUNT(*) FROM schedules').pluck();
    this.skipsOf = db.prepare<[string], SkipRow>(
      'SELECT schedule_id, at, by, reason, recorded_at FROM schedule_skips WHERE schedule_id = ? ORDER BY at',
    );
    this.allSkips = db.prepare<[], SkipRow>(
      'SELECT schedule_id, at, by, reason, recorded_at FROM schedule_skips ORDER BY schedule_id, at',
    );
    this.insert = db.prepare<[ScheduleRow]>(
      `INSERT INTO schedules (${COLUMNS}) VALUES (@id, @name, @enabled, @action, @force_after_s, @targets,
        @when_json, @time_zone, @grace_minutes, @exclusions, @owner, @created_at, @updated_at, @paused_by,
        @paused_reason, @paused_at, @last_handled_for)`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM schedules WHERE id = ?');
    this.insertSkip = db.prepare<[SkipRow]>(
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
      this.insert.run({
        id: s.id,
        name: s.name,
        enabled: s.enabled ? 1 : 0,
        action: s.action,
        force_after_s: s.forceAfterS,
        targets: JSON.stringify(s.targets),
        when_json: JSON.stringify(s.when),
        time_zone: s.timeZone,
        grace_minutes: s.graceMinutes,
        exclusions: JSON.stringify(s.exclusions),
        owner: s.owner,
        created_at: ms(s.createdAt, 'createdAt'),
        updated_at: ms(s.updatedAt, 'updatedAt'),
        paused_by: null,
        paused_reason: null,
        paused_at: null,
        last_handled_for: null,
      });
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
        const patched = changedColumns(FIELDS, patch);
        const sets = ['updated_at = ?', ...patched.map(([column]) => `${column} = ?`)];
        const values = [ms(updatedAt, 'updatedAt'), ...patched.map(([, value]) => value)];
        if (patch.paused !== undefined) {
          sets.push('paused_by = ?', 'paused_reason = ?', 'paused_at = ?');
          const p = patch.paused;
          values.push(p?.by ?? null, p?.reason ?? null, p === null ? null : ms(p.at, 'paused.at'));
        }
        const changed = this.db
          .prepare(`UPDATE schedules SET ${sets.join(', ')} WHERE id = ?`)
          .run(...values, id).changes;
        if (changed === 0) throw new StoreError('not_found', `No schedule ${id}`);
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
      const limit = Math.min(MAX_RUNS, Math.max(1, Math.trunc(filter.limit)));
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
