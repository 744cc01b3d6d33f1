// The scheduler as an app plugin: decorates `app.scheduler` (see schedules/scheduler.ts), which decides schedules'
// runs from `app.stores.schedules`, resolves targets from `app.fleet` and starts each run as an operation of
// `app.operations` (a plan's run through `app.plans`). It starts after the engine (its onReady is registered
// later) and stops before it (through the engine plugin's `beforeOperationsStop`): no run starts once closing
// began.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CHANNELS } from '../cluster/bus';
import { ScheduleRunFeed } from '../schedules/run-feed';
import { Scheduler, type SchedulerTimers } from '../schedules/scheduler';

export interface SchedulesPluginOptions {
  /** Epoch ms (tests move it). */
  now?: () => number;
  /** The one timer (tests fire it themselves). */
  timers?: SchedulerTimers;
  /** How long a run waits for the first fleet snapshot (default 5 s). */
  fleetWaitMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    scheduler: Scheduler;
    /** The runs the deciding scheduler records (schedules/run-feed.ts), for alerts. */
    scheduleRuns: ScheduleRunFeed;
  }
}

function schedulesPlugin(app: FastifyInstance, opts: SchedulesPluginOptions, done: (err?: Error) => void) {
  const feed = new ScheduleRunFeed(app.log.child({ component: 'scheduler' }));
  app.decorate('scheduleRuns', feed);
  const make = (relay?: () => void) =>
    new Scheduler({
      store: app.stores.schedules,
      users: app.stores.users,
      fleet: app.fleet,
      engine: app.operations,
      plans: app.plans,
      log: app.log.child({ component: 'scheduler' }),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
      ...(opts.timers !== undefined ? { timers: opts.timers } : {}),
      ...(opts.fleetWaitMs !== undefined ? { fleetWaitMs: opts.fleetWaitMs } : {}),
      ...(relay ? { relay } : { onRuns: feed.decided }),
    });

  const cluster = app.cluster;
  if (cluster) {
    // Several servers: `app.scheduler` only serves the routes and passes pokes on; the leader runs a scheduler of
    // its own for as long as it leads (runs are recorded once whoever decides them: the store's unique key).
    app.decorate(
      'scheduler',
      make(() => void cluster.bus.notify(CHANNELS.schedules, 'poke', cluster.pool).catch(() => undefined)),
    );
    let term: { scheduler: Scheduler; off: () => void } | null = null;
    cluster.duty({
      name: 'scheduler',
      gain: async () => {
        feed.clear();
        const scheduler = make();
        const off = cluster.bus.on(CHANNELS.schedules, () => void scheduler.poke());
        term = { scheduler, off };
        await scheduler.start();
      },
      lose: async () => {
        const t = term;
        term = null;
        t?.off();
        await t?.scheduler.stop();
        feed.clear();
      },
    });
    done();
    return;
  }

  const scheduler = make();
  app.decorate('scheduler', scheduler);
  // After the engine's onReady (registered earlier): runs are operations of a started engine.
  app.addHook('onReady', async () => {
    await scheduler.start();
  });
  app.beforeOperationsStop(() => scheduler.stop());
  done();
}

export default fp(schedulesPlugin, {
  name: 'schedules',
  fastify: '5.x',
  dependencies: ['stores', 'fleet-poller', 'operations', 'plans', 'cluster'],
});
