// Every store on one PostgreSQL database (POWERDECK_DATABASE_URL): what the server and the CLIs open when several
// Powerdeck servers share a database. Opening migrates it (under the migration lock).
import { openPostgres, type PgPool, type PostgresOptions } from '../../db/postgres';
import type { AuditChainOptions } from '../audit-key';
import type { Clock, Stores, ThrottleLimits } from '../types';
import { PgAlertStore } from './alerts';
import { PgAuditStore } from './audit';
import { PgDisplayLinkStore } from './display-links';
import { PgOperationStore } from './operations';
import { PgPlanStore } from './plans';
import { PgScheduleStore } from './schedules';
import { PgSessionStore } from './sessions';
import { PgSsoStore } from './sso';
import { PgSignInThrottle } from './throttle';
import { PgTokenStore } from './tokens';
import { PgUserStore, type PgUserStoreOptions } from './users';

export interface PgStoresOptions extends PostgresOptions {
  now?: Clock;
  /** User-session idle timeout (30 minutes). */
  idleTimeoutMs?: number;
  /** The absolute limit of a person's session (12 hours). */
  sessionMaxAgeMs?: number;
  /** Longest personal-token lifetime (366 days). */
  tokenMaxLifetimeMs?: number;
  throttle?: Partial<ThrottleLimits>;
  hashOptions?: PgUserStoreOptions['hashOptions'];
  /** The audit key and anchor file: every server sharing the database must use the same key. */
  audit: AuditChainOptions;
}

export interface PgStores extends Stores {
  kind: 'postgres';
  pool: PgPool;
  operations: PgOperationStore;
  audit: PgAuditStore;
  /** Ends the pool (after the last store call). */
  close(): Promise<void>;
}

/** Opens a pool on `url`, migrates the database, and builds every store on it. */
export async function openPostgresStores(url: string, options: PgStoresOptions): Promise<PgStores> {
  const pool = await openPostgres(url, options);
  const now = options.now ?? Date.now;
  let audit: PgAuditStore;
  try {
    // Reads the key file, and the key the database's chain is keyed with.
    audit = await PgAuditStore.open(pool, { now, chain: options.audit });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  let closed = false;
  return {
    kind: 'postgres',
    pool,
    users: new PgUserStore(pool, {
      now,
      ...(options.hashOptions ? { hashOptions: options.hashOptions } : {}),
    }),
    sessions: new PgSessionStore(pool, {
      now,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.sessionMaxAgeMs !== undefined ? { maxAgeMs: options.sessionMaxAgeMs } : {}),
    }),
    sso: new PgSsoStore(pool, { now }),
    displayLinks: new PgDisplayLinkStore(pool, { now }),
    tokens: new PgTokenStore(pool, {
      now,
      ...(options.tokenMaxLifetimeMs !== undefined ? { maxLifetimeMs: options.tokenMaxLifetimeMs } : {}),
    }),
    throttle: new PgSignInThrottle(pool, { now, ...(options.throttle ? { limits: options.throttle } : {}) }),
    audit,
    operations: new PgOperationStore(pool, {}),
    schedules: new PgScheduleStore(pool, { now }),
    plans: new PgPlanStore(pool, {}),
    alerts: new PgAlertStore(pool, {}),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
