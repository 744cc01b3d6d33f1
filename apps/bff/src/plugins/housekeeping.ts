// Housekeeping: what the stores keep that nothing can use any more is deleted at start and then every hour, so a
// BFF that runs for months keeps its database small: sessions that ended (revoked or idled out), sign-in
// counters whose window and lock have passed, personal tokens that expired more than TOKENS_KEPT_AFTER_EXPIRY_MS ago
// (the 8-hour ones of POST /api/sys/tokens above all: a script that logs in for every run makes one each time), and
// operations finished more than OPERATIONS_KEPT_MS ago (each of their steps, and each token's creation and revocation,
// stays in the audit log, which is never pruned), and schedule runs recorded more than SCHEDULE_RUNS_KEPT_MS ago (a
// schedule's history; each run's operation steps stay in the audit log too), and single sign-on's sign-ins under way
// once consumed or expired and its refusals once their page is gone (plugins/sso.ts: 10 and 15 minutes; the audit log
// keeps each sign-in and refusal), and alert deliveries sent, merged or failed more than ALERT_DELIVERIES_KEPT_MS ago
// (a target's page lists its recent ones; target changes stay in the audit log). Decorates `app.housekeeping.run()` (tests).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { pruneRateWindows } from '../cluster/rate-windows';
import { PENDING_MAX_AGE_MS, REFUSAL_MAX_AGE_MS } from './sso';

const HOUSEKEEPING_EVERY_MS = 60 * 60_000;
/** Finished operations stay listed (GET /api/operations/:id) this long. */
export const OPERATIONS_KEPT_MS = 30 * 24 * 3600_000;
/** An expired token stays listed (as expired, on the Tokens page) this long, then it is deleted. */
export const TOKENS_KEPT_AFTER_EXPIRY_MS = 24 * 3600_000;
/** A schedule's run history (GET /api/schedules/runs) goes back this far: half a year of patch nights. */
export const SCHEDULE_RUNS_KEPT_MS = 180 * 24 * 3600_000;
/** Alert deliveries that are over (sent, merged, failed) stay listed on their target's page this long. */
export const ALERT_DELIVERIES_KEPT_MS = 30 * 24 * 3600_000;

interface HousekeepingCounts {
  sessions: number;
  signInCounters: number;
  tokens: number;
  operations: number;
  scheduleRuns: number;
  /** Several servers: the VergeOS routes' rate windows that have ended (cluster/rate-windows.ts). */
  rateWindows?: number;
  /** Single sign-ons under way that were consumed or expired. */
  ssoSignIns: number;
  /** Single sign-on refusals whose page is gone. */
  ssoRefusals: number;
  alertDeliveries: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    housekeeping: { run(): Promise<HousekeepingCounts | null> };
  }
}

function housekeepingPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  const log = app.log.child({ component: 'housekeeping' });
  const { sessions, throttle, tokens, operations, schedules, sso, alerts } = app.stores;

  /** One round; never throws (a failure is logged, and the next round tries again). Null when it failed. */
  async function run(): Promise<HousekeepingCounts | null> {
    try {
      const ended = await sso.prune(PENDING_MAX_AGE_MS, REFUSAL_MAX_AGE_MS);
      const counts: HousekeepingCounts = {
        sessions: await sessions.prune(),
        signInCounters: await throttle.prune(),
        tokens: await tokens.prune(TOKENS_KEPT_AFTER_EXPIRY_MS),
        operations: await operations.prune(new Date(Date.now() - OPERATIONS_KEPT_MS)),
        scheduleRuns: await schedules.pruneRuns(new Date(Date.now() - SCHEDULE_RUNS_KEPT_MS)),
        ...(app.cluster ? { rateWindows: await pruneRateWindows(app.cluster.pool) } : {}),
        ssoSignIns: ended.signIns,
        ssoRefusals: ended.refusals,
        alertDeliveries: await alerts.prune(new Date(Date.now() - ALERT_DELIVERIES_KEPT_MS).toISOString()),
      };
      if (Object.values(counts).some((n) => n > 0)) log.info(counts, 'pruned');
      return counts;
    } catch (err) {
      log.error({ err }, 'housekeeping failed');
      return null;
    }
  }

  app.decorate('housekeeping', { run });
  let timer: NodeJS.Timeout | undefined;
  const begin = () => {
    void run();
    timer = setInterval(() => void run(), HOUSEKEEPING_EVERY_MS);
    timer.unref();
  };
  if (app.cluster) {
    // Several servers: the leader keeps house, once for all of them.
    app.cluster.duty({ name: 'housekeeping', gain: begin, lose: () => clearInterval(timer) });
  } else {
    app.addHook('onReady', (hookDone) => {
      begin();
      hookDone();
    });
  }
  app.addHook('preClose', (hookDone) => {
    clearInterval(timer);
    hookDone();
  });
  done();
}

export default fp(housekeepingPlugin, {
  name: 'housekeeping',
  fastify: '5.x',
  dependencies: ['stores', 'cluster'],
});
