// Scheduled power operations over HTTP. The vocabulary is in ./schedule-terms; the targets' filter language in
// ./fleet-filter. Every time is ISO 8601 UTC unless named otherwise; `time` and `date` fields are wall-clock values
// in the schedule's `timeZone`.
//   GET    /api/schedules                 -> ScheduleList                    (fleet:read)
//   POST   /api/schedules                 ScheduleBody -> 201 Schedule       (schedules:manage)
//   GET    /api/schedules/:id             -> Schedule                        (fleet:read)
//   PUT    /api/schedules/:id             ScheduleBody -> Schedule           (schedules:manage; clears its skips)
//   DELETE /api/schedules/:id             -> 204                             (schedules:manage; its history stays)
//   POST   /api/schedules/:id/skip        SkipBody -> Schedule               (schedules:skip; an upcoming run, reason)
//   POST   /api/schedules/:id/unskip      UnskipBody -> Schedule             (schedules:skip)
//   POST   /api/schedules/:id/pause       ReasonBody -> Schedule             (schedules:skip; reason)
//   POST   /api/schedules/:id/resume      ReasonBody -> Schedule             (schedules:skip)
//   GET    /api/schedules/runs?schedule=&limit=  -> RunList (newest first)   (fleet:read)
//   POST   /api/schedules/preview         PreviewBody -> Preview             (fleet:read; nothing is stored)
//   GET    /api/schedules/next-actions    -> NextActions (per VM, its next scheduled action)   (fleet:read)
// Refusals: 400 with the field in words ("Unknown time zone 'Mars/Base'", "Cron expression: Invalid value for
// minute: 61", a plan target with an action other than start or shut down, or an unknown plan), 404 unknown id,
// 409 skipping a run that is not upcoming. All changes are audited (kind `schedule`).
import Type, { type Static } from 'typebox';
import { MAX_OPERATION_VMS, STEP_TIMEOUTS_S } from './operation-terms';
import { MAX_REASON_LENGTH } from './roles';
import {
  DATE_PATTERN,
  GRACE_MINUTES,
  MAX_CRON_LENGTH,
  MAX_EXCLUSIONS,
  MAX_FILTER_LENGTH,
  MAX_SCHEDULE_NAME,
  RUN_OUTCOMES,
  SCHEDULE_ACTIONS,
  TIME_PATTERN,
} from './schedule-terms';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ description: 'ISO 8601, UTC' });
const Time = Type.String({ pattern: TIME_PATTERN, description: 'HH:MM in the schedule zone' });
const DateOnly = Type.String({ pattern: DATE_PATTERN, description: 'YYYY-MM-DD in the schedule zone' });
const Reason = Type.String({ minLength: 1, maxLength: MAX_REASON_LENGTH });
const VmKey = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const When = Type.Union([
  Type.Object({ kind: Type.Literal('daily'), time: Time }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('weekdays'), time: Time }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('weekly'),
      /** 0 Sunday ... 6 Saturday, each once. */
      days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
        minItems: 1,
        maxItems: 7,
        uniqueItems: true,
      }),
      time: Time,
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('once'), date: DateOnly, time: Time }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('cron'), expression: Type.String({ minLength: 1, maxLength: MAX_CRON_LENGTH }) },
    { additionalProperties: false },
  ),
]);
export type When = Static<typeof When>;

/** Chosen VMs (keys); a VM gone from the fleet by run time is skipped. A schedule's targets, or a plan tier's VMs. */
export const ChosenVms = Type.Object(
  {
    kind: Type.Literal('vms'),
    vms: Type.Array(VmKey, { minItems: 1, maxItems: MAX_OPERATION_VMS, uniqueItems: true }),
  },
  { additionalProperties: false },
);

/** A saved fleet filter (./fleet-filter), resolved when each run starts. A schedule's targets, or a plan tier's. */
export const SavedFilter = Type.Object(
  { kind: Type.Literal('filter'), filter: Type.String({ minLength: 1, maxLength: MAX_FILTER_LENGTH }) },
  { additionalProperties: false },
);

export const Targets = Type.Union([
  ChosenVms,
  SavedFilter,
  /**
   * A power plan (./plans), by id: each run is a run of the plan (action `start` or `shutdown` only), tier by
   * tier, in the schedule owner's name (who must be allowed to run it: `mayRunPlan`).
   */
  Type.Object(
    { kind: Type.Literal('plan'), plan: Type.String({ minLength: 1, maxLength: 64 }) },
    { additionalProperties: false },
  ),
]);
export type Targets = Static<typeof Targets>;

