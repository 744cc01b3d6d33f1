// The runs the deciding scheduler recorded, for whoever reports them (alerts' schedule_missed and schedule_failed:
// alerts/sources/schedules.ts), as `app.scheduleRuns`. The scheduler tells this feed at the end of every wake
// (SchedulerOptions.onRuns); the feed tells its listeners.
//
// The runs most worth telling are decided at start: the catch-up after Powerdeck was not running records the
// missed ones, in the scheduler's first wake, which may well come before the alerts have started listening (they
// start after the scheduler, as a later leader duty). So runs told while nobody listens wait (at most MAX_WAITING,
// the newest) and go to the first listener; a new term (`clear`) drops them: they belonged to the previous one.
import type { PollerLog } from '../fleet/poller';
import type { DecidedRun } from './scheduler';

/** The most runs kept for a listener to come (one catch-up records at most MAX_MISSED per schedule). */
export const MAX_WAITING = 500;

export type ScheduleRunListener = (runs: readonly DecidedRun[]) => void;

export class ScheduleRunFeed {
  private readonly listeners = new Set<ScheduleRunListener>();
  private waiting: DecidedRun[] = [];

  constructor(private readonly log: Pick<PollerLog, 'error'>) {}

  /** The scheduler's `onRuns`. */
  readonly decided = (runs: readonly DecidedRun[]): void => {
    if (runs.length === 0) return;
    if (this.listeners.size === 0) {
      this.waiting.push(...runs);
      if (this.waiting.length > MAX_WAITING) this.waiting.splice(0, this.waiting.length - MAX_WAITING);
      return;
    }
    for (const l of [...this.listeners]) this.call(l, runs);
  };

  /** Listens from now on; runs that waited for a listener are told to this one at once. Returns an unsubscribe. */
  subscribe(listener: ScheduleRunListener): () => void {
    this.listeners.add(listener);
    const waiting = this.waiting;
    this.waiting = [];
    if (waiting.length > 0) this.call(listener, waiting);
    return () => this.listeners.delete(listener);
  }

  /** A new term of the scheduler (or none): what waited was the previous term's. */
  clear(): void {
    this.waiting = [];
  }

  private call(listener: ScheduleRunListener, runs: readonly DecidedRun[]): void {
    try {
      listener(runs);
    } catch (err) {
      this.log.error({ err }, 'a schedule runs listener failed');
    }
  }
}
