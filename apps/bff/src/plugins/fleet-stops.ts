// Recent stops as an app plugin: decorates `app.fleetStops` (see fleet/stops.ts), fed by the fleet poller's
// snapshot changes and the audit log. Listens from the start (so the first snapshot only sets the baseline) until the
// app starts closing.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { FleetStopTracker } from '../fleet/stops';
import type { Clock } from '../stores/types';

export interface FleetStopsPluginOptions {
  /** How long a stop stays listed (default STOP_MEMORY_MS). */
  memoryMs?: number;
  /** Epoch ms (default Date.now; tests move it). */
  now?: Clock;
}

declare module 'fastify' {
  interface FastifyInstance {
    fleetStops: FleetStopTracker;
  }
}

function fleetStopsPlugin(app: FastifyInstance, opts: FleetStopsPluginOptions, done: (err?: Error) => void) {
  let tracker: FleetStopTracker;
  try {
    tracker = new FleetStopTracker({
      audit: app.stores.audit,
      log: app.log.child({ component: 'fleet-stops' }),
      ...(opts.memoryMs !== undefined ? { memoryMs: opts.memoryMs } : {}),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
    });
  } catch (err) {
    done(err as Error);
    return;
  }
  app.decorate('fleetStops', tracker);
  // observe() never rejects (a failed look-up is logged and the stop listed as unexpected).
  const unsubscribe = app.fleet.subscribe((state) => void tracker.observe(state.snapshot));
  app.addHook('preClose', (hookDone) => {
    unsubscribe();
    hookDone();
  });
  done();
}

export default fp(fleetStopsPlugin, {
  name: 'fleet-stops',
  fastify: '5.x',
  dependencies: ['stores', 'fleet-poller'],
});
