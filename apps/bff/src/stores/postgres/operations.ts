// SKELETON: PgOperationStore is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';

export class PgOperationStore implements T.OperationStore {
  constructor(_pool: PgPool, _options: Record<string, never> = {} as never) {}
  create(operation: T.OperationRecord): Promise<void> {
    throw new Error('PgOperationStore.create: not yet on PostgreSQL');
  }
  get(id: string): Promise<T.OperationRecord | null> {
    throw new Error('PgOperationStore.get: not yet on PostgreSQL');
  }
  listRunning(): Promise<T.OperationRecord[]> {
    throw new Error('PgOperationStore.listRunning: not yet on PostgreSQL');
  }
  listRecent(limit: number): Promise<T.OperationRecord[]> {
    throw new Error('PgOperationStore.listRecent: not yet on PostgreSQL');
  }
  listByPlan(planId: string, limit: number): Promise<T.OperationRecord[]> {
    throw new Error('PgOperationStore.listByPlan: not yet on PostgreSQL');
  }
  update(id: string, change: T.OperationChange): Promise<void> {
    throw new Error('PgOperationStore.update: not yet on PostgreSQL');
  }
  prune(finishedBefore: Date): Promise<number> {
    throw new Error('PgOperationStore.prune: not yet on PostgreSQL');
  }
}
