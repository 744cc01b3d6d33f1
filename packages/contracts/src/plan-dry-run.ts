// A plan's dry run: what a run would do now, tier by tier, computed from the plan's tiers resolved to fleet VMs
// (the server resolves chosen VMs and filters against its snapshot), the direction and the fleet's nodes. Nothing is
// sent. Also the one rule of which tier a VM belongs to when several name it (`assignTiers`): the first in plan
// order; the run (the server's) and the dry run both follow it. Whether the VMs to start fit is the capacity
// pre-check's placement (`place`, ./schedule-capacity), never a second copy of it. No TypeBox at run time (types
// only), so that the web app may import it.
import type { FleetNode, FleetVm } from './fleet';
import { actionApplies } from './operation-terms';
import { tierOrder, type PlanDirection } from './plan-terms';
import type { DryRun, DryRunTier, DryRunVm, Tier } from './plans';
import { coreWords, place, ramWords, vmWords } from './schedule-capacity';

/** What the dry run reads of a fleet VM. */
export type DryRunFleetVm = Pick<
  FleetVm,
  'key' | 'name' | 'status' | 'cpuCores' | 'ram' | 'runningCores' | 'runningRam' | 'guestAgent'
>;
type Node = Pick<FleetNode, 'name' | 'cores' | 'ram' | 'runningCores' | 'runningRam' | 'maintenance'>;

/** A tier's settings (the plan's Tier without its targets). */
export type TierSettings = Pick<
  Tier,
  'name' | 'upWhen' | 'timeoutS' | 'delayAfterS' | 'onFailure' | 'escalate'
>;

/** A tier with the VMs its targets name now: fleet VMs, or a chosen key no longer in the fleet (`vm` null). */
export interface ResolvedTier {
  tier: TierSettings;
  vms: readonly { key: number; vm: DryRunFleetVm | null }[];
}

export interface DryRunInput {
  direction: PlanDirection;
  /** In plan order. */
  tiers: readonly ResolvedTier[];
  nodes: readonly Node[];
  /** When the snapshot was read (null: never). */
  fleetAt: string | null;
}

/**
 * Which tier each VM belongs to: the first, in plan order, that names it (a later tier naming it again does not
 * act on it). `tiers` holds each tier's VM keys, in plan order; the answer lists each VM once, in plan order, with
 * its tier's index alongside (`vmTiers[i]` is the tier of `vms[i]`).
 */
