// Power plans over HTTP. The vocabulary and the rules are in ./plan-terms; a tier's VMs are chosen VMs or a saved
// fleet filter (./fleet-filter), resolved when a run starts. A run is an operation of the engine (./operations):
// its `plan` says which plan, the direction and each tier's state; each of its VMs carries its `tier`.
//   GET    /api/plans                   -> PlanList                          (fleet:read)
//   POST   /api/plans                   PlanBody -> 201 Plan                 (plans:manage)
//   GET    /api/plans/:id               -> Plan                              (fleet:read)
//   PUT    /api/plans/:id               PlanBody -> Plan                     (plans:manage)
//   DELETE /api/plans/:id               -> 204                               (plans:manage; 409 while it runs or a
//                                                                              schedule targets it; its runs stay)
//   POST   /api/plans/:id/dry-run       DirectionBody -> DryRun              (fleet:read; nothing is sent)
//   POST   /api/plans/:id/run           RunBody -> 201 Operation             (mayRunPlan; 409 while a run of it
//                                                                              is running; 422 when a start does
//                                                                              not fit and `evenIfShort` is not set)
//   GET    /api/plans/:id/runs          -> OperationList (newest first, up to 20)   (fleet:read)
// Refusals: 400 with the field in words, 404 unknown id, 403 naming what the role lacks. Every change and every run
// is audited (kind `plan`, target `plan:<id>`, with the run's operation id).
import Type, { type Static } from 'typebox';
import { PARALLELISM } from './operation-terms';
import {
  DRY_RUN_OUTCOMES,
  HELPDESK_RUN,
  MAX_PLAN_NAME,
  MAX_TIER_NAME,
  MAX_TIERS,
  ON_FAILURE,
  PLAN_DIRECTIONS,
  TIER_DELAY_S,
  TIER_TIMEOUT_S,
  UP_WHEN,
} from './plan-terms';
import { MAX_REASON_LENGTH } from './roles';
import { ChosenVms, SavedFilter } from './schedules';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ description: 'ISO 8601, UTC' });

/** The VMs of a tier: chosen VMs (a VM gone from the fleet by run time is skipped) or a saved fleet filter. */
export const TierVms = Type.Union([ChosenVms, SavedFilter]);
export type TierVms = Static<typeof TierVms>;

export const TierBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_TIER_NAME }),
    targets: TierVms,
    /** When a started VM counts as up (default `running`). */
    upWhen: Type.Optional(Type.Enum(UP_WHEN)),
    /** Seconds (TIER_TIMEOUT_S): to come up when starting; to stop when shutting down. */
    timeoutS: Type.Optional(Type.Integer({ minimum: TIER_TIMEOUT_S.min, maximum: TIER_TIMEOUT_S.max })),
    /** Seconds to wait after this tier before the next (TIER_DELAY_S). */
    delayAfterS: Type.Optional(Type.Integer({ minimum: TIER_DELAY_S.min, maximum: TIER_DELAY_S.max })),
    /** Default `stop`. */
    onFailure: Type.Optional(Type.Enum(ON_FAILURE)),
    /** Shutting down: force off a VM still running at the tier's timeout (default false: it fails instead). */
    escalate: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type TierBody = Static<typeof TierBody>;

export const PlanBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_PLAN_NAME }),
    /** In order: the first starts first and shuts down last. */
    tiers: Type.Array(TierBody, { minItems: 1, maxItems: MAX_TIERS }),
    /** Default `none`. */
    helpdesk: Type.Optional(Type.Enum(HELPDESK_RUN)),
    /** VMs of a tier acted on at once (default PARALLELISM.default). */
    parallelism: Type.Optional(Type.Integer({ minimum: PARALLELISM.min, maximum: PARALLELISM.max })),
  },
  { additionalProperties: false },
);
export type PlanBody = Static<typeof PlanBody>;

/** A tier as stored: every setting given. */
export const Tier = Type.Object({
  name: Type.String(),
  targets: TierVms,
  upWhen: Type.Enum(UP_WHEN),
  timeoutS: Type.Integer(),
  delayAfterS: Type.Integer(),
  onFailure: Type.Enum(ON_FAILURE),
  escalate: Type.Boolean(),
});
export type Tier = Static<typeof Tier>;

