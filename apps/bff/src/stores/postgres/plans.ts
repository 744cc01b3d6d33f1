// SKELETON: PgPlanStore is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';

export class PgPlanStore implements T.PlanStore {
  constructor(_pool: PgPool, _options: Record<string, never> = {} as never) {}
  create(plan: T.PlanRecord): Promise<T.PlanRecord> {
    throw new Error('PgPlanStore.create: not yet on PostgreSQL');
  }
  get(id: string): Promise<T.PlanRecord | null> {
    throw new Error('PgPlanStore.get: not yet on PostgreSQL');
  }
  list(): Promise<T.PlanRecord[]> {
    throw new Error('PgPlanStore.list: not yet on PostgreSQL');
  }
  count(): Promise<number> {
    throw new Error('PgPlanStore.count: not yet on PostgreSQL');
  }
  update(id: string, patch: Partial<T.PlanFields>, updatedAt: string): Promise<T.PlanRecord> {
    throw new Error('PgPlanStore.update: not yet on PostgreSQL');
  }
  delete(id: string): Promise<boolean> {
    throw new Error('PgPlanStore.delete: not yet on PostgreSQL');
  }
}
