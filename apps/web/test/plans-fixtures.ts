// Plan fixtures for the plans feature's tests: a saved plan, a dry run, and a plan run (an operation with its
// tiers and each VM's tier).
import type { Operation, OperationTier, OperationVm } from '@powerdeck/contracts/operations';
import type { DryRun, Plan, Tier } from '@powerdeck/contracts/plans';
import { op, opVm } from './operations-fixtures';

export function tier(name: string, patch: Partial<Tier> = {}): Tier {
  return {
    name,
    targets: { kind: 'vms', vms: [1] },
    upWhen: 'running',
    timeoutS: 180,
    delayAfterS: 0,
    onFailure: 'stop',
    escalate: false,
    ...patch,
  };
}

export function plan(patch: Partial<Plan> = {}): Plan {
  return {
    id: 'p1',
    name: 'Site A',
    tiers: [
      tier('Domain controllers', { targets: { kind: 'vms', vms: [1, 2] }, delayAfterS: 30 }),
      tier('Databases', { targets: { kind: 'vms', vms: [3] }, upWhen: 'agent' }),
      tier('Web', { targets: { kind: 'filter', filter: 'web' }, onFailure: 'continue', escalate: true }),
    ],
    helpdesk: 'none',
    parallelism: 4,
    owner: 'alice',
    createdAt: '2030-01-01T09:00:00Z',
    updatedAt: '2030-01-01T09:00:00Z',
    lastRun: null,
    schedules: [],
    ...patch,
  };
}

export function dryRun(patch: Partial<DryRun> = {}): DryRun {
  return {
    direction: 'start',
    tiers: [
      {
        index: 0,
        name: 'Domain controllers',
        vms: [
          { key: 1, name: 'dc-1', status: 'stopped', outcome: 'act', detail: 'Starts' },
          { key: 2, name: 'dc-2', status: 'running', outcome: 'already', detail: 'Already running' },
        ],
        acts: 1,
        summary: 'Starts 1 VM (1 already running), waits up to 180 s each, then 30 s',
      },
      {
        index: 1,
        name: 'Databases',
        vms: [{ key: 3, name: 'db-1', status: null, outcome: 'missing', detail: 'Not in the fleet' }],
        acts: 0,
        summary: 'Starts nothing',
      },
    ],
    acts: 1,
    cores: 4,
    ramMb: 8192,
    fits: true,
    shortfall: null,
    summary: 'Starts 1 VM in 2 tiers: needs 4 cores and 8 GB, fits on node1',
    fleetAt: null,
    ...patch,
  };
}

export function opTier(index: number, name: string, patch: Partial<OperationTier> = {}): OperationTier {
  return {
    index,
    name,
    upWhen: 'running',
    timeoutS: 180,
    delayAfterS: 0,
    onFailure: 'stop',
    escalate: false,
    state: 'waiting',
    detail: '',
    startedAt: null,
    endedAt: null,
    nextAt: null,
    ...patch,
  };
}

/** A run of `plan()`: its tiers as given, each VM with its tier. */
export function planRun(
  tiers: readonly OperationTier[],
  vms: readonly OperationVm[],
  patch: Partial<Operation> & { direction?: 'start' | 'shutdown' } = {},
): Operation {
  const { direction = 'start', ...rest } = patch;
  return op('op1', {
    action: direction === 'start' ? 'start' : 'shutdown',
    vms: [...vms],
    plan: { id: 'p1', name: 'Site A', direction, tiers: [...tiers] },
    ...rest,
  });
}

export { opVm };
