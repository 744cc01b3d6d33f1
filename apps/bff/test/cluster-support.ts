// Several Powerdeck servers in one test process (issue 17): a fresh PostgreSQL database with users and the directory
// of the audit key the servers share, and real apps on it, each with its own pool, event connection and lease
// (1.5 s, renewed every 0.5 s), against one simulator at SCALE. Used by cluster-servers and cluster-stops tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Simulator } from '@powerdeck/vergeos-sim';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../src/app';
import { auditChainOptions } from '../src/stores/audit-key';
import { openPostgresStores, type PgStores } from '../src/stores/postgres/open';
import type { Role } from '../src/stores/types';
import { SCALE } from './operations-support';
import { freshDatabase } from './pg-support';
import { FAST_POLL, onCleanup, TEST_HASH, TEST_PASSWORD, upstreamFor } from './support';

export const LEASE = { leaseMs: 1500, renewMs: 500 };

export interface Server {
  name: string;
  app: FastifyInstance;
  stores: PgStores;
  /** Closes the app and its stores (idempotent; also done after the test). */
  close(): Promise<void>;
}

/** A fresh database with one user per role named after it (password TEST_PASSWORD), and the audit key's directory. */
export async function clusterDatabase(
  roles: readonly Role[] = ['viewer', 'helpdesk', 'admin'],
): Promise<{ url: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-cluster-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const url = await freshDatabase();
  const seed = await openPostgresStores(url, { audit: auditChainOptions(dir, {}), hashOptions: TEST_HASH });
  for (const role of roles) await seed.users.create({ username: role, role, password: TEST_PASSWORD });
  await seed.close();
  return { url, dir };
}

/** One more server on the database (ready when this resolves); closed after the test if not before. */
export async function clusterServer(
  sim: Simulator,
  url: string,
  dir: string,
  name: string,
  extra: Partial<AppOptions> = {},
  /** Runs once the app is built, before it is ready: e.g. register a leader duty, as a plugin would. */
  beforeReady?: (app: FastifyInstance) => void,
): Promise<Server> {
  const stores = await openPostgresStores(url, {
    audit: { ...auditChainOptions(dir, {}), anchorFile: null },
    hashOptions: TEST_HASH,
    poolSize: 4,
  });
  const app = await buildApp({
    config: { poll: FAST_POLL },
    upstream: upstreamFor(sim),
    stores,
    logger: false,
    operations: { timeScale: SCALE, actionTimeoutMs: 3_000 },
    cluster: {
      pool: stores.pool,
      url,
      serverName: name,
      ...LEASE,
      pollIntervalMs: FAST_POLL.intervalMs,
      fence: (epoch) => stores.operations.fenceWith(epoch),
      answerTimeoutMs: 5_000,
    },
    ...extra,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await stores.close();
  };
  onCleanup(close);
  beforeReady?.(app);
  await app.ready();
  return { name, app, stores, close };
}

/** The servers that lead now (one, once the lease is settled). */
export const leaders = (servers: readonly Server[]) => servers.filter((s) => s.app.cluster?.isLeader());
