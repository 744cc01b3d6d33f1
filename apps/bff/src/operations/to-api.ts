// The mapping to API objects: an operation's stored record as the contract's `Operation`
// (packages/contracts/src/operations.ts), the only shape that leaves the engine (routes and the event stream send
// it as is): a copy, with the VMs counted by state, and nothing of the record the contract does not name.
import type { Operation, OperationCounts, OperationVm } from '@powerdeck/contracts/operations';
import type { OperationRecord, OperationVmRecord } from '../stores/types';
import { toTiers } from './tiers';

export function countsOf(vms: readonly OperationVmRecord[]): OperationCounts {
  const c: OperationCounts = {
    total: vms.length,
    pending: 0,
    active: 0,
    done: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const vm of vms) c[vm.state] += 1;
  return c;
}

/**
 * The contract's view of a record (a copy: the engine keeps mutating its own); `now` (the engine's clock) decides
 * whether a plan run's tier is still in its delay.
 */
export function toOperation(rec: OperationRecord, now: number = Date.now()): Operation {
  return {
    id: rec.id,
    action: rec.action,
    status: rec.status,
    owner: rec.owner,
    ownerRole: rec.ownerRole,
    createdAt: rec.createdAt,
    finishedAt: rec.finishedAt,
    cancelledBy: rec.cancelledBy,
    forceAfterS: rec.forceAfterS,
    timeoutS: rec.timeoutS,
    parallelism: rec.parallelism,
    reason: rec.reason,
    counts: countsOf(rec.vms),
    plan: rec.plan
      ? { id: rec.plan.id, name: rec.plan.name, direction: rec.plan.direction, tiers: toTiers(rec, now) }
      : null,
    schedule: rec.schedule ? { ...rec.schedule } : null,
    vms: rec.vms.map((vm): OperationVm => ({
      key: vm.key,
      name: vm.name,
      state: vm.state,
      step: vm.step,
      stepAt: vm.stepAt,
      stepSent: vm.stepPhase === 'sent',
      deadline: vm.deadline,
      escalated: vm.escalated,
      detail: vm.detail,
      status: vm.status,
      tier: vm.tier,
    })),
  };
}