export const ScheduleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_SCHEDULE_NAME }),
    enabled: Type.Boolean(),
    action: Type.Enum(SCHEDULE_ACTIONS),
    /** Shut down only: force off a VM still running this many seconds after the shut down (null: never). */
    forceAfterS: Type.Optional(
      Nullable(
        Type.Integer({ minimum: STEP_TIMEOUTS_S.shutdown.min, maximum: STEP_TIMEOUTS_S.shutdown.max }),
      ),
    ),
    targets: Targets,
    when: When,
    /** IANA name (Europe/Berlin). Absent: the server's zone. */
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    graceMinutes: Type.Optional(Type.Integer({ minimum: GRACE_MINUTES.min, maximum: GRACE_MINUTES.max })),
    /** Dates (in the schedule zone) on which it does not run: holidays. */
    exclusions: Type.Optional(Type.Array(DateOnly, { maxItems: MAX_EXCLUSIONS, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type ScheduleBody = Static<typeof ScheduleBody>;

export const ScheduleSkip = Type.Object({
  /** The run skipped. */
  at: Iso,
  by: Type.String(),
  reason: Type.String(),
  recordedAt: Iso,
});
export type ScheduleSkip = Static<typeof ScheduleSkip>;

export const UpcomingRun = Type.Object({
  at: Iso,
  /** Skipped by someone (see `skips`), or on an exclusion date: it will not run. */
  skipped: Type.Boolean(),
  excluded: Type.Boolean(),
});
export type UpcomingRun = Static<typeof UpcomingRun>;

export const Capacity = Type.Object({
  /** VMs the targets name now (from the fleet snapshot). */
  vms: Type.Integer(),
  /** Of those, the VMs the action applies to in their current status (the others would be skipped). */
  applies: Type.Integer(),
  /** Stop actions: cores and RAM (MB) the applicable VMs hold now and would free. Start: what they need. */
  cores: Type.Integer(),
  ramMb: Type.Integer(),
  /** Start only: whether the nodes have room for them now (null for other actions, or no node data). */
  fits: Nullable(Type.Boolean()),
  /** In words: "Frees 24 cores and 96 GB", "Needs 8 cores and 32 GB: fits on node1 and node2 now". */
  summary: Type.String(),
});
export type Capacity = Static<typeof Capacity>;

export const ScheduleRun = Type.Object({
  id: Type.String(),
  scheduleId: Type.String(),
  /** The schedule's name when the run was recorded. */
  scheduleName: Type.String(),
  /** The occurrence this run is for. */
  scheduledFor: Iso,
  outcome: Type.Enum(RUN_OUTCOMES),
  /** In words: "Started 12 VMs (3 skipped)", "Skipped by alice: patch freeze", "Powerdeck was down until 07:40". */
  detail: Type.String(),
  /** The operation it started (outcome `started`). */
  operationId: Nullable(Type.String()),
  /** When it was recorded (for `started`, when the operation was created). */
  recordedAt: Iso,
});
export type ScheduleRun = Static<typeof ScheduleRun>;

export const Schedule = Type.Object({
  id: Type.String(),
  name: Type.String(),
  enabled: Type.Boolean(),
  action: Type.Enum(SCHEDULE_ACTIONS),
  forceAfterS: Nullable(Type.Integer()),
  targets: Targets,
  when: When,
  timeZone: Type.String(),
  graceMinutes: Type.Integer(),
  exclusions: Type.Array(Type.String()),
  /** Who created it. */
  owner: Type.String(),
  createdAt: Iso,
  updatedAt: Iso,
  paused: Nullable(Type.Object({ by: Type.String(), reason: Type.String(), at: Iso })),
  /** Upcoming runs someone skipped. */
  skips: Type.Array(ScheduleSkip),
  /** The next runs (NEXT_RUNS_SHOWN), skipped and excluded ones included and marked; empty once a `once` ran. */
  upcoming: Type.Array(UpcomingRun),
  /** The next run that will happen: enabled, not paused, not skipped or excluded. Null when none. */
  next: Nullable(Iso),
  lastRun: Nullable(ScheduleRun),
  /** With the VMs its targets name now. */
  capacity: Capacity,
});
export type Schedule = Static<typeof Schedule>;

export const ScheduleList = Type.Object({ schedules: Type.Array(Schedule) });
export type ScheduleList = Static<typeof ScheduleList>;

export const ScheduleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type ScheduleParams = Static<typeof ScheduleParams>;

export const SkipBody = Type.Object({ at: Iso, reason: Reason }, { additionalProperties: false });
export type SkipBody = Static<typeof SkipBody>;
export const UnskipBody = Type.Object({ at: Iso }, { additionalProperties: false });
export type UnskipBody = Static<typeof UnskipBody>;
export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export type ReasonBody = Static<typeof ReasonBody>;

export const RunQuery = Type.Object(
  {
    schedule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** 1 to 500 (default 50); a query string holds text, and the BFF never coerces types. */
    limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$' })),
  },
  { additionalProperties: false },
);
export type RunQuery = Static<typeof RunQuery>;
export const RunList = Type.Object({ runs: Type.Array(ScheduleRun) });
export type RunList = Static<typeof RunList>;

/** A draft of a schedule, checked and computed, nothing stored: the form's preview. */
export const PreviewBody = Type.Object(
  {
    action: Type.Enum(SCHEDULE_ACTIONS),
    targets: Targets,
    when: When,
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    exclusions: Type.Optional(Type.Array(DateOnly, { maxItems: MAX_EXCLUSIONS, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type PreviewBody = Static<typeof PreviewBody>;

export const Preview = Type.Object({
  /** The zone used (the server's when the draft names none). */
  timeZone: Type.String(),
  upcoming: Type.Array(UpcomingRun),
  /** VM keys the targets name now. */
  vms: Type.Array(Type.Integer()),
  capacity: Capacity,
});
export type Preview = Static<typeof Preview>;

export const NextAction = Type.Object({
  vm: Type.Integer(),
  scheduleId: Type.String(),
  scheduleName: Type.String(),
  action: Type.Enum(SCHEDULE_ACTIONS),
  at: Iso,
});
export type NextAction = Static<typeof NextAction>;
/**
 * For each VM some schedule will act on, its earliest next run (VMs named now, filters resolved now), counting only
 * schedules whose action applies to the VM's status now (a start is not a running VM's next action).
 */
export const NextActions = Type.Object({ actions: Type.Array(NextAction) });
export type NextActions = Static<typeof NextActions>;
