// schedule_missed and schedule_failed: what the deciding scheduler recorded (app.scheduleRuns, told once per wake:
// schedules/run-feed.ts), not what the store holds, so nothing is polled.
//
// - missed: Powerdeck was not running at a run's time (past its grace window). A catch-up after a long stop records
//   many for one schedule (an hourly one over a weekend): one alert per schedule and wake, naming the last and how
//   many.
// - failed: a run that could not start (its owner may no longer act, the fleet was not read, VergeOS refused the
//   operation, Powerdeck stopped while starting it): one alert per run, each says why.
import { localTime, type DecidedRun } from '../../schedules/scheduler';
import type { ScheduleRunFeed } from '../../schedules/run-feed';
import type { AlertEventInput, AlertSink } from '../types';
import { plural, someLines, utcMinute } from './words';

export interface ScheduleSourceDeps {
  runs: Pick<ScheduleRunFeed, 'subscribe'>;
}

/** Missed runs listed in one alert; the rest are counted. */
const LISTED = 10;

export const SCHEDULES_PATH = '/schedules';

/** "2026-03-02 02:00 Europe/Berlin", in the schedule's zone when known. */
function runTime(run: DecidedRun): string {
  const at = Date.parse(run.scheduledFor);
  if (run.timeZone === null) return utcMinute(at);
  try {
    return `${localTime(at, run.timeZone)} ${run.timeZone}`;
  } catch {
    return utcMinute(at); // a zone this Node no longer knows
  }
}

function recordedAt(run: DecidedRun): number {
  const at = Date.parse(run.recordedAt);
  return Number.isFinite(at) ? at : Date.now();
}

function missedAlert(runs: readonly DecidedRun[]): AlertEventInput {
  const sorted = [...runs].sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor));
  const last = sorted[sorted.length - 1]!;
  const name = last.scheduleName;
  if (sorted.length === 1) {
    return {
      event: 'schedule_missed',
      at: recordedAt(last),
      title: `Schedule "${name}" missed its run at ${runTime(last)}`,
      text: last.detail,
      scheduleId: last.scheduleId,
      path: SCHEDULES_PATH,
    };
  }
  return {
    event: 'schedule_missed',
    at: recordedAt(last),
    title: `Schedule "${name}" missed ${plural(sorted.length, 'run')}, the last at ${runTime(last)}`,
    text: [
      last.detail,
      'Missed runs:',
      ...someLines(
        sorted.map((r) => `- ${runTime(r)}`),
        LISTED,
      ),
    ].join('\n'),
    scheduleId: last.scheduleId,
    path: SCHEDULES_PATH,
  };
}

function failedAlert(run: DecidedRun): AlertEventInput {
  return {
    event: 'schedule_failed',
    at: recordedAt(run),
    title: `Schedule "${run.scheduleName}" could not start its run at ${runTime(run)}`,
    text: run.detail,
    scheduleId: run.scheduleId,
    ...(run.operationId !== null ? { operationId: run.operationId } : {}),
    path: SCHEDULES_PATH,
  };
}

export function watchSchedules(deps: ScheduleSourceDeps, sink: AlertSink): () => void {
  return deps.runs.subscribe((runs) => {
    const missed = new Map<string, DecidedRun[]>();
    for (const run of runs) {
      if (run.outcome === 'failed') sink(failedAlert(run));
      else if (run.outcome === 'missed') {
        const list = missed.get(run.scheduleId);
        if (list) list.push(run);
        else missed.set(run.scheduleId, [run]);
      }
    }
    for (const list of missed.values()) sink(missedAlert(list));
  });
}
