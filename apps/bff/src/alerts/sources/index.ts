// Every alert source at once: what happened in the running BFF, reported to one sink (the dispatcher). Meant to run on
// the server that leads (with one server: from ready to close; with several: a leader duty, started when this server
// gains the lease and stopped when it loses it), so that each event is told once. Each source takes its baseline when
// it starts: nothing that happened before is told again (a stop already listed, an outage already past the
// threshold, an operation that already ended), except the scheduler's runs recorded in this term before the sources
// started listening (schedules/run-feed.ts keeps them for the first listener: the catch-up's missed runs).
import type { FastifyInstance } from 'fastify';
import type { AlertEventInput, AlertSink } from '../types';
import { watchLeader } from './leader';
import { watchOperations } from './operations';
import { watchSchedules } from './schedules';
import { watchVergeos } from './vergeos';
import { watchVms } from './vms';

export interface AlertSourcesOptions {
  /** How long VergeOS may go without answering a poll before `vergeos_unreachable` (config.alerts). */
  unreachableAfterMs: number;
  /** Epoch ms (default Date.now; tests move it). */
  now?: () => number;
  /**
   * How often to look whether VergeOS has been silent for too long (default: a tenth of unreachableAfterMs, from
   * 50 ms to 5 s).
   */
  checkEveryMs?: number;
}

/**
 * Starts every source on the app's decorators (fleet, fleetStopTracker, fleetStops, operations, scheduleRuns,
 * cluster); returns the function that stops them all (idempotent).
 */
export function startAlertSources(
  app: FastifyInstance,
  sink: AlertSink,
  options: AlertSourcesOptions,
): () => void {
  const now = options.now ?? Date.now;
  const log = app.log.child({ component: 'alert-sources' });
  // The sink is said never to throw; a source must not be stopped by one that does.
  const report = (event: AlertEventInput) => {
    try {
      sink(event);
    } catch (err) {
      log.error({ err, event: event.event }, 'the alert sink failed');
    }
  };
  const checkEveryMs =
    options.checkEveryMs ?? Math.min(5_000, Math.max(50, Math.floor(options.unreachableAfterMs / 10)));

  const stops: (() => void)[] = [];
  try {
    stops.push(
      watchVms({ fleet: app.fleet, tracker: app.fleetStopTracker, stops: app.fleetStops, now }, report),
      watchOperations({ operations: app.operations }, report),
      watchSchedules({ runs: app.scheduleRuns }, report),
      watchVergeos(
        { fleet: app.fleet, unreachableAfterMs: options.unreachableAfterMs, now, checkEveryMs },
        report,
      ),
      watchLeader({ cluster: app.cluster, now }, report),
    );
  } catch (err) {
    for (const stop of stops) stop();
    throw err;
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const stop of stops.splice(0)) {
      try {
        stop();
      } catch (err) {
        log.error({ err }, 'an alert source did not stop cleanly');
      }
    }
  };
}
