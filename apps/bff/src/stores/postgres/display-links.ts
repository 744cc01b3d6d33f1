// SKELETON: PgDisplayLinkStore is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';

export class PgDisplayLinkStore implements T.DisplayLinkStore {
  constructor(_pool: PgPool, _options: { now?: T.Clock } = {} as never) {}
  create(input: { name: string; createdBy: number }): Promise<{ secret: string; link: T.DisplayLink }> {
    throw new Error('PgDisplayLinkStore.create: not yet on PostgreSQL');
  }
  list(): Promise<T.DisplayLink[]> {
    throw new Error('PgDisplayLinkStore.list: not yet on PostgreSQL');
  }
  get(id: number): Promise<T.DisplayLink | null> {
    throw new Error('PgDisplayLinkStore.get: not yet on PostgreSQL');
  }
  verify(secret: string): Promise<T.DisplayLink | null> {
    throw new Error('PgDisplayLinkStore.verify: not yet on PostgreSQL');
  }
  revoke(id: number): Promise<boolean> {
    throw new Error('PgDisplayLinkStore.revoke: not yet on PostgreSQL');
  }
}
