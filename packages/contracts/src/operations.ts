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
  /** In the order they were asked for. */
  vms: Type.Array(OperationVm),
});
export type Operation = Static<typeof Operation>;

export const OperationList = Type.Object({ operations: Type.Array(Operation) });
export type OperationList = Static<typeof OperationList>;
