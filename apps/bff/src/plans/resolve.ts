// A plan against the fleet snapshot now: each tier's targets resolved to VMs by the schedules' own resolver
// (schedules/targets.ts: chosen VMs still in the fleet, or a filter's matches), chosen keys gone from the fleet kept
// aside for the dry run, and each VM assigned to the first tier naming it in plan order (the contracts' assignTiers,
// the rule the dry run shows). What a run hands the engine: the VMs in plan order with each one's tier alongside,
// and the tiers' settings. Pure.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { assignTiers, type ResolvedTier } from '@powerdeck/contracts/plan-dry-run';
import type { Tier } from '@powerdeck/contracts/plans';
import { resolveTargets, type TargetFleet } from '../schedules/targets';
import type { PlanRunTierSettings } from '../stores/types';

/** The fleet a plan is resolved against: the snapshot's VMs (indexed), its nodes and when it was read. */
export interface PlanFleet extends TargetFleet {
  nodes: FleetSnapshot['nodes'];
  fetchedAt: string | null;
}

export interface ResolvedPlan {
  /** Each tier (plan order) with the VMs its targets name now, chosen keys not in the fleet included (vm null). */
  tiers: ResolvedTier[];
  /** The VMs a run acts on, each once, in plan order. */
  vms: number[];
  /** Each VM's tier (its index in the plan), parallel to `vms`. */
  vmTiers: number[];
  /** The tiers' settings as a run takes them, in plan order. */
  settings: PlanRunTierSettings[];
}

/** A tier's settings: the plan's Tier without its targets. */
export function tierSettings(t: Tier): PlanRunTierSettings {
  return {
    name: t.name,
    upWhen: t.upWhen,
    timeoutS: t.timeoutS,
    delayAfterS: t.delayAfterS,
    onFailure: t.onFailure,
    escalate: t.escalate,
  };
}

export function resolvePlan(tiers: readonly Tier[], fleet: TargetFleet): ResolvedPlan {
  const resolved = tiers.map((t): ResolvedTier => {
    const found = resolveTargets(t.targets, fleet);
    // Chosen VMs: every key, those the resolver did not find marked missing (the dry run says so).
    const present = new Map(found.map((vm) => [vm.key, vm]));
    const named =
      t.targets.kind === 'vms'
        ? t.targets.vms.map((key) => ({ key, vm: present.get(key) ?? null }))
        : found.map((vm) => ({ key: vm.key, vm }));
    return { tier: tierSettings(t), vms: named };
  });
  const { vms, vmTiers } = assignTiers(
    resolved.map((t) => t.vms.filter((v) => v.vm !== null).map((v) => v.key)),
  );
  return { tiers: resolved, vms, vmTiers, settings: tiers.map(tierSettings) };
}
