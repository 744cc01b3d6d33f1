// Several servers on one PostgreSQL database (issue 17), as an app plugin: decorates `app.cluster` (null for one
// server on SQLite). It owns this server's event bus (LISTEN/NOTIFY), its part in the leader lease, the shared fleet
// snapshot every server serves (`app.fleet`) and the operations front (`app.operations`). What only the leader does
// (poll VergeOS, run the engine and the scheduler, keep house) is registered by those plugins as duties: started in
// order when this server gains the lease, stopped in reverse order when it loses it (or closes). Transitions run one
// after another, never interleaved.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Bus } from '../cluster/bus';
import { LeaderLease, type LeaseHolder } from '../cluster/lease';
import { ClusterOperations } from '../cluster/operations';
import { SharedFleet } from '../cluster/shared-fleet';
import type { PgPool } from '../db/postgres';

export interface ClusterPluginOptions {
  pool: PgPool;
  /** For the event bus's own connection (LISTEN needs one connection of its own, outside the pool). */
  url: string;
  ssl?: { ca: string; rejectUnauthorized: true } | undefined;
  serverName: string;
  leaseMs: number;
  renewMs: number;
  /** The configured poll interval (the shared snapshot's cadence before the first is read). */
  pollIntervalMs: number;
  /** Makes the operation store's writes conditional on this server's epoch (PgOperationStore.fenceWith). */
  fence?: (epoch: () => number | null) => void;
  /** How long a server that does not lead waits for the leader's answer (default 15 s). */
  answerTimeoutMs?: number;
}

/** The response header naming the server that answered (several servers only). */
export const SERVER_HEADER = 'x-powerdeck-server';

export interface LeaderDuty {
  name: string;
  gain(epoch: number): Promise<void> | void;
  lose(): Promise<void> | void;
}

export interface Cluster {
  serverName: string;
  pool: PgPool;
  bus: Bus;
  lease: LeaderLease;
  fleet: SharedFleet;
  operations: ClusterOperations;
  /** Registers what only the leader does (before the app is ready). */
  duty(d: LeaderDuty): void;
  isLeader(): boolean;
  /** Who leads now, by the database. */
  leader(): Promise<LeaseHolder | null>;
  /** Resolves when the transitions under way are over (tests). */
  settled(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    cluster: Cluster | null;
  }
}

function clusterPlugin(
  app: FastifyInstance,
  { cluster: opts }: { cluster?: ClusterPluginOptions | undefined },
  done: (err?: Error) => void,
) {
  if (!opts) {
    app.decorate('cluster', null);
    done();
    return;
  }
  const log = app.log.child({ component: 'cluster', server: opts.serverName });
  const bus = new Bus({ url: opts.url, ...(opts.ssl ? { ssl: opts.ssl } : {}), log });
  const lease = new LeaderLease({
    pool: opts.pool,
    name: opts.serverName,
    leaseMs: opts.leaseMs,
    renewMs: opts.renewMs,
    log,
  });
  opts.fence?.(() => lease.epoch());
  const fleet = new SharedFleet({
    pool: opts.pool,
    bus,
    log: log.child({ component: 'shared-fleet' }),
    intervalMs: opts.pollIntervalMs,
  });
  const operations = new ClusterOperations({
    store: app.stores.operations,
    pool: opts.pool,
    bus,
    holder: () => lease.holder,
    epoch: () => lease.epoch(),
    log: log.child({ component: 'cluster-operations' }),
    ...(opts.answerTimeoutMs !== undefined ? { answerTimeoutMs: opts.answerTimeoutMs } : {}),
  });
  const duties: LeaderDuty[] = [];
  let transitions: Promise<void> = Promise.resolve();
  let active: LeaderDuty[] = [];

  const gain = (epoch: number) =>
    (transitions = transitions.then(async () => {
      for (const d of duties) {
        if (lease.epoch() !== epoch) return; // lost again meanwhile: the loss that follows stops what started
        try {
          await d.gain(epoch);
          active.push(d);
        } catch (err) {
          log.error({ err, duty: d.name }, 'could not start a leader duty');
        }
      }
    }));
  const lose = () =>
    (transitions = transitions.then(async () => {
      const stopping = active.reverse();
      active = [];
      for (const d of stopping) {
        try {
          await d.lose();
        } catch (err) {
          log.error({ err, duty: d.name }, 'could not stop a leader duty');
        }
      }
    }));
  lease.on((e) => void (e.kind === 'gained' ? gain(e.epoch) : lose()));

  const cluster: Cluster = {
    serverName: opts.serverName,
    pool: opts.pool,
    bus,
    lease,
    fleet,
    operations,
    duty: (d) => duties.push(d),
    isLeader: () => lease.isLeader(),
    leader: () => lease.current(),
    settled: () => transitions,
  };
  app.decorate('cluster', cluster);

  // Which server answered, on every answer (for support: the page header shows it on hover).
  app.addHook('onSend', (_request, reply, payload, hookDone) => {
    void reply.header(SERVER_HEADER, opts.serverName);
    hookDone(null, payload);
  });

  app.addHook('onReady', async () => {
    await bus.start();
    await fleet.start();
    await operations.start();
    await lease.start();
  });
  app.addHook('preClose', async () => {
    await lease.stop();
    await transitions;
    operations.stop();
    fleet.stop();
    await bus.close();
  });
  done();
}

export default fp(clusterPlugin, { name: 'cluster', fastify: '5.x', dependencies: ['stores'] });
