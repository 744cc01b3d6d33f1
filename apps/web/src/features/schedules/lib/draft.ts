// The schedule form's draft: what a person has typed, kept as typed (nothing is lost on a refusal), checked here and
// turned into the server's bodies (ScheduleBody to save, PreviewBody to preview). Pure (tested in
// test/schedules-lib.test.ts). Types only from ./schedules; the limits from ./schedule-terms. The targets: chosen
// VMs, a filter, or a power plan (started or shut down only; its tiers say how long to wait and whether to force off).
import {
  DATE_PATTERN,
  GRACE_MINUTES,
  MAX_CRON_LENGTH,
  MAX_FILTER_LENGTH,
  MAX_SCHEDULE_NAME,
  TIME_PATTERN,
  type ScheduleAction,
  type WhenKind,
} from '@powerdeck/contracts/schedule-terms';
import type { PreviewBody, Schedule, ScheduleBody, Targets, When } from '@powerdeck/contracts/schedules';
import { FORCE_AFTER_HINT, parseForceAfter } from '../../../lib/force-after';
import { parseWholeOrDefault } from '../../../lib/whole-number';

export interface ScheduleDraft {
  name: string;
  enabled: boolean;
  action: ScheduleAction;
  /** Shut down only: force off after `forceAfterSeconds`. */
  forceAfter: boolean;
  forceAfterSeconds: string;
  targetKind: Targets['kind'];
  /** Chosen VM keys, in the order chosen. */
  vms: readonly number[];
  filter: string;
  /** A power plan's id (target kind `plan`). */
  plan: string;
  whenKind: WhenKind;
  /** HH:MM */
  time: string;
  /** Weekly: 0 Sunday ... 6 Saturday. */
  days: readonly number[];
  /** Once: YYYY-MM-DD */
  date: string;
  expression: string;
  /** An IANA name; empty: the server's zone. */
  timeZone: string;
  /** Minutes, as typed; empty: the default. */
  grace: string;
  exclusions: readonly string[];
}

export const EMPTY_DRAFT: ScheduleDraft = {
  name: '',
  enabled: true,
  action: 'shutdown',
  forceAfter: false,
  forceAfterSeconds: '120',
  targetKind: 'vms',
  vms: [],
  filter: '',
  plan: '',
  whenKind: 'weekdays',
  time: '19:00',
  days: [1],
  date: '',
  expression: '',
  timeZone: '',
  grace: '',
  exclusions: [],
};

/** A saved schedule, to edit. */
export function draftFromSchedule(s: Schedule): ScheduleDraft {
  const w = s.when;
  return {
    ...EMPTY_DRAFT,
    name: s.name,
    enabled: s.enabled,
    action: s.action,
    forceAfter: s.forceAfterS !== null,
    forceAfterSeconds: String(s.forceAfterS ?? EMPTY_DRAFT.forceAfterSeconds),
    targetKind: s.targets.kind,
    vms: s.targets.kind === 'vms' ? s.targets.vms : [],
    filter: s.targets.kind === 'filter' ? s.targets.filter : '',
    plan: s.targets.kind === 'plan' ? s.targets.plan : '',
    whenKind: w.kind,
    time: 'time' in w ? w.time : EMPTY_DRAFT.time,
    days: w.kind === 'weekly' ? w.days : EMPTY_DRAFT.days,
    date: w.kind === 'once' ? w.date : '',
    expression: w.kind === 'cron' ? w.expression : '',
    timeZone: s.timeZone,
    grace: String(s.graceMinutes),
    exclusions: s.exclusions,
  };
}

const TIME = new RegExp(TIME_PATTERN);
const DATE = new RegExp(DATE_PATTERN);

export type DraftField = 'name' | 'targets' | 'when' | 'grace' | 'forceAfter';
export type DraftProblems = Partial<Record<DraftField, string>>;

/** The actions a schedule of a power plan may take: start it or shut it down (its tiers say the rest). */
export const PLAN_ACTIONS: readonly ScheduleAction[] = ['start', 'shutdown'];

/** A shut down that forces off after a while (never a plan's: each of its tiers says whether it does). */
const escalates = (d: ScheduleDraft) => d.action === 'shutdown' && d.forceAfter && d.targetKind !== 'plan';

