// SKELETON: PgSessionStore is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';

export class PgSessionStore implements T.SessionStore {
  constructor(_pool: PgPool, _options: { now?: T.Clock; idleTimeoutMs?: number } = {} as never) {}
  create(input: T.NewSessionInput): Promise<{ secret: string; session: T.SessionInfo }> {
    throw new Error('PgSessionStore.create: not yet on PostgreSQL');
  }
  lookup(secret: string, options?: { touch?: boolean }): Promise<T.Principal | null> {
    throw new Error('PgSessionStore.lookup: not yet on PostgreSQL');
  }
  revoke(secret: string): Promise<boolean> {
    throw new Error('PgSessionStore.revoke: not yet on PostgreSQL');
  }
  revokeAllForUser(userId: number): Promise<number> {
    throw new Error('PgSessionStore.revokeAllForUser: not yet on PostgreSQL');
  }
  prune(): Promise<number> {
    throw new Error('PgSessionStore.prune: not yet on PostgreSQL');
  }
}
