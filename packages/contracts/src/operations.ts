// Operations over HTTP. The BFF runs them, stores them (they survive a restart) and streams their progress.
//   POST /api/operations                      NewOperationBody -> 201 Operation
//   GET  /api/operations                      -> OperationList (running first, then the most recent finished)
//   GET  /api/operations/:id                  -> Operation
//   POST /api/operations/:id/cancel           -> Operation   (its owner, or an admin)
//   POST /api/operations/:id/vms/:key/force   -> Operation   ("Force now" during an escalating shut down; vm:force)
//   GET  /api/operations/events               server-sent events: `operation` with an Operation as JSON, at every
//                                              change of any operation (and every running one when a stream opens)
// Starting one answers 503 when the BFF has no fleet snapshot yet (VergeOS unreachable since start): which VMs
// apply is decided from it.
// Permissions: starting needs `operationPermissions(action, forceAfterS !== null)` (operation-terms.ts); a
// helpdesk shut down or reboot needs a reason (`reasonRequired`, roles.ts).
import Type, { type Static } from 'typebox';
import {
  MAX_OPERATION_VMS,
  OPERATION_ACTIONS,
  OPERATION_STATUSES,
  OPERATION_STEPS,
  OPERATION_VM_STATES,
  PARALLELISM,
} from './operation-terms';
import { ON_FAILURE, PLAN_DIRECTIONS, TIER_STATES, UP_WHEN } from './plan-terms';
import { MAX_REASON_LENGTH, ROLES } from './roles';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ description: 'ISO 8601, UTC' });

export const NewOperationBody = Type.Object(
  {
    action: Type.Enum(OPERATION_ACTIONS),
    /** VM keys, each once. */
    vms: Type.Array(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), {
      minItems: 1,
      maxItems: MAX_OPERATION_VMS,
      uniqueItems: true,
    }),
    /**
     * Shut down only: force off a VM that is not stopped this many seconds after its shut down was sent (null or
     * absent: never force). Within STEP_TIMEOUTS_S.shutdown's bounds.
     */
    forceAfterS: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    /** How long a step waits for its VM (default STEP_TIMEOUTS_S[action].default; within its bounds). */
    timeoutS: Type.Optional(Type.Integer({ minimum: 1 })),
    /** VMs acted on at once (default: the BFF's setting, PARALLELISM.default). */
    parallelism: Type.Optional(Type.Integer({ minimum: PARALLELISM.min, maximum: PARALLELISM.max })),
    reason: Type.Optional(Type.String({ maxLength: MAX_REASON_LENGTH })),
  },
  { additionalProperties: false },
);
export type NewOperationBody = Static<typeof NewOperationBody>;

export const OperationVm = Type.Object({
  key: Type.Integer(),
  name: Type.String(),
  state: Type.Enum(OPERATION_VM_STATES),
  /** The step sent last (or being sent), or null before the first. */
  step: Nullable(Type.Enum(OPERATION_STEPS)),
  /** When that step was sent. */
  stepAt: Nullable(Iso),
  /**
   * VergeOS has answered that step (or did not in time): the VM is being watched. Until then ("sending") nothing
   * else may be sent for the VM: "Force now" waits for it.
   */
  stepSent: Type.Boolean(),
  /**
   * When the current wait ends: the force-off moment of an escalating shut down (the card's countdown), or the
   * step's timeout. Null when not waiting.
   */
  deadline: Nullable(Iso),
  /** The shut down was escalated to a force off (at the deadline, or "Force now"). */
  escalated: Type.Boolean(),
  /** In words, for the report: "Skipped: already stopped", "Forced off after 120 s", "VergeOS refused: …". */
  detail: Type.String(),
  /** The VM's status when the operation last looked. */
  status: Nullable(Type.String()),
  /** A plan run: the VM's tier (its index in the plan); null otherwise. */
  tier: Nullable(Type.Integer()),
});
export type OperationVm = Static<typeof OperationVm>;

export const OperationCounts = Type.Object({
  total: Type.Integer(),
  pending: Type.Integer(),
  active: Type.Integer(),
  done: Type.Integer(),
  skipped: Type.Integer(),
  failed: Type.Integer(),
  cancelled: Type.Integer(),
});
export type OperationCounts = Static<typeof OperationCounts>;

/** One tier of a plan run: its settings as the run took them, and where it is. */
export const OperationTier = Type.Object({
  /** Its index in the plan (0: first; a shut down runs the highest first). */
  index: Type.Integer(),
  name: Type.String(),
  upWhen: Type.Enum(UP_WHEN),
  timeoutS: Type.Integer(),
  delayAfterS: Type.Integer(),
  onFailure: Type.Enum(ON_FAILURE),
  escalate: Type.Boolean(),
  state: Type.Enum(TIER_STATES),
  /** In words: "2 of 3 started; db-2 failed: VergeOS refused … The plan went on (the tier says go on)". */
  detail: Type.String(),
  /** When its first step was sent, and when its last VM ended (null before). */
  startedAt: Nullable(Iso),
  endedAt: Nullable(Iso),
  /** State `delay`: when the next tier starts. */
  nextAt: Nullable(Iso),
});
export type OperationTier = Static<typeof OperationTier>;

/** What a plan run is about: the plan, the direction and its tiers in plan order. */
export const OperationPlan = Type.Object({
  id: Type.String(),
  name: Type.String(),
  direction: Type.Enum(PLAN_DIRECTIONS),
  tiers: Type.Array(OperationTier),
});
export type OperationPlan = Static<typeof OperationPlan>;

export const Operation = Type.Object({
  id: Type.String(),
  action: Type.Enum(OPERATION_ACTIONS),
  status: Type.Enum(OPERATION_STATUSES),
  /** Who started it (the audit log's actor) and their role. */
  owner: Type.String(),
  ownerRole: Type.Enum(ROLES),
  createdAt: Iso,
  finishedAt: Nullable(Iso),
  /** Who cancelled it, or null. */
  cancelledBy: Nullable(Type.String()),
  forceAfterS: Nullable(Type.Integer()),
  timeoutS: Type.Integer(),
  parallelism: Type.Integer(),
  reason: Nullable(Type.String()),
  counts: OperationCounts,
  /** A plan run's plan and tiers (null for other operations). */
  plan: Nullable(OperationPlan),
  /** The schedule whose run this is (null for an operation someone started). */
  schedule: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  /** In the order they were asked for (a plan run: in the order its tiers run). */
  vms: Type.Array(OperationVm),
});
export type Operation = Static<typeof Operation>;

export const OperationList = Type.Object({ operations: Type.Array(Operation) });
export type OperationList = Static<typeof OperationList>;
