// The fleet poller as an app plugin: decorates `app.fleet` (see fleet/types.ts) with the one poller of this BFF,
// reading VergeOS through `app.vergeos.client`. It starts polling when the app is ready and stops when the app
// starts closing (timer cleared, the poll in flight aborted through its AbortSignal).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { POLL_NODE_FIELDS, POLL_VM_FIELDS } from '../fleet/map';
import { CHANNELS } from '../cluster/bus';
import { FleetPublisher } from '../cluster/shared-fleet';
import {
  createFleetPoller,
  type BackoffOptions,
  type PollOptions,
  type RunnableFleetPoller,
} from '../fleet/poller';
import type { FleetPoller } from '../fleet/types';

interface FleetPollerPluginOptions {
  /** `config.poll`: `{ intervalMs, fastIntervalMs, fastWindowMs }`. */
  poll: PollOptions;
  /** Backoff after repeated failures (default: after 3 failures, doubling from 2 x intervalMs, at most 60 s). */
  backoff?: Partial<BackoffOptions>;
}

function fleetPollerPlugin(
  app: FastifyInstance,
  opts: FleetPollerPluginOptions,
  done: (err?: Error) => void,
) {
  const { client } = app.vergeos;
  const make = (onPolled?: () => void) =>
    createFleetPoller({
      source: {
        // The client adds `filter=is_snapshot eq false` to every VM list.
        vms: (signal) => client.vms.list<Record<string, unknown>>({ fields: POLL_VM_FIELDS, signal }),
        nodes: (signal) => client.nodes.list({ fields: POLL_NODE_FIELDS, signal }),
      },
      poll: opts.poll,
      backoff: opts.backoff,
      log: app.log.child({ component: 'fleet-poller' }),
      onPolled: (poll) => {
        app.metrics.polled(poll.ok ? 'ok' : 'error', poll.seconds);
        onPolled?.();
      },
    });

  const cluster = app.cluster;
  if (cluster) {
    // Several servers: every server serves the shared snapshot; only the leader polls VergeOS and shares each poll.
    app.decorate<FleetPoller>('fleet', cluster.fleet);
    let term: { poller: RunnableFleetPoller; publisher: FleetPublisher; off: () => void } | null = null;
    cluster.duty({
      name: 'fleet poller',
      gain: () => {
        const publisher = new FleetPublisher({
          pool: cluster.pool,
          poller: {
            current: () => poller.current(),
            lastSuccessAt: () => poller.lastSuccessAt(),
            status: () => poller.status(),
            wake: () => poller.wake(),
            actionAccepted: () => poller.actionAccepted(),
          },
          epoch: () => cluster.lease.epoch(),
          log: app.log.child({ component: 'fleet-publisher' }),
        });
        const poller = make(() => publisher.polled());
        // Another server accepted an action, or wants a poll now.
        const off = cluster.bus.on(CHANNELS.fleetWake, (how) =>
          how === 'fast' ? poller.actionAccepted() : poller.wake(),
        );
        term = { poller, publisher, off };
        poller.start();
      },
      lose: async () => {
        const t = term;
        term = null;
        if (!t) return;
        t.off();
        await t.poller.stop();
        await t.publisher.settled();
      },
    });
    done();
    return;
  }

  const poller = make();
  app.decorate<FleetPoller>('fleet', poller);
  app.addHook('onReady', (hookDone) => {
    poller.start();
    hookDone();
  });
  // preClose: before the vergeos plugin closes its client (which would wait for a hung request to time out).
  app.addHook('preClose', async () => {
    await poller.stop();
  });
  app.addHook('onClose', async () => {
    await poller.stop();
  });
  done();
}

export default fp(fleetPollerPlugin, {
  name: 'fleet-poller',
  fastify: '5.x',
  dependencies: ['vergeos', 'cluster', 'metrics'],
});
