// Operation fixtures for the operations feature's unit tests.
import type { Operation, OperationVm } from '@powerdeck/contracts/operations';

export function opVm(key: number, patch: Partial<OperationVm> = {}): OperationVm {
  return {
    key,
    name: `vm-${key}`,
    state: 'pending',
    step: null,
    stepAt: null,
    stepSent: false,
    deadline: null,
    escalated: false,
    detail: '',
    status: 'running',
    tier: null,
    ...patch,
  };
}

/** An operation; its counts are computed from its VMs unless given. */
export function op(id: string, patch: Partial<Operation> = {}): Operation {
  const vms = patch.vms ?? [opVm(1)];
  const counts = { total: vms.length, pending: 0, active: 0, done: 0, skipped: 0, failed: 0, cancelled: 0 };
  for (const v of vms) counts[v.state] += 1;
  return {
    id,
    action: 'shutdown',
    status: 'running',
    owner: 'alice',
    ownerRole: 'admin',
    createdAt: '2026-01-01T10:00:00.000Z',
    finishedAt: null,
    cancelledBy: null,
    forceAfterS: null,
    timeoutS: 120,
    parallelism: 4,
    reason: null,
    counts,
    plan: null,
    schedule: null,
    vms,
    ...patch,
  };
}
