// The operation engine as an app plugin: decorates `app.operations` (see operations/engine.ts), which sends steps
// through `app.vergeos.client`, watches VMs through `app.fleet` and stores everything in `app.stores.operations`
// (steps are audited in `app.stores.audit`). It resumes unfinished operations when the app is ready, and stops
// before the VergeOS client closes: no step starts after app.close() begins, and the steps being sent are awaited.
import { PARALLELISM } from '@powerdeck/contracts/operation-terms';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { OperationService } from '../cluster/operations';
import { OperationEngine } from '../operations/engine';

export interface OperationsPluginOptions {
  /** VMs acted on at once when an operation does not say (POWERDECK_OPS_PARALLELISM; default 4). */
  parallelism?: number;
  /**
   * Multiplies every wait (1 against a real VergeOS; the simulator's time scale against a scaled simulator, so
   * that a 120 s force-off moment stays in proportion with a guest's scaled shut down).
   */
  timeScale?: number;
  /** How long one action request may take (default 15 s). */
  actionTimeoutMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The engine (one server), or the front every server of several has (cluster/operations.ts). */
    operations: OperationService;
    /** Stops a producer of operations (the scheduler) before the engine stops, when the app closes. */
    beforeOperationsStop(stop: () => Promise<void>): void;
  }
}

function operationsPlugin(app: FastifyInstance, opts: OperationsPluginOptions, done: (err?: Error) => void) {
  const cluster = app.cluster;
  const make = () =>
    new OperationEngine({
      store: app.stores.operations,
      audit: app.stores.audit,
      fleet: app.fleet,
      actions: app.vergeos.client.actions,
      machineStatus: async (machineKey) => (await app.vergeos.client.machineStatus.get(machineKey)).status,
      log: app.log.child({ component: 'operations' }),
      parallelism: opts.parallelism ?? PARALLELISM.default,
      ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}),
      ...(opts.actionTimeoutMs !== undefined ? { actionTimeoutMs: opts.actionTimeoutMs } : {}),
      // Several servers: a step leaves only while this server still leads (checked after it is marked sending).
      ...(cluster ? { mayAct: () => cluster.isLeader() } : {}),
      observer: app.metrics.operations,
    });
  let engine: OperationEngine;
  try {
    engine = make();
  } catch (err) {
    done(err as Error);
    return;
  }
  const producers: (() => Promise<void>)[] = [];
  app.decorate('beforeOperationsStop', (stop: () => Promise<void>) => {
    producers.push(stop);
  });

  if (cluster) {
    // Several servers: the leader runs an engine of its own for as long as it leads (it resumes what the previous
    // leader left running, as a restarted server does); every server acts through the front.
    app.decorate('operations', cluster.operations);
    let term: OperationEngine | null = null;
    cluster.duty({
      name: 'operation engine',
      gain: async () => {
        term = make();
        await term.start();
        cluster.operations.lead(term);
      },
      lose: async () => {
        cluster.operations.follow();
        await term?.stop();
        term = null;
      },
    });
    done();
    return;
  }

  app.decorate('operations', engine);
  // After the fleet poller's onReady (registered earlier), so that its first poll is under way.
  app.addHook('onReady', async () => {
    await engine.start();
  });
  // preClose: before the vergeos plugin closes the client the steps are sent through.
  app.addHook('preClose', async () => {
    await Promise.all(producers.map((stop) => stop()));
    await engine.stop();
  });
  done();
}

export default fp(operationsPlugin, {
  name: 'operations',
  fastify: '5.x',
  dependencies: ['stores', 'vergeos', 'fleet-poller', 'cluster', 'metrics'],
});
