// Running a plan, the one way the route (POST /api/plans/:id/run) and the scheduler (a schedule targeting a plan)
// both do it:
// 1. `preparePlanRun`: the plan resolved against the fleet snapshot now (./resolve.ts) and its dry run (the
//    contracts' planDryRun). Refused (PlanRunRefusal) when no VM of the plan is in the fleet, when it names more VMs
//    than one operation takes, or when a start does not fit on the nodes, the shortfall named, unless the caller
//    says to start anyway (`evenIfShort`: VergeOS then refuses the VMs without room).
// 2. `startPlanRun`: one operation of the engine over the VMs in plan order, each with its tier, and the tiers'
//    settings (the engine releases them tier by tier: in order to start, in reverse to shut down), in the runner's
//    name; audited (kind `plan`, with the operation's id), refusals of the engine too (a run of the plan already
//    running: OperationError 'conflict'; no fleet snapshot: 'unavailable').
import type { DryRun } from '@powerdeck/contracts/plans';
import { MAX_OPERATION_VMS } from '@powerdeck/contracts/operation-terms';
import type { Operation } from '@powerdeck/contracts/operations';
import { planDryRun } from '@powerdeck/contracts/plan-dry-run';
import type { PlanDirection } from '@powerdeck/contracts/plan-terms';
import type { Requester } from '../audit-fields';
import { OperationError, type NewOperation } from '../operations/admission';
import type { AuditStore, PlanRecord, PlanStore } from '../stores/types';
import { auditPlan } from './audit';
import { resolvePlan, type PlanFleet, type ResolvedPlan } from './resolve';

/** Why a plan run is not started: nothing to act on, too many VMs, or a start that does not fit. */
export class PlanRunRefusal extends Error {
  override name = 'PlanRunRefusal';
  constructor(
    readonly code: 'empty' | 'too_many' | 'short',
    message: string,
  ) {
    super(message);
  }
}

export interface PlanRunDeps {
  engine: { create(input: NewOperation, by: Requester): Promise<Operation> };
  audit: AuditStore;
}

/** A plan resolved for a run now, with its dry run. */
export interface PreparedRun {
  plan: PlanRecord;
  direction: PlanDirection;
  resolved: ResolvedPlan;
  dryRun: DryRun;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The plan against the fleet now, and its dry run. */
export function dryRunOf(
  plan: PlanRecord,
  direction: PlanDirection,
  fleet: PlanFleet,
): { resolved: ResolvedPlan; dryRun: DryRun } {
  const resolved = resolvePlan(plan.tiers, fleet);
  const dryRun = planDryRun({
    direction,
    tiers: resolved.tiers,
    nodes: fleet.nodes,
    fleetAt: fleet.fetchedAt,
  });
  return { resolved, dryRun };
}

/** Resolves and checks a run; throws PlanRunRefusal (nothing is sent, nothing recorded). */
export function preparePlanRun(
  plan: PlanRecord,
  direction: PlanDirection,
  fleet: PlanFleet,
  options: { evenIfShort?: boolean } = {},
): PreparedRun {
  const { resolved, dryRun } = dryRunOf(plan, direction, fleet);
  if (resolved.vms.length === 0) {
    throw new PlanRunRefusal('empty', `No VM of the plan "${plan.name}" is in the fleet now`);
  }
  if (resolved.vms.length > MAX_OPERATION_VMS) {
    throw new PlanRunRefusal(
      'too_many',
      `The plan "${plan.name}" names ${resolved.vms.length} VMs now: a run acts on at most ${MAX_OPERATION_VMS}`,
    );
  }
  if (dryRun.fits === false && options.evenIfShort !== true) {
    const short = dryRun.shortfall ?? 'they do not fit';
    throw new PlanRunRefusal(
      'short',
      `The VMs to start do not fit now: ${short.charAt(0).toLowerCase()}${short.slice(1)}`,
    );
  }
  return { plan, direction, resolved, dryRun };
}

/** The operation's reason, the run's audit params and the words of what was started. */
function runParams(run: PreparedRun, evenIfShort: boolean) {
  return {
    direction: run.direction,
    vms: run.resolved.vms.length,
    acts: run.dryRun.acts,
    tiers: run.plan.tiers.length,
    ...(evenIfShort && run.dryRun.fits === false ? { evenIfShort: true } : {}),
  };
}

export interface StartPlanRunInput {
  reason: string | null;
  /** In whose name: a person, or a schedule's owner (authKind `schedule`). */
  by: Requester;
  /** A schedule's run: the schedule (on the operation and its audit rows). */
  schedule?: { id: string; name: string } | undefined;
  /** The run was asked for even though the dry run said it does not fit (audited so). */
  evenIfShort?: boolean;
}

/** What starts plan runs for someone else (the scheduler): the plans, and startPlanRun on the app's engine. */
export interface PlanRunner {
  store: Pick<PlanStore, 'get'>;
  start(run: PreparedRun, input: StartPlanRunInput): Promise<Operation>;
}

/** Starts the run as one operation of the engine and audits it (refusals of the engine too, then rethrown). */
export async function startPlanRun(
  deps: PlanRunDeps,
  run: PreparedRun,
  input: StartPlanRunInput,
): Promise<Operation> {
  const { plan, direction, resolved } = run;
  const operation: NewOperation = {
    action: direction,
    vms: resolved.vms,
    forceAfterS: null,
    parallelism: plan.parallelism,
    reason: input.reason,
    plan: { id: plan.id, name: plan.name, tiers: resolved.settings, vmTiers: resolved.vmTiers },
    ...(input.schedule ? { schedule: { ...input.schedule } } : {}),
  };
  const entry = {
    plan,
    action: direction,
    params: runParams(run, input.evenIfShort === true),
    reason: input.reason,
    schedule: input.schedule,
  };
  let op: Operation;
  try {
    op = await deps.engine.create(operation, input.by);
  } catch (err) {
    if (err instanceof OperationError) {
      await auditPlan(deps.audit, input.by, {
        ...entry,
        outcome: err.code === 'conflict' ? 'conflict' : 'failed',
        message: err.message,
      });
    }
    throw err;
  }
  await auditPlan(deps.audit, input.by, { ...entry, operationId: op.id });
  return op;
}

/** What a started run acts on, in words: "3 VMs in 2 tiers (1 skipped)". */
export function startedWords(run: PreparedRun, op: Operation): string {
  const skipped = op.vms.filter((v) => v.state === 'skipped').length;
  const tiers = new Set(run.resolved.vmTiers).size;
  return (
    `${plural(op.vms.length - skipped, 'VM')} in ${plural(tiers, 'tier')}` +
    (skipped > 0 ? ` (${skipped} skipped)` : '')
  );
}