export function assignTiers(tiers: readonly (readonly number[])[]): { vms: number[]; vmTiers: number[] } {
  const seen = new Set<number>();
  const vms: number[] = [];
  const vmTiers: number[] = [];
  tiers.forEach((keys, tier) => {
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      vms.push(key);
      vmTiers.push(tier);
    }
  });
  return { vms, vmTiers };
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "node1", "node1 and node2", "node1, node2 and node3"; past five: "12 nodes" (`many`: "the 12 nodes ..."). */
function nodeList(names: readonly string[], many = (n: number) => `${n} nodes`): string {
  if (names.length > 5) return many(names.length);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

const lower = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** What is done to a VM the direction applies to, and where it is when there is nothing to do. */
const WORDS = {
  start: { act: 'Would be started', already: 'running', verb: 'Starts', none: 'start' },
  shutdown: { act: 'Would be shut down', already: 'stopped', verb: 'Shuts down', none: 'shut down' },
} as const;

function outcomeOf(
  direction: PlanDirection,
  vm: DryRunFleetVm,
): { outcome: 'act' | 'already' | 'skip'; detail: string } {
  if (actionApplies(direction, vm.status)) return { outcome: 'act', detail: WORDS[direction].act };
  const there =
    direction === 'start' ? vm.status === 'running' : vm.status === 'stopped' || vm.status === 'hibernated';
  if (there) return { outcome: 'already', detail: `Already ${vm.status}` };
  if (direction === 'start' && vm.status === 'starting')
    return { outcome: 'skip', detail: 'Skipped: already starting' };
  return {
    outcome: 'skip',
    detail: `Skipped: cannot ${WORDS[direction].none} a VM that is ${vm.status}`,
  };
}

/** The VMs of a tier that are not acted on, in words: "1 already running, 2 not in the fleet". */
function othersWords(direction: PlanDirection, vms: readonly DryRunVm[]): string {
  const n = (outcome: DryRunVm['outcome']) => vms.filter((v) => v.outcome === outcome).length;
  return [
    [n('already'), `already ${WORDS[direction].already}`],
    [n('skip'), 'skipped'],
    [n('missing'), 'not in the fleet'],
    [n('duplicate'), 'in another tier'],
  ]
    .filter(([k]) => (k as number) > 0)
    .map(([k, words]) => `${k as number} ${words as string}`)
    .join(', ');
}

function tierSummary(
  direction: PlanDirection,
  tier: TierSettings,
  vms: readonly DryRunVm[],
  acts: number,
  noAgent: number,
  last: boolean,
): string {
  const others = othersWords(direction, vms);
  if (vms.length === 0) return 'No VM matches now';
  if (acts === 0) return `Nothing to ${WORDS[direction].none} (${others})`;
  const head = `${WORDS[direction].verb} ${vmWords(acts)}${others ? ` (${others})` : ''}`;
  let wait: string;
  if (direction === 'start') {
    wait =
      tier.upWhen === 'agent'
        ? `waits up to ${tier.timeoutS} s each for the guest agent` +
          (noAgent > 0 ? ` (${noAgent} counted up when running: no guest agent)` : '')
        : `waits up to ${tier.timeoutS} s each until running`;
  } else {
    wait = `waits up to ${tier.timeoutS} s each to stop` + (tier.escalate ? ', then forces it off' : '');
  }
  const delay = !last && tier.delayAfterS > 0 ? `, then ${tier.delayAfterS} s` : '';
  return `${head}, ${wait}${delay}`;
}

/**
 * Why VMs needing these cores and RAM do not all fit on the nodes out of maintenance, in words: the amounts the
 * totals fall short by ("Needs 48 GB more RAM than node2 and node3 have free"), or, when the totals suffice but no
 * placement does, how many VMs find no node with room and the most room one node has.
 */
function shortfallWords(cores: number, ramMb: number, unplaced: number, nodes: readonly Node[]): string {
  const open = nodes.filter((n) => !n.maintenance);
  if (open.length === 0) return 'Every node is in maintenance: no VM can start';
  const room = open.map((n) => ({
    name: n.name,
    cores: Math.max(0, n.cores - n.runningCores),
    ram: Math.max(0, n.ram - n.runningRam),
  }));
  const freeRam = room.reduce((s, r) => s + r.ram, 0);
  const freeCores = room.reduce((s, r) => s + r.cores, 0);
  const lacks: string[] = [];
  if (ramMb > freeRam) lacks.push(`${ramWords(ramMb - freeRam)} more RAM`);
  if (cores > freeCores) lacks.push(`${count(cores - freeCores, 'more core', 'more cores')}`);
  if (lacks.length > 0) {
    return `Needs ${lacks.join(' and ')} than ${nodeList(
      open.map((n) => n.name),
      (n) => `the ${n} nodes out of maintenance`,
    )} ${open.length === 1 ? 'has' : 'have'} free`;
  }
  const best = room.reduce((a, b) => (b.ram > a.ram ? b : a));
  return (
    `${vmWords(unplaced)} would find no node with room: the most one node has free is ` +
    `${ramWords(best.ram)} and ${coreWords(best.cores)} (${best.name})`
  );
}

/** What a run of the plan in `direction` would do now. */
export function planDryRun(input: DryRunInput): DryRun {
  const { direction, tiers, nodes } = input;
  // Which tier each VM in the fleet belongs to (the first naming it, in plan order).
  const owner = new Map<number, number>();
  const { vms: keys, vmTiers } = assignTiers(
    tiers.map((t) => t.vms.filter((v) => v.vm !== null).map((v) => v.key)),
  );
  keys.forEach((key, i) => owner.set(key, vmTiers[i]!));

  const acting: DryRunFleetVm[] = [];
  const order = tierOrder(tiers.length, direction);
  const shown = order.map((index, position): DryRunTier => {
    const { tier, vms } = tiers[index]!;
    let noAgent = 0;
    const rows = vms.map(({ key, vm }): DryRunVm => {
      if (vm === null) {
        return { key, name: `VM ${key}`, status: null, outcome: 'missing', detail: 'Not in the fleet' };
      }
      const base = { key, name: vm.name, status: vm.status };
      const first = owner.get(key)!;
      if (first !== index) {
        const other = tiers[first]!.tier.name;
        return { ...base, outcome: 'duplicate', detail: `Already in tier ${first + 1} (${other})` };
      }
      const { outcome, detail } = outcomeOf(direction, vm);
      if (outcome !== 'act') return { ...base, outcome, detail };
      acting.push(vm);
      if (direction === 'start' && tier.upWhen === 'agent' && !vm.guestAgent) {
        noAgent += 1;
        return { ...base, outcome, detail: `${detail}; counted up when running: no guest agent` };
      }
      return { ...base, outcome, detail };
    });
    const acts = rows.filter((r) => r.outcome === 'act').length;
    const last = position === order.length - 1;
    return {
      index,
      name: tier.name,
      vms: rows,
      acts,
      summary: tierSummary(direction, tier, rows, acts, noAgent, last),
    };
  });

  const acts = acting.length;
  const tiersActing = shown.filter((t) => t.acts > 0).length;
  const base = { direction, tiers: shown, acts, fleetAt: input.fleetAt };
  if (acts === 0) {
    const all = shown.flatMap((t) => t.vms);
    const summary =
      all.length === 0 || all.every((v) => v.outcome === 'missing')
        ? 'No VM of the plan is in the fleet now'
        : `Nothing to ${WORDS[direction].none} now (${othersWords(direction, all)})`;
    return { ...base, cores: 0, ramMb: 0, fits: null, shortfall: null, summary };
  }
  const head = `${WORDS[direction].verb} ${vmWords(acts)} in ${count(tiersActing, 'tier')}`;
  if (direction === 'shutdown') {
    const cores = acting.reduce((s, vm) => s + vm.runningCores, 0);
    const ramMb = acting.reduce((s, vm) => s + vm.runningRam, 0);
    return {
      ...base,
      cores,
      ramMb,
      fits: null,
      shortfall: null,
      summary: `${head}: frees ${coreWords(cores)} and ${ramWords(ramMb)}`,
    };
  }
  const cores = acting.reduce((s, vm) => s + vm.cpuCores, 0);
  const ramMb = acting.reduce((s, vm) => s + vm.ram, 0);
  const needs = `${head}: needs ${coreWords(cores)} and ${ramWords(ramMb)}`;
  if (nodes.length === 0) return { ...base, cores, ramMb, fits: null, shortfall: null, summary: needs };
  const { unplaced, used } = place(acting, nodes);
  if (unplaced === 0) {
    return {
      ...base,
      cores,
      ramMb,
      fits: true,
      shortfall: null,
      summary: `${needs}, fits on ${nodeList(used)}`,
    };
  }
  const shortfall = shortfallWords(cores, ramMb, unplaced, nodes);
  return {
    ...base,
    cores,
    ramMb,
    fits: false,
    shortfall,
    summary: `${needs}; does not fit: ${lower(shortfall)}`,
  };
}
