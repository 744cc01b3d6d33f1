// The schedules' rows, the same on both backends (migration 005 and migrations-postgres name the same columns; the
// targets, the rule and the exclusions are JSON text in both): a schedule, a skip and a run, their columns, how they
// read back into records and how records are stored, and how a patch's fields are stored. The backends differ only
// in `enabled` (SQLite 0/1, PostgreSQL true/false: see ./columns.ts, Flag) and in how a schedule's skips arrive
// (SQLite reads them apart, PostgreSQL as json_agg objects of SkipRow). Only ../sqlite/schedules.ts and
// ../postgres/schedules.ts use it.
import { randomUUID } from 'node:crypto';
import type { RunOutcome, ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import { iso, isoOrNull } from '../secrets';
import type {
  NewScheduleRun,
  SchedulePatch,
  ScheduleRecord,
  ScheduleRunRecord,
  ScheduleSkipRecord,
} from '../types';
import { changedColumns, isSet, ms, type Columns, type Flag, type FlagOf } from './columns';

export interface ScheduleRow<F extends Flag = Flag> {
  id: string;
  name: string;
  enabled: F;
  action: ScheduleAction;
  force_after_s: number | null;
  /** JSON: the contract's Targets. */
  targets: string;
  /** JSON: the contract's When. */
  when_json: string;
  time_zone: string;
  grace_minutes: number;
  /** JSON: the excluded days. */
  exclusions: string;
  owner: string;
  created_at: number;
  updated_at: number;
  paused_by: string | null;
  paused_reason: string | null;
  paused_at: number | null;
  last_handled_for: number | null;
}

/** A schedule_skips row, bar its schedule_id. */
export interface SkipRow {
  at: number;
  by: string;
  reason: string;
  recorded_at: number;
}

export interface RunRow {
  id: string;
  schedule_id: string;
  schedule_name: string;
  scheduled_for: number;
  outcome: RunOutcome;
  detail: string;
  operation_id: string | null;
  recorded_at: number;
}

/** The columns of schedules, in one order: SELECT lists and INSERTs. */
export const SCHEDULE_COLUMN_NAMES = [
  'id',
  'name',
  'enabled',
  'action',
  'force_after_s',
  'targets',
  'when_json',
  'time_zone',
  'grace_minutes',
  'exclusions',
  'owner',
  'created_at',
  'updated_at',
  'paused_by',
  'paused_reason',
  'paused_at',
  'last_handled_for',
] as const satisfies readonly (keyof ScheduleRow)[];

export const SCHEDULE_COLUMNS = SCHEDULE_COLUMN_NAMES.join(', ');

/** The columns of schedule_runs, in one order: SELECT lists and INSERTs. */
export const RUN_COLUMN_NAMES = [
  'id',
  'schedule_id',
  'schedule_name',
  'scheduled_for',
  'outcome',
  'detail',
  'operation_id',
  'recorded_at',
] as const satisfies readonly (keyof RunRow)[];

export const RUN_COLUMNS = RUN_COLUMN_NAMES.join(', ');

/** The most runs one listRuns answers. */
export const MAX_RUNS = 500;

/** listRuns' limit, from 1 to MAX_RUNS. */
export function runLimit(limit: number): number {
  return Math.min(MAX_RUNS, Math.max(1, Math.trunc(limit)));
}

export function toSkip(r: SkipRow): ScheduleSkipRecord {
  return { at: iso(r.at), by: r.by, reason: r.reason, recordedAt: iso(r.recorded_at) };
}

export function toSchedule(r: ScheduleRow, skips: ScheduleSkipRecord[]): ScheduleRecord {
  return {
    id: r.id,
    name: r.name,
    enabled: isSet(r.enabled),
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

export function toRun(r: RunRow): ScheduleRunRecord {
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

/** A new schedule as stored (not paused, nothing handled yet); throws StoreError 'invalid' for a bad time. */
export function toScheduleRow<F extends Flag>(
  s: Omit<ScheduleRecord, 'skips' | 'lastHandledFor' | 'paused'>,
  flag: FlagOf<F>,
): ScheduleRow<F> {
  return {
    id: s.id,
    name: s.name,
    enabled: flag(s.enabled),
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
  };
}

/** A new run as stored, with a fresh id; throws StoreError 'invalid' for a bad time. */
export function toRunRow(run: NewScheduleRun, recordedAt: number): RunRow {
  return {
    id: randomUUID(),
    schedule_id: run.scheduleId,
    schedule_name: run.scheduleName,
    scheduled_for: ms(run.scheduledFor, 'scheduledFor'),
    outcome: run.outcome,
    detail: run.detail,
    operation_id: run.operationId,
    recorded_at: recordedAt,
  };
}

/** Column and stored value of each schedule field a patch may set (`flag`: how the backend stores a boolean). */
function scheduleFields(flag: FlagOf<Flag>): Columns<Omit<SchedulePatch, 'paused' | 'clearSkips'>> {
  return {
    name: ['name', (v: string) => v],
    enabled: ['enabled', (v: boolean) => flag(v)],
    action: ['action', (v: string) => v],
    forceAfterS: ['force_after_s', (v: number | null) => v],
    targets: ['targets', (v: unknown) => JSON.stringify(v)],
    when: ['when_json', (v: unknown) => JSON.stringify(v)],
    timeZone: ['time_zone', (v: string) => v],
    graceMinutes: ['grace_minutes', (v: number) => v],
    exclusions: ['exclusions', (v: unknown) => JSON.stringify(v)],
  };
}

/**
 * The columns a patch changes and their stored values: its fields, then its pause (null: resumed), for a backend
 * that stores booleans as `flag` does (`sqliteFlag` or `pgFlag`). Throws StoreError 'invalid' for a bad time.
 */
export function scheduleChanges(patch: SchedulePatch, flag: FlagOf<Flag>): [string, unknown][] {
  const changed = changedColumns(scheduleFields(flag), patch);
  if (patch.paused !== undefined) {
    const p = patch.paused;
    changed.push(
      ['paused_by', p?.by ?? null],
      ['paused_reason', p?.reason ?? null],
      ['paused_at', p === null ? null : ms(p.at, 'paused.at')],
    );
  }
  return changed;
}
