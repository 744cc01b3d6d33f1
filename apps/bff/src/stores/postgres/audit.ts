// SKELETON: PgAuditStore is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';
import type { AuditChainOptions } from '../audit-key';

export class PgAuditStore implements T.AuditStore {
  constructor(_pool: PgPool, _options: { now?: T.Clock; chain: AuditChainOptions } = {} as never) {}
  append(input: T.AuditInput): Promise<T.AuditRecord> {
    throw new Error('PgAuditStore.append: not yet on PostgreSQL');
  }
  get(id: number): Promise<T.AuditRecord | null> {
    throw new Error('PgAuditStore.get: not yet on PostgreSQL');
  }
  query(q: T.AuditQuery): Promise<T.AuditPage> {
    throw new Error('PgAuditStore.query: not yet on PostgreSQL');
  }
  powerAttempts(vmKey: number, limit: number): Promise<T.AuditRecord[]> {
    throw new Error('PgAuditStore.powerAttempts: not yet on PostgreSQL');
  }
  outcomesOf(refIds: readonly number[]): Promise<T.AuditRecord[]> {
    throw new Error('PgAuditStore.outcomesOf: not yet on PostgreSQL');
  }
  lastAcceptedStop(vmKey: number, from: Date): Promise<T.AuditRecord | null> {
    throw new Error('PgAuditStore.lastAcceptedStop: not yet on PostgreSQL');
  }
  head(): Promise<T.AuditHead> {
    throw new Error('PgAuditStore.head: not yet on PostgreSQL');
  }
  verify(): Promise<T.AuditVerifyResult> {
    throw new Error('PgAuditStore.verify: not yet on PostgreSQL');
  }
}