function targetsProblem(d: ScheduleDraft): string | undefined {
  if (d.targetKind === 'vms') return d.vms.length === 0 ? 'Choose at least one VM' : undefined;
  if (d.targetKind === 'plan') {
    if (!d.plan) return 'Choose a plan';
    return PLAN_ACTIONS.includes(d.action) ? undefined : 'A schedule of a plan starts it or shuts it down';
  }
  const f = d.filter.trim();
  if (!f) return 'Type a filter, e.g. lab status:running';
  return f.length > MAX_FILTER_LENGTH ? `At most ${MAX_FILTER_LENGTH} characters` : undefined;
}

function whenProblem(d: ScheduleDraft): string | undefined {
  if (d.whenKind === 'cron') {
    const e = d.expression.trim();
    if (!e) return 'Type a cron expression, e.g. 0 2 * * 6';
    return e.length > MAX_CRON_LENGTH ? `At most ${MAX_CRON_LENGTH} characters` : undefined;
  }
  if (!TIME.test(d.time)) return 'Give a time (HH:MM, 24 h)';
  if (d.whenKind === 'weekly' && d.days.length === 0) return 'Choose at least one day';
  if (d.whenKind === 'once' && !DATE.test(d.date)) return 'Give a date';
  return undefined;
}

function graceProblem(d: ScheduleDraft): string | undefined {
  return parseWholeOrDefault(d.grace, GRACE_MINUTES) === null
    ? `Between ${GRACE_MINUTES.min} and ${GRACE_MINUTES.max} minutes`
    : undefined;
}

/** What is wrong with the draft, by field (empty when it may be sent). */
export function draftProblems(d: ScheduleDraft): DraftProblems {
  const name = d.name.trim();
  const problems: DraftProblems = {
    name: !name
      ? 'Give the schedule a name'
      : name.length > MAX_SCHEDULE_NAME
        ? `At most ${MAX_SCHEDULE_NAME} characters`
        : undefined,
    targets: targetsProblem(d),
    when: whenProblem(d),
    grace: graceProblem(d),
    forceAfter: escalates(d) && parseForceAfter(d.forceAfterSeconds) === null ? FORCE_AFTER_HINT : undefined,
  };
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v !== undefined));
}

function whenOf(d: ScheduleDraft): When {
  switch (d.whenKind) {
    case 'daily':
    case 'weekdays':
      return { kind: d.whenKind, time: d.time };
    case 'weekly':
      return { kind: 'weekly', days: [...d.days].sort((a, b) => a - b), time: d.time };
    case 'once':
      return { kind: 'once', date: d.date, time: d.time };
    case 'cron':
      return { kind: 'cron', expression: d.expression.trim() };
  }
}

function targetsOf(d: ScheduleDraft): Targets {
  switch (d.targetKind) {
    case 'vms':
      return { kind: 'vms', vms: [...d.vms] };
    case 'filter':
      return { kind: 'filter', filter: d.filter.trim() };
    case 'plan':
      return { kind: 'plan', plan: d.plan };
  }
}

/** What the preview is asked about, or null while the targets or the time are not complete. */
export function previewBody(d: ScheduleDraft): PreviewBody | null {
  if (targetsProblem(d) !== undefined || whenProblem(d) !== undefined) return null;
  return {
    action: d.action,
    targets: targetsOf(d),
    when: whenOf(d),
    ...(d.timeZone ? { timeZone: d.timeZone } : {}),
    ...(d.exclusions.length ? { exclusions: [...d.exclusions] } : {}),
  };
}

/** The body to save (check `draftProblems` first). */
export function scheduleBody(d: ScheduleDraft): ScheduleBody {
  const grace = d.grace.trim();
  return {
    name: d.name.trim(),
    enabled: d.enabled,
    action: d.action,
    forceAfterS: escalates(d) ? parseForceAfter(d.forceAfterSeconds) : null,
    targets: targetsOf(d),
    when: whenOf(d),
    ...(d.timeZone ? { timeZone: d.timeZone } : {}),
    ...(grace ? { graceMinutes: Number(grace) } : {}),
    exclusions: [...d.exclusions].sort(),
  };
}
