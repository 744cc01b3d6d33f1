// Scheduled power operations: the vocabulary, without TypeBox so that the web app can import the values; the HTTP
// shapes are in ./schedules. A schedule is a producer of operations: at each of its runs the server creates one
// operation of the engine (./operation-terms) over the VMs its targets name at that moment.
import type { OperationAction } from './operation-terms';

/** What a schedule does at each run: one of the operations' actions (a shut down may force off after N s). */
export const SCHEDULE_ACTIONS = [
  'start',
  'shutdown',
  'reboot',
  'forceOff',
] as const satisfies readonly OperationAction[];
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/**
 * When a schedule runs, always in its IANA time zone:
 * - `daily` at a time; `weekdays` (Monday to Friday) at a time; `weekly` on chosen days at a time;
 * - `once` at a date and time;
 * - `cron`: a five-field cron expression (minute hour day-of-month month day-of-week), read by croner.
 * DST: a time that does not exist that day (spring forward) runs at the first valid moment after it; a time that
 * exists twice (fall back) runs once, at its first occurrence. A cron expression stepping through the hours
 * (`*\/30 * * * *`) keeps to elapsed time through the repeated hour.
 */
export const WHEN_KINDS = ['daily', 'weekdays', 'weekly', 'once', 'cron'] as const;
export type WhenKind = (typeof WHEN_KINDS)[number];

/** Days of the week as cron numbers them: 0 Sunday ... 6 Saturday. */
export const WEEKDAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

/** How a schedule's run time went, as its history records it (each occurrence at most once):
 * - `started`: an operation was created (its id is on the run);
 * - `skipped`: someone skipped this run (who and why are on the run);
 * - `excluded`: the run fell on one of the schedule's exclusion dates (in its zone);
 * - `missed`: Powerdeck was not running at the time nor within the grace window after it;
 * - `empty`: no VM matched the targets when the run started (nothing to do);
 * - `failed`: the run could not start (no fleet snapshot from VergeOS, the owner no longer allowed, ...).
 */
export const RUN_OUTCOMES = ['started', 'skipped', 'excluded', 'missed', 'empty', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** How late a run may still start after its time (Powerdeck was down), in minutes. */
export const GRACE_MINUTES = { default: 15, min: 0, max: 1440 } as const;

export const MAX_SCHEDULE_NAME = 80;
/** The most exclusion dates a schedule keeps. */
export const MAX_EXCLUSIONS = 366;
/** A saved fleet filter's most characters (the wall's and fleet view's filter language: ./fleet-filter). */
export const MAX_FILTER_LENGTH = 200;
/** The most cron expression characters. */
export const MAX_CRON_LENGTH = 100;
/** Upcoming runs a schedule shows (and may have skipped). */
export const NEXT_RUNS_SHOWN = 5;
/** The most schedules one Powerdeck keeps. */
export const MAX_SCHEDULES = 2000;

/** `HH:MM`, 24 h. */
export const TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
/** `YYYY-MM-DD`. */
export const DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';

/** What a run's action is called in sentences: "Shut down at 19:00". */
export const SCHEDULE_ACTION_WORDS: Readonly<Record<ScheduleAction, string>> = {
  start: 'Start',
  shutdown: 'Shut down',
  reboot: 'Reboot',
  forceOff: 'Force off',
};
