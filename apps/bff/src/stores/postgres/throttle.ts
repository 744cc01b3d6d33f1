// SKELETON: PgSignInThrottle is being written (issue 17); every method refuses until then.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { PgPool } from '../../db/postgres';
import type * as T from '../types';

export class PgSignInThrottle implements T.SignInThrottle {
  constructor(_pool: PgPool, _options: { now?: T.Clock; limits?: Partial<T.ThrottleLimits> } = {} as never) {}
  reserve(username: string, source: string): Promise<T.ReserveDecision> {
    throw new Error('PgSignInThrottle.reserve: not yet on PostgreSQL');
  }
  release(username: string, source: string): Promise<void> {
    throw new Error('PgSignInThrottle.release: not yet on PostgreSQL');
  }
  check(username: string, source: string): Promise<T.ThrottleDecision> {
    throw new Error('PgSignInThrottle.check: not yet on PostgreSQL');
  }
  prune(): Promise<number> {
    throw new Error('PgSignInThrottle.prune: not yet on PostgreSQL');
  }
}
