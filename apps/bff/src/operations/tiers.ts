// Plan runs: an operation whose VMs carry their tier, released tier by tier. The engine's queue holds a plan run's
// pending VMs in run order (plan order to start, reverse to shut down); only the current tier's VMs may take a slot.
// A tier ends when none of its VMs is pending or active; then:
// - a failed VM and "stop the plan": the tier is `failed`, later tiers `notRun`, their VMs cancelled (nothing sent);
// - a failed VM and "go on": the tier is `partial`, with why, and the run goes on;
// - the next tier starts after the tier's delay (`nextAt`), when something of the tier was acted on.
// A tier with nothing to do (every VM already there, or skipped) ends at once, without a delay of its own; the next
// tier with work still waits for the delay of an earlier one. The run's plan (tier states and times) is stored with
// the operation at every tier change, so a restarted server resumes at the tier it was in, and waits out the rest of
// a delay. Each VM's own settings (timeout, escalation, when it is up) come from its tier: `vmSettings`.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { OperationTier } from '@powerdeck/contracts/operations';
import { tierOrder, TIER_STATE_WORDS, type PlanDirection } from '@powerdeck/contracts/plan-terms';
import type {
  OperationRecord,
  OperationVmPatch,
  OperationVmRecord,
  PlanRunRecord,
  PlanRunTier,
  PlanRunTierSettings,
} from '../stores/types';
import type { EngineClock } from './clock';
import type { OpRun } from './queue';

