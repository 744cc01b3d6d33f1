// SKELETON: PgTokenStore is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';

export class PgTokenStore implements T.TokenStore {
  constructor(_pool: PgPool, _options: { now?: T.Clock; maxLifetimeMs?: number } = {} as never) {}
  create(input: T.NewAccessToken): Promise<{ token: string; info: T.AccessToken }> {
    throw new Error('PgTokenStore.create: not yet on PostgreSQL');
  }
  lookup(token: string): Promise<T.Principal | null> {
    throw new Error('PgTokenStore.lookup: not yet on PostgreSQL');
  }
  get(id: number): Promise<T.AccessToken | null> {
    throw new Error('PgTokenStore.get: not yet on PostgreSQL');
  }
  find(token: string): Promise<T.AccessToken | null> {
    throw new Error('PgTokenStore.find: not yet on PostgreSQL');
  }
  list(filter: { userId?: number }): Promise<T.AccessToken[]> {
    throw new Error('PgTokenStore.list: not yet on PostgreSQL');
  }
  revoke(id: number, opts?: { userId?: number }): Promise<boolean> {
    throw new Error('PgTokenStore.revoke: not yet on PostgreSQL');
  }
  revokeAllOfUser(userId: number): Promise<T.AccessToken[]> {
    throw new Error('PgTokenStore.revokeAllOfUser: not yet on PostgreSQL');
  }
  activeCountByUser(): Promise<Map<number, number>> {
    throw new Error('PgTokenStore.activeCountByUser: not yet on PostgreSQL');
  }
  prune(keptAfterExpiryMs: number): Promise<number> {
    throw new Error('PgTokenStore.prune: not yet on PostgreSQL');
  }
}
