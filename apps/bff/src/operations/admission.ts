// Admission and conflicts: what a new operation is made of (its owner, its numbers, and per VM whether the action
// applies to the status the snapshot shows, or why it is skipped: nothing is ever sent to a skipped VM), and the
// refusals of requests against an existing operation (cancelling one that ended, "Force now" for a VM that is not
// waiting in an escalating shut down). Refusals are OperationErrors, which the routes answer as HTTP codes.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { actionApplies, STEP_TIMEOUTS_S, type OperationAction } from '@powerdeck/contracts/operation-terms';
import { forceNowApplies } from '@powerdeck/contracts/power-rules';
import type { Requester } from '../audit-fields';
import type { OperationRecord, OperationVmRecord } from '../stores/types';
import type { OpRun, VmRun } from './queue';
import { forceAfterOf, planRecord, runOrder, settleEmpty, type NewPlanRun } from './tiers';
import { skipDetail, WORDS } from './words';

type OperationErrorCode = 'not_found' | 'conflict' | 'unavailable' | 'invalid';

/** A request the engine refuses; the routes turn it into 404, 409, 503 or 400. */
export class OperationError extends Error {
  override name = 'OperationError';
  constructor(
    readonly code: OperationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface NewOperation {
  action: OperationAction;
  vms: readonly number[];
  forceAfterS: number | null;
  /** Default: STEP_TIMEOUTS_S[action].default. */
  timeoutS?: number | undefined;
  /** Default: the engine's. */
  parallelism?: number | undefined;
  reason: string | null;
  /** A schedule's run: the schedule (its id and name go on the record and on every audit row of it). */
  schedule?: { id: string; name: string } | undefined;
  /**
   * A plan run (action `start` or `shutdown`): the plan, its tiers in plan order and each VM's tier (parallel to
   * `vms`). Its VMs are taken tier by tier in run order, each with its tier's settings (forceAfterS and timeoutS
   * do not apply).
   */
  plan?: NewPlanRun | undefined;
}

/** The schedule fields of an operation's audit rows (null for an operation someone started). */
export function scheduleOf(rec: OperationRecord): { scheduleId: string | null; scheduleName: string | null } {
  return { scheduleId: rec.schedule?.id ?? null, scheduleName: rec.schedule?.name ?? null };
}

/** Who started an operation, as its record keeps them. */
function ownerFields(
  by: Requester,
): Pick<OperationRecord, 'owner' | 'ownerRole' | 'ownerAuthKind' | 'source' | 'userAgent' | 'requestId'> {
  return {
    owner: by.actor,
    ownerRole: by.role,
    ownerAuthKind: by.authKind,
    source: by.source,
    userAgent: by.userAgent,
    requestId: by.requestId,
  };
}

/** The operation's owner, as each of its steps is audited (the reverse of ownerFields). */
export function ownerOf(rec: OperationRecord): Requester {
  return {
    actor: rec.owner,
    role: rec.ownerRole,
    authKind: rec.ownerAuthKind,
    source: rec.source,
    userAgent: rec.userAgent,
    requestId: rec.requestId,
  };
}

/**
 * A new operation's record: VMs whose status (in `byKey`, the current snapshot) the action applies to are
 * pending, the others (and unknown keys) skipped with the reason; with none pending it is finished at once.
 */
export function admit(
  input: NewOperation,
  by: Requester,
  byKey: ReadonlyMap<number, FleetVm>,
  at: { id: string; createdAt: string; parallelism: number },
): OperationRecord {
  const plan = input.plan;
  let keys: readonly number[] = input.vms;
  let tiers: readonly (number | null)[] = input.vms.map(() => null);
  if (plan) {
    const problem = planProblem(input.action, input.vms, plan);
    if (problem) throw new OperationError('invalid', problem);
    const order = runOrder(plan.vmTiers, plan.tiers.length, input.action as 'start' | 'shutdown');
    keys = order.map((i) => input.vms[i]!);
    tiers = order.map((i) => plan.vmTiers[i]!);
  }
  const vms = keys.map((key, position): OperationVmRecord => {
    const fv = byKey.get(key);
    const base = {
      key,
      tier: tiers[position] ?? null,
      step: null,
      stepPhase: null,
      stepAt: null,
      deadline: null,
      escalated: false,
      forcedAfterS: null,
      moved: false,
      auditId: null,
    };
    if (!fv) {
      return {
        ...base,
        name: `VM ${key}`,
        state: 'skipped',
        detail: WORDS.notFound,
        status: null,
        startedBefore: null,
      };
    }
    const applies = actionApplies(input.action, fv.status);
    return {
      ...base,
      name: fv.name,
      state: applies ? 'pending' : 'skipped',
      detail: applies ? WORDS.pending : skipDetail(input.action, fv.status),
      status: fv.status,
      startedBefore: fv.started,
    };
  });
  const anything = vms.some((vm) => vm.state === 'pending');
  const rec: OperationRecord = {
    id: at.id,
    action: input.action,
    status: anything ? 'running' : 'finished',
    ...ownerFields(by),
    createdAt: at.createdAt,
    finishedAt: anything ? null : at.createdAt,
    cancelledBy: null,
    forceAfterS: input.action === 'shutdown' && !plan ? input.forceAfterS : null,
    timeoutS: plan
      ? Math.max(...plan.tiers.map((t) => t.timeoutS))
      : (input.timeoutS ?? STEP_TIMEOUTS_S[input.action].default),
    parallelism: at.parallelism,
    reason: input.reason,
    ...(input.schedule !== undefined ? { schedule: { ...input.schedule } } : {}),
    ...(plan ? { plan: planRecord(plan, input.action as 'start' | 'shutdown') } : {}),
    vms,
  };
  if (plan && !anything) settleEmpty(rec, at.createdAt);
  return rec;
}

/** What is wrong with a plan run's request (a programming error of its caller), or null. */
function planProblem(action: OperationAction, vms: readonly number[], plan: NewPlanRun): string | null {
  if (action !== 'start' && action !== 'shutdown') return `a plan is started or shut down, not '${action}'`;
  if (plan.tiers.length === 0) return 'a plan run needs at least one tier';
  if (plan.vmTiers.length !== vms.length) return 'a plan run needs the tier of each of its VMs';
  const bad = plan.vmTiers.find((t) => !Number.isInteger(t) || t < 0 || t >= plan.tiers.length);
  return bad === undefined ? null : `tier ${bad} is not one of the plan's ${plan.tiers.length} tiers`;
}

/** The refusal of a request against an operation that is not running: unknown, without that VM, or ended. */
export function notRunning(id: string, rec: OperationRecord | null, key?: number): OperationError {
  if (!rec) return new OperationError('not_found', `No operation ${id}`);
  if (key !== undefined && !rec.vms.some((v) => v.key === key)) {
    return new OperationError('not_found', `The operation has no VM ${key}`);
  }
  return new OperationError('conflict', `The operation is already ${rec.status}`);
}

/** Why "Force now" does not apply to a VM (null: it waits in an escalating shut down, its shut down sent). */
export function forceNowConflict(op: OpRun, vm: VmRun): OperationError | null {
  // The rule the web app shows "Force now" by (what the API shows of the VM), and no step of it in flight here.
  const shown = {
    tier: vm.rec.tier,
    state: vm.rec.state,
    step: vm.rec.step,
    stepSent: vm.rec.stepPhase === 'sent',
    escalated: vm.rec.escalated,
  };
  if (forceNowApplies(op.rec, shown) && !vm.busy) return null;
  const why =
    op.rec.status !== 'running'
      ? `the operation is ${op.rec.status}`
      : op.rec.action !== 'shutdown' || forceAfterOf(op.rec, vm.rec) === null
        ? op.rec.plan
          ? `its tier does not force off`
          : 'the operation is not an escalating shut down'
        : vm.rec.state !== 'active'
          ? `it is ${vm.rec.state}`
          : vm.rec.step === 'kill' || vm.rec.escalated
            ? 'it is already being forced off'
            : 'its shut down is still being sent';
  return new OperationError('conflict', `${vm.rec.name} is not waiting in an escalating shut down: ${why}`);
}
