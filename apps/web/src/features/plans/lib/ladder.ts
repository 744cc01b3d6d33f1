// A plan run as the run view's ladder: its tiers in the order the run takes them (plan order to start, reverse to
// shut down: tierOrder), each a rung with its VMs (the operation's VMs carry their tier), and what ticks: a VM's
// time against its tier's timeout, a tier's time, the countdown of the delay before the next tier. Pure: the time
// comes in as `nowMs` (tested in test/plans-ladder.test.ts).
import type { OperationVmState } from '@powerdeck/contracts/operation-terms';
import type { Operation, OperationTier, OperationVm } from '@powerdeck/contracts/operations';
import { tierOrder, type PlanDirection } from '@powerdeck/contracts/plan-terms';
import { clock } from '../../../lib/format';
import type { Tone } from '../../../lib/status';

export interface Rung {
  tier: OperationTier;
  /** Its place in the run: 1 runs first. */
  step: number;
  /** Its VMs, in the operation's order. */
  vms: OperationVm[];
  /** How many of them have settled (done, skipped, failed, cancelled). */
  settled: number;
}

const SETTLED: ReadonlySet<OperationVmState> = new Set(['done', 'skipped', 'failed', 'cancelled']);

/** The rungs of a plan run, in run order (none for an operation that is not a plan run). */
export function ladder(op: Pick<Operation, 'plan' | 'vms'>): Rung[] {
  if (!op.plan) return [];
  const tiers = [...op.plan.tiers].sort((a, b) => a.index - b.index);
  const byTier = new Map<number, OperationVm[]>();
  for (const vm of op.vms) {
    if (vm.tier === null) continue;
    const list = byTier.get(vm.tier);
    if (list) list.push(vm);
    else byTier.set(vm.tier, [vm]);
  }
  return tierOrder(tiers.length, op.plan.direction).flatMap((position, i) => {
    const tier = tiers[position];
    if (!tier) return [];
    const vms = byTier.get(tier.index) ?? [];
    return [{ tier, step: i + 1, vms, settled: vms.filter((v) => SETTLED.has(v.state)).length }];
  });
}

/** A VM's state in a plan run, in the run's own words: "Starting", "Up", "Stopped", "Failed"… and its colour. */
export function vmStateWords(
  state: OperationVmState,
  direction: PlanDirection,
): { label: string; tone: Tone } {
  const start = direction === 'start';
  switch (state) {
    case 'pending':
      return { label: 'Waiting', tone: 'idle' };
    case 'active':
      return { label: start ? 'Starting' : 'Shutting down', tone: 'moving' };
    case 'done':
      return { label: start ? 'Up' : 'Stopped', tone: 'ok' };
    case 'skipped':
      return { label: 'Skipped', tone: 'idle' };
    case 'failed':
      return { label: 'Failed', tone: 'bad' };
    case 'cancelled':
      return { label: 'Cancelled', tone: 'warn' };
  }
}

const ms = (iso: string | null): number | null => {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
};

/** A VM being acted on: how long since its step was sent, against its tier's timeout. */
export interface VmClock {
  elapsedS: number;
  timeoutS: number;
  /** Past its timeout (the engine is about to fail it, or force it off). */
  over: boolean;
}

/** The clock of a VM in progress whose step was sent; null otherwise (waiting, settled, not sent yet). */
export function vmClock(
  vm: Pick<OperationVm, 'state' | 'stepAt'>,
  tier: Pick<OperationTier, 'timeoutS'>,
  nowMs: number,
): VmClock | null {
  const at = ms(vm.stepAt);
  if (vm.state !== 'active' || at === null) return null;
  const elapsedS = Math.max(0, Math.floor((nowMs - at) / 1000));
  return { elapsedS, timeoutS: tier.timeoutS, over: elapsedS >= tier.timeoutS };
}

/** "0:42 of 3:00". */
export const vmClockText = (c: VmClock): string => `${clock(c.elapsedS)} of ${clock(c.timeoutS)}`;

/** How long a tier has taken: from its first step to its end, or to now while it runs; null before it started. */
export function tierElapsedS(
  tier: Pick<OperationTier, 'startedAt' | 'endedAt'>,
  nowMs: number,
): number | null {
  const from = ms(tier.startedAt);
  if (from === null) return null;
  const to = ms(tier.endedAt) ?? nowMs;
  return Math.max(0, Math.floor((to - from) / 1000));
}

/** A tier waiting its delay: "Next tier in 0:25" ("Next tier now" once due); null otherwise. */
export function delayText(tier: Pick<OperationTier, 'state' | 'nextAt'>, nowMs: number): string | null {
  const at = ms(tier.nextAt);
  if (tier.state !== 'delay' || at === null) return null;
  const left = Math.ceil((at - nowMs) / 1000);
  return left > 0 ? `Next tier in ${clock(left)}` : 'Next tier now';
}
