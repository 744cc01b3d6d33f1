// Power plans as an app plugin: decorates `app.plans`, what the plans routes and the scheduler share: the plan
// store, the fleet as plans resolve against it (the engine's FleetView over `app.fleet`), a plan's runs (operations
// of `app.operations`) and the one runner (plans/run.ts), in the caller's name. Registered after the engine and
// before the scheduler, which starts a schedule's plan runs through it.
import type { Operation } from '@powerdeck/contracts/operations';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { FleetView } from '../operations/fleet-view';
import { toOperation } from '../operations/to-api';
import type { PlanFleet } from '../plans/resolve';
import { startPlanRun, type PlanRunner } from '../plans/run';
import type { PlanStore } from '../stores/types';

export interface Plans extends PlanRunner {
  store: PlanStore;
  /** Whether a fleet snapshot was read yet. */
  loaded(): boolean;
  /** The fleet now, as plans are resolved against it. */
  fleet(): PlanFleet;
  /** The plan's runs, newest first (running ones as the engine has them now). */
  runs(planId: string, limit: number): Promise<Operation[]>;
  /** The plan's run that is running now (on this server's engine), or null. */
  running(planId: string): Operation | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    plans: Plans;
  }
}

function plansPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  const view = new FleetView(app.fleet);
  const engine = app.operations;
  const operations = app.stores.operations;
  const plans: Plans = {
    store: app.stores.plans,
    loaded: () => view.loaded(),
    fleet: () => {
      const state = app.fleet.current();
      return {
        vms: state.snapshot.vms,
        byKey: view.byKey(state),
        nodes: state.snapshot.nodes,
        fetchedAt: state.snapshot.fetchedAt,
      };
    },
    runs: async (planId, limit) => {
      const records = await operations.listByPlan(planId, limit);
      return Promise.all(
        records.map(
          async (rec) => (rec.status === 'running' ? await engine.get(rec.id) : null) ?? toOperation(rec),
        ),
      );
    },
    running: (planId) => engine.runningOperations().find((op) => op.plan?.id === planId) ?? null,
    start: (run, input) => startPlanRun({ engine, audit: app.stores.audit }, run, input),
  };
  app.decorate('plans', plans);
  done();
}

export default fp(plansPlugin, {
  name: 'plans',
  fastify: '5.x',
  dependencies: ['stores', 'fleet-poller', 'operations'],
});
