// Recent stops as an app plugin: decorates `app.fleetStops` (see fleet/stops.ts), fed by the fleet poller's
// snapshot changes and the audit log. Listens from the start (so the first snapshot only sets the baseline) until the
// app starts closing. With several servers (`app.cluster`), every server's tracker listens to the shared snapshots,
// but `app.fleetStops` serves the leader's list as stored in the database (cluster/shared-stops.ts), so that every
// server answers the same; storing it is a leader duty.
import { STOP_MEMORY_MS } from '@powerdeck/contracts/fleet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SharedStops } from '../cluster/shared-stops';
import { FleetStopTracker, type StopList } from '../fleet/stops';
import type { Clock } from '../stores/types';

export interface FleetStopsPluginOptions {
  /** How long a stop stays listed (default STOP_MEMORY_MS). */
  memoryMs?: number;
  /** Epoch ms (default Date.now; tests move it). */
  now?: Clock;
}

declare module 'fastify' {
  interface FastifyInstance {
    fleetStops: StopList;
    /**
     * This server's own tracker (with several servers, `fleetStops` serves the leader's stored list instead): what
     * alerts' sources listen to for the stops this server decides (`onStop`).
     */
    fleetStopTracker: FleetStopTracker;
  }
}

function fleetStopsPlugin(app: FastifyInstance, opts: FleetStopsPluginOptions, done: (err?: Error) => void) {
  let tracker: FleetStopTracker;
  const log = app.log.child({ component: 'fleet-stops' });
  try {
    tracker = new FleetStopTracker({
      audit: app.stores.audit,
      log,
      ...(opts.memoryMs !== undefined ? { memoryMs: opts.memoryMs } : {}),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
    });
  } catch (err) {
    done(err as Error);
    return;
  }
  const cluster = app.cluster;
  let shared: SharedStops | null = null;
  if (cluster) {
    const s = new SharedStops({
      pool: cluster.pool,
      bus: cluster.bus,
      tracker,
      epoch: () => cluster.lease.epoch(),
      memoryMs: opts.memoryMs ?? STOP_MEMORY_MS,
      log,
      ...(opts.now !== undefined ? { now: opts.now } : {}),
    });
    cluster.duty({ name: 'fleet stops', gain: (epoch) => s.gain(epoch), lose: () => s.lose() });
    app.addHook('onReady', () => s.start());
    shared = s;
  }
  app.decorate<StopList>('fleetStops', shared ?? tracker);
  app.decorate('fleetStopTracker', tracker);
  // observe() never rejects (a failed look-up is logged and the stop listed as unexpected).
  const unsubscribe = app.fleet.subscribe((state) => void tracker.observe(state.snapshot));
  app.addHook('preClose', (hookDone) => {
    unsubscribe();
    shared?.stop();
    hookDone();
  });
  done();
}

export default fp(fleetStopsPlugin, {
  name: 'fleet-stops',
  fastify: '5.x',
  dependencies: ['stores', 'cluster', 'fleet-poller'],
});
