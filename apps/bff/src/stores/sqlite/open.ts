// Every store on one SQLite database in a data directory: what the server and the CLIs open.
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from '../../db/database';
import { auditChainOptions, type AuditChainOptions } from '../audit-key';
import type { Clock, Stores, ThrottleLimits } from '../types';
import { SqliteAlertStore } from './alerts';
import { SqliteAuditStore } from './audit';
import { SqliteDisplayLinkStore } from './display-links';
import { SqliteOperationStore } from './operations';
import { SqlitePlanStore } from './plans';
import { SqliteScheduleStore } from './schedules';
import { SqliteSessionStore } from './sessions';
import { SqliteSsoStore } from './sso';
import { SqliteSignInThrottle } from './throttle';
import { SqliteTokenStore } from './tokens';
import { SqliteUserStore, type SqliteUserStoreOptions } from './users';

export interface SqliteStoresOptions extends OpenDatabaseOptions {
  now?: Clock;
  /** User-session idle timeout (30 minutes). */
  idleTimeoutMs?: number;
  /** The absolute limit of a person's session (12 hours). */
  sessionMaxAgeMs?: number;
  /** Longest personal-token lifetime (366 days). */
  tokenMaxLifetimeMs?: number;
  throttle?: Partial<ThrottleLimits>;
  hashOptions?: SqliteUserStoreOptions['hashOptions'];
  /**
   * The audit key and anchor file. Default: `audit.key` (generated when missing, while the log has no
   * keyed rows) and `audit-anchors.jsonl` in the data directory; the server and the CLIs pass
   * `auditChainOptions(dataDir, env)`, which honours POWERDECK_AUDIT_KEY_FILE and _ANCHOR_FILE.
   */
  audit?: AuditChainOptions;
}

export interface SqliteStores extends Stores {
  kind: 'sqlite';
  db: SqliteDatabase;
  audit: SqliteAuditStore;
  /** Closes the database (after the last store call). */
  close(): void;
}

/** Opens (and migrates) `powerdeck.db` in `dataDir` and builds every store on it. */
export function openSqliteStores(dataDir: string, options: SqliteStoresOptions = {}): SqliteStores {
  const db = openDatabase(dataDir, options);
  const now = options.now ?? Date.now;
  return {
    kind: 'sqlite',
    db,
    users: new SqliteUserStore(db, {
      now,
      ...(options.hashOptions ? { hashOptions: options.hashOptions } : {}),
    }),
    sessions: new SqliteSessionStore(db, {
      now,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.sessionMaxAgeMs !== undefined ? { maxAgeMs: options.sessionMaxAgeMs } : {}),
    }),
    sso: new SqliteSsoStore(db, { now }),
    displayLinks: new SqliteDisplayLinkStore(db, { now }),
    tokens: new SqliteTokenStore(db, {
      now,
      ...(options.tokenMaxLifetimeMs !== undefined ? { maxLifetimeMs: options.tokenMaxLifetimeMs } : {}),
    }),
    throttle: new SqliteSignInThrottle(db, {
      now,
      ...(options.throttle ? { limits: options.throttle } : {}),
    }),
    audit: new SqliteAuditStore(db, { now, chain: options.audit ?? auditChainOptions(dataDir, {}) }),
    operations: new SqliteOperationStore(db),
    schedules: new SqliteScheduleStore(db, { now }),
    plans: new SqlitePlanStore(db),
    alerts: new SqliteAlertStore(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}
