// SKELETON: PgScheduleStore is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';

export class PgScheduleStore implements T.ScheduleStore {
  constructor(_pool: PgPool, _options: { now?: T.Clock } = {} as never) {}
  create(schedule: Omit<T.ScheduleRecord, 'skips' | 'lastHandledFor' | 'paused'>): Promise<T.ScheduleRecord> {
    throw new Error('PgScheduleStore.create: not yet on PostgreSQL');
  }
  get(id: string): Promise<T.ScheduleRecord | null> {
    throw new Error('PgScheduleStore.get: not yet on PostgreSQL');
  }
  list(): Promise<T.ScheduleRecord[]> {
    throw new Error('PgScheduleStore.list: not yet on PostgreSQL');
  }
  count(): Promise<number> {
    throw new Error('PgScheduleStore.count: not yet on PostgreSQL');
  }
  update(id: string, patch: T.SchedulePatch, updatedAt: string): Promise<T.ScheduleRecord> {
    throw new Error('PgScheduleStore.update: not yet on PostgreSQL');
  }
  delete(id: string): Promise<boolean> {
    throw new Error('PgScheduleStore.delete: not yet on PostgreSQL');
  }
  addSkip(id: string, skip: T.ScheduleSkipRecord): Promise<T.ScheduleRecord> {
    throw new Error('PgScheduleStore.addSkip: not yet on PostgreSQL');
  }
  removeSkip(id: string, at: string): Promise<boolean> {
    throw new Error('PgScheduleStore.removeSkip: not yet on PostgreSQL');
  }
  recordRun(run: T.NewScheduleRun): Promise<T.ScheduleRunRecord | null> {
    throw new Error('PgScheduleStore.recordRun: not yet on PostgreSQL');
  }
  setRunOperation(runId: string, operationId: string, detail: string): Promise<void> {
    throw new Error('PgScheduleStore.setRunOperation: not yet on PostgreSQL');
  }
  failRun(runId: string, detail: string): Promise<void> {
    throw new Error('PgScheduleStore.failRun: not yet on PostgreSQL');
  }
  unfinishedRuns(): Promise<T.ScheduleRunRecord[]> {
    throw new Error('PgScheduleStore.unfinishedRuns: not yet on PostgreSQL');
  }
  listRuns(filter: { scheduleId?: string; limit: number }): Promise<T.ScheduleRunRecord[]> {
    throw new Error('PgScheduleStore.listRuns: not yet on PostgreSQL');
  }
  lastRuns(): Promise<Map<string, T.ScheduleRunRecord>> {
    throw new Error('PgScheduleStore.lastRuns: not yet on PostgreSQL');
  }
  pruneRuns(recordedBefore: Date): Promise<number> {
    throw new Error('PgScheduleStore.pruneRuns: not yet on PostgreSQL');
  }
}