export const PlanLastRun = Type.Object({
  operationId: Type.String(),
  direction: Type.Enum(PLAN_DIRECTIONS),
  /** The operation's status: running, finished, cancelled. */
  status: Type.String(),
  by: Type.String(),
  createdAt: Iso,
  finishedAt: Nullable(Iso),
});
export type PlanLastRun = Static<typeof PlanLastRun>;

export const Plan = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tiers: Type.Array(Tier),
  helpdesk: Type.Enum(HELPDESK_RUN),
  parallelism: Type.Integer(),
  /** Who created it. */
  owner: Type.String(),
  createdAt: Iso,
  updatedAt: Iso,
  /** The newest run, or null. */
  lastRun: Nullable(PlanLastRun),
  /** The schedules that target it (id and name). */
  schedules: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});
export type Plan = Static<typeof Plan>;

export const PlanList = Type.Object({ plans: Type.Array(Plan) });
export type PlanList = Static<typeof PlanList>;

export const PlanParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type PlanParams = Static<typeof PlanParams>;

export const DirectionBody = Type.Object(
  { direction: Type.Enum(PLAN_DIRECTIONS) },
  { additionalProperties: false },
);
export type DirectionBody = Static<typeof DirectionBody>;

export const RunBody = Type.Object(
  {
    direction: Type.Enum(PLAN_DIRECTIONS),
    /** Why (required for help desk shutting a plan down, as for any shut down). */
    reason: Type.Optional(Type.String({ maxLength: MAX_REASON_LENGTH })),
    /** Start anyway when the dry run says the VMs do not all fit (VergeOS then refuses those without room). */
    evenIfShort: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RunBody = Static<typeof RunBody>;

export const DryRunVm = Type.Object({
  key: Type.Integer(),
  name: Type.String(),
  /** Its status in the fleet snapshot (null when it is not in the fleet). */
  status: Nullable(Type.String()),
  /**
   * `act`: it would be started (shut down); `already`: it is already there (running, or stopped); `skip`: the
   * action does not apply to its status (a VM in error shut down, a VM starting...); `missing`: not in the fleet;
   * `duplicate`: an earlier tier (in run order) names it already.
   */
  outcome: Type.Enum(DRY_RUN_OUTCOMES),
  /** In words: "Already running", "Not in the fleet", "In tier 1 (Domain controllers) already". */
  detail: Type.String(),
});
export type DryRunVm = Static<typeof DryRunVm>;

export const DryRunTier = Type.Object({
  /** The tier's index in the plan (0: first). */
  index: Type.Integer(),
  name: Type.String(),
  /** Its VMs, in the order the run would take them. */
  vms: Type.Array(DryRunVm),
  /** How many would be acted on. */
  acts: Type.Integer(),
  /** "Starts 3 VMs (1 already running), waits up to 180 s each for the guest agent, then 30 s". */
  summary: Type.String(),
});
export type DryRunTier = Static<typeof DryRunTier>;

export const DryRun = Type.Object({
  direction: Type.Enum(PLAN_DIRECTIONS),
  /** Tiers in run order (reverse plan order when shutting down). */
  tiers: Type.Array(DryRunTier),
  /** VMs acted on, over all tiers. */
  acts: Type.Integer(),
  /**
   * Starting: cores and RAM (MB) the VMs to start need, and whether they fit on the nodes' free room now (first fit,
   * largest first, nodes in maintenance left out); null when nothing is started or there is no node data. Shutting
   * down: what the run frees; `fits` null.
   */
  cores: Type.Integer(),
  ramMb: Type.Integer(),
  fits: Nullable(Type.Boolean()),
  /** When they do not fit, in words: "Needs 48 GB more RAM than node2 and node3 have free". */
  shortfall: Nullable(Type.String()),
  /** In words: "Starts 12 VMs in 3 tiers: needs 24 cores and 96 GB, fits on node1 and node2". */
  summary: Type.String(),
  /** When the snapshot it was computed from was read. */
  fleetAt: Nullable(Iso),
});
export type DryRun = Static<typeof DryRun>;