/** What the engine is asked for a plan run: the plan, its tiers (plan order) and each VM's tier index. */
export interface NewPlanRun {
  id: string;
  name: string;
  tiers: readonly PlanRunTierSettings[];
  /** Parallel to the operation's `vms`: each VM's tier index. */
  vmTiers: readonly number[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A new run's plan record: every tier waiting. */
export function planRecord(run: NewPlanRun, direction: PlanDirection): PlanRunRecord {
  return {
    id: run.id,
    name: run.name,
    direction,
    tiers: run.tiers.map((t) => ({
      ...t,
      state: 'waiting',
      detail: '',
      startedAt: null,
      endedAt: null,
      nextAt: null,
    })),
  };
}

/** Positions of `vmTiers` in run order (stable within a tier). */
export function runOrder(vmTiers: readonly number[], tiers: number, direction: PlanDirection): number[] {
  const rank = new Map(tierOrder(tiers, direction).map((t, i) => [t, i]));
  return vmTiers.map((_, i) => i).sort((a, b) => rank.get(vmTiers[a]!)! - rank.get(vmTiers[b]!)! || a - b);
}

/** A VM's tier in a plan run, or null (not a plan run). */
export function tierOf(rec: OperationRecord, vm: OperationVmRecord): PlanRunTier | null {
  if (!rec.plan || vm.tier === null) return null;
  return rec.plan.tiers[vm.tier] ?? null;
}

/** When an escalating shut down forces its VM off (s after the shut down), or null: the VM's tier, or the operation. */
export function forceAfterOf(rec: OperationRecord, vm: OperationVmRecord): number | null {
  const tier = tierOf(rec, vm);
  if (tier) return rec.action === 'shutdown' && tier.escalate ? tier.timeoutS : null;
  return rec.forceAfterS;
}

/** A start or reboot's wait: the VM's tier's timeout, or the operation's. */
export function timeoutOf(rec: OperationRecord, vm: OperationVmRecord): number {
  return tierOf(rec, vm)?.timeoutS ?? rec.timeoutS;
}

/** Whether a started VM counts as up: running, and, when its tier asks, its guest agent reports (if it has one). */
export function isUp(rec: OperationRecord, vm: OperationVmRecord, fv: FleetVm): boolean {
  if (fv.status !== 'running') return false;
  return tierOf(rec, vm)?.upWhen !== 'agent' || !fv.guestAgent || fv.agentReporting;
}

/** The tier being worked or waited for: the first, in run order, that is waiting or active; null when all ended. */
function currentTier(plan: PlanRunRecord): number | null {
  for (const t of tierOrder(plan.tiers.length, plan.direction)) {
    const s = plan.tiers[t]!.state;
    if (s === 'waiting' || s === 'active') return t;
  }
  return null;
}

/** The latest delay an ended tier set (ms), or 0. */
function delayGate(plan: PlanRunRecord): number {
  let gate = 0;
  for (const t of plan.tiers) if (t.nextAt !== null) gate = Math.max(gate, Date.parse(t.nextAt));
  return gate;
}

/** The changes a tier step makes, to be recorded in one transaction. */
export interface TierChange {
  vms: { key: number; patch: OperationVmPatch }[];
}

/** What the engine should do next with a plan run. */
export type TierMove =
  /** Take slots for the current tier's VMs (the tier is `tier`). */
  | { kind: 'work'; tier: number }
  /** Wait until `at` (ms), then advance again. */
  | { kind: 'wait'; at: number }
  /** Every tier ended. */
  | { kind: 'ended' };

/**
 * Moves a plan run as far as it can go now: ends the current tier when it has drained, starts the next one when its
 * delay passed (or ends it at once when it has nothing to do). Mutates the run in memory (tier states, cancelled VMs
 * of a stopped plan, the queue) and returns the VM changes to record with the plan.
 */
export function advance(op: OpRun, clock: EngineClock, change: TierChange): TierMove {
  const plan = op.rec.plan!;
  for (;;) {
    const t = currentTier(plan);
    if (t === null) return { kind: 'ended' };
    const tier = plan.tiers[t]!;
    const hasPending = op.queue[0]?.rec.tier === t;
    if (tier.state === 'active') {
      if (hasPending) return { kind: 'work', tier: t };
      if (op.active > 0) return { kind: 'work', tier: t };
      endTier(op, t, clock, change);
      continue;
    }
    // Waiting: reached now.
    if (!hasPending) {
      Object.assign(tier, { state: 'done', detail: nothingWords(op.rec, t), endedAt: clock.iso() });
      continue;
    }
    const gate = delayGate(plan);
    if (gate > clock.now()) return { kind: 'wait', at: gate };
    Object.assign(tier, { state: 'active', startedAt: clock.iso() });
    return { kind: 'work', tier: t };
  }
}

function vmsOf(rec: OperationRecord, t: number): OperationVmRecord[] {
  return rec.vms.filter((vm) => vm.tier === t);
}

const tierName = (plan: PlanRunRecord, t: number) => `tier ${t + 1} (${plan.tiers[t]!.name})`;

/** A tier whose VMs all ended: done, partial or failed (then the plan stops: later tiers' VMs cancelled). */
function endTier(op: OpRun, t: number, clock: EngineClock, change: TierChange): void {
  const plan = op.rec.plan!;
  const tier = plan.tiers[t]!;
  const vms = vmsOf(op.rec, t);
  const failed = vms.filter((vm) => vm.state === 'failed');
  const done = vms.filter((vm) => vm.state === 'done').length;
  const skipped = vms.filter((vm) => vm.state === 'skipped').length;
  const verb = plan.direction === 'start' ? 'up' : 'stopped';
  const later = tierOrder(plan.tiers.length, plan.direction).filter(
    (u) => plan.tiers[u]!.state === 'waiting',
  );
  const parts = [`${done} of ${plural(vms.length, 'VM')} ${verb}`];
  if (skipped > 0) parts.push(`${skipped} already there or skipped`);
  let detail = parts.join(', ');
  const endedAt = clock.iso();
  if (failed.length > 0) {
    const first = failed[0]!;
    const others = failed.length > 1 ? ` and ${plural(failed.length - 1, 'other')}` : '';
    const why = `${first.name} failed (${first.detail})${others}`;
    if (tier.onFailure === 'stop') {
      Object.assign(tier, {
        state: 'failed',
        detail: `${detail}; ${why}. The plan stopped here (the tier says stop)`,
        endedAt,
      });
      stopAfter(op, t, later, change);
      return;
    }
    detail = `${detail}; ${why}. The plan went on (the tier says go on)`;
  }
  const nextAt =
    later.length > 0 && tier.delayAfterS > 0 && done + failed.length > 0
      ? clock.after(clock.now(), tier.delayAfterS)
      : null;
  Object.assign(tier, { state: failed.length > 0 ? 'partial' : 'done', detail, endedAt, nextAt });
}

/** The plan stopped at tier `t`: later tiers are not run, and their VMs are cancelled before anything is sent. */
function stopAfter(op: OpRun, t: number, later: readonly number[], change: TierChange): void {
  const plan = op.rec.plan!;
  const why = `Not started: the plan stopped at ${tierName(plan, t)}`;
  for (const u of later) {
    Object.assign(plan.tiers[u]!, {
      state: 'notRun',
      detail: `Not run: the plan stopped at ${tierName(plan, t)}`,
    });
  }
  const stopped = new Set(later);
  const keep = op.queue.filter((vm) => {
    if (vm.rec.tier === null || !stopped.has(vm.rec.tier)) return true;
    const patch: OperationVmPatch = { state: 'cancelled', detail: why };
    Object.assign(vm.rec, patch);
    change.vms.push({ key: vm.rec.key, patch });
    return false;
  });
  op.queue.splice(0, op.queue.length, ...keep);
}

/**
 * After a restart: a tier still `waiting` whose VMs were acted on (its start was not recorded before they were) is
 * `active`. Returns whether anything changed.
 */
export function reconcile(rec: OperationRecord): boolean {
  let changed = false;
  rec.plan?.tiers.forEach((tier, t) => {
    if (tier.state !== 'waiting') return;
    const stepped = vmsOf(rec, t).filter((vm) => vm.stepAt !== null);
    if (stepped.length === 0) return;
    const first = stepped.map((vm) => vm.stepAt!).sort()[0]!;
    Object.assign(tier, { state: 'active', startedAt: first });
    changed = true;
  });
  return changed;
}

/** A cancelled run's tiers: the active one (or one in its delay) cancelled, waiting ones not run. */
export function cancelTiers(plan: PlanRunRecord, by: string, at: string): void {
  for (const tier of plan.tiers) {
    if (tier.state === 'active')
      Object.assign(tier, { state: 'cancelled', detail: `Cancelled by ${by}`, endedAt: at });
    else if (tier.state === 'waiting')
      Object.assign(tier, { state: 'notRun', detail: `Not run: cancelled by ${by}` });
    if (tier.nextAt !== null && Date.parse(tier.nextAt) > Date.parse(at)) tier.nextAt = null;
  }
}

/** A run with nothing to do at all (every VM already there or skipped): each tier done, with why. */
export function settleEmpty(rec: OperationRecord, at: string): void {
  rec.plan?.tiers.forEach((tier, t) =>
    Object.assign(tier, { state: 'done', detail: nothingWords(rec, t), endedAt: at }),
  );
}

function nothingWords(rec: OperationRecord, t: number): string {
  const vms = vmsOf(rec, t);
  if (vms.length === 0) return 'Nothing to do: no VM in this tier';
  const there = rec.plan!.direction === 'start' ? 'running' : 'stopped';
  return `Nothing to do: ${plural(vms.length, 'VM')} already ${there} or skipped`;
}

/** The contract's tiers: stored states, with an active tier's progress and a delay shown as it happens. */
export function toTiers(rec: OperationRecord, now: number): OperationTier[] {
  const plan = rec.plan!;
  return plan.tiers.map((tier, index) => {
    const { name, upWhen, timeoutS, delayAfterS, onFailure, escalate, startedAt, endedAt, nextAt } = tier;
    let state = tier.state;
    let detail = tier.detail;
    if (state === 'active') detail = progressWords(rec, index);
    const delaying =
      rec.status === 'running' &&
      nextAt !== null &&
      Date.parse(nextAt) > now &&
      (state === 'done' || state === 'partial');
    if (delaying) {
      state = 'delay';
      detail = `${detail}. Waiting ${delayAfterS} s before the next tier`;
    }
    if (detail === '') detail = TIER_STATE_WORDS[state];
    return {
      index,
      name,
      upWhen,
      timeoutS,
      delayAfterS,
      onFailure,
      escalate,
      state,
      detail,
      startedAt,
      endedAt,
      nextAt: delaying ? nextAt : null,
    };
  });
}

function progressWords(rec: OperationRecord, t: number): string {
  const vms = vmsOf(rec, t);
  const count = (s: string) => vms.filter((vm) => vm.state === s).length;
  const verb = rec.plan!.direction === 'start' ? 'up' : 'stopped';
  const parts = [`${count('done')} of ${plural(vms.length, 'VM')} ${verb}`];
  if (count('active') > 0) parts.push(`${count('active')} in progress`);
  if (count('pending') > 0) parts.push(`${count('pending')} waiting for a slot`);
  if (count('failed') > 0) parts.push(`${count('failed')} failed`);
  return parts.join(', ');
}
