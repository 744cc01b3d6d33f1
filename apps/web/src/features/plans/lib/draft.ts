// The plan editor's draft: what a person has typed, kept as typed (nothing is lost on a refusal), checked here by
// the server's own rules (./plans' PlanBody and the route's checks: a name, 1 to MAX_TIERS tiers, each with a name of
// its own, naming VMs or a filter that restricts something, its timeout and delay within bounds; at most
// MAX_OPERATION_VMS chosen VMs in all) and turned into the body to save; and the editor's moves (add, remove,
// rename and reorder tiers; move a VM to another tier). Pure (tested in test/plans-lib.test.ts). Types only from
// ./plans; the limits from ./plan-terms and ./operation-terms.
import { MAX_OPERATION_VMS, PARALLELISM } from '@powerdeck/contracts/operation-terms';
import {
  MAX_PLAN_NAME,
  MAX_TIER_NAME,
  MAX_TIERS,
  TIER_DELAY_S,
  TIER_TIMEOUT_S,
  type HelpdeskRun,
  type OnFailure,
  type UpWhen,
} from '@powerdeck/contracts/plan-terms';
import type { Plan, PlanBody, TierBody } from '@powerdeck/contracts/plans';
import { isEmptyFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { MAX_FILTER_LENGTH } from '@powerdeck/contracts/schedule-terms';
import { parseWholeOrDefault } from '../../../lib/whole-number';

export interface TierDraft {
  /** The editor's own name for it (its card's key, its drop zone's id); never sent. */
  id: string;
  name: string;
  targetKind: 'vms' | 'filter';
  /** Chosen VM keys, in the order chosen. */
  vms: readonly number[];
  filter: string;
  upWhen: UpWhen;
  /** Seconds, as typed; empty: the default. */
  timeout: string;
  delay: string;
  onFailure: OnFailure;
  escalate: boolean;
}

export interface PlanDraft {
  name: string;
  helpdesk: HelpdeskRun;
  /** As typed; empty: the default. */
  parallelism: string;
  tiers: readonly TierDraft[];
}

let lastId = 0;
/** A new tier id, unique in this page. */
const nextTierId = () => `tier-${++lastId}`;

export function newTier(position: number): TierDraft {
  return {
    id: nextTierId(),
    name: `Tier ${position}`,
    targetKind: 'vms',
    vms: [],
    filter: '',
    upWhen: 'running',
    timeout: String(TIER_TIMEOUT_S.default),
    delay: String(TIER_DELAY_S.default),
    onFailure: 'stop',
    escalate: false,
  };
}

export function emptyDraft(): PlanDraft {
  return { name: '', helpdesk: 'none', parallelism: String(PARALLELISM.default), tiers: [newTier(1)] };
}

/** A saved plan, to edit. */
export function draftFromPlan(p: Plan): PlanDraft {
  return {
    name: p.name,
    helpdesk: p.helpdesk,
    parallelism: String(p.parallelism),
    tiers: p.tiers.map((t) => ({
      id: nextTierId(),
      name: t.name,
      targetKind: t.targets.kind,
      vms: t.targets.kind === 'vms' ? t.targets.vms : [],
      filter: t.targets.kind === 'filter' ? t.targets.filter : '',
      upWhen: t.upWhen,
      timeout: String(t.timeoutS),
      delay: String(t.delayAfterS),
      onFailure: t.onFailure,
      escalate: t.escalate,
    })),
  };
}

// ------------------------------------------------------------------------------------------------------------
// Checking

export interface TierProblems {
  name?: string;
  targets?: string;
  timeout?: string;
  delay?: string;
}

export interface PlanProblems {
  name?: string;
  parallelism?: string;
  /** About the tiers as a whole (too many). */
  tiers?: string;
  /** By tier id; a tier without problems is absent. */
  tier: Readonly<Record<string, TierProblems>>;
}

const between = (b: { min: number; max: number }, unit: string) => `Between ${b.min} and ${b.max} ${unit}`;

function tierProblems(t: TierDraft): TierProblems {
  const name = t.name.trim();
  const filter = t.filter.trim();
  const problems: TierProblems = {
    name: !name
      ? 'Give the tier a name'
      : name.length > MAX_TIER_NAME
        ? `At most ${MAX_TIER_NAME} characters`
        : undefined,
    targets:
      t.targetKind === 'vms'
        ? t.vms.length === 0
          ? 'Choose at least one VM, or use a filter'
          : t.vms.length > MAX_OPERATION_VMS
            ? `At most ${MAX_OPERATION_VMS} VMs`
            : undefined
        : !filter
          ? 'Type a filter, e.g. db status:stopped'
          : filter.length > MAX_FILTER_LENGTH
            ? `At most ${MAX_FILTER_LENGTH} characters`
            : isEmptyFilter(parseFilter(filter))
              ? 'This filter restricts nothing: name words, status:<status> or node:<name>'
              : undefined,
    timeout:
      parseWholeOrDefault(t.timeout, TIER_TIMEOUT_S) === null
        ? between(TIER_TIMEOUT_S, 'seconds')
        : undefined,
    delay: parseWholeOrDefault(t.delay, TIER_DELAY_S) === null ? between(TIER_DELAY_S, 'seconds') : undefined,
  };
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v !== undefined));
}

/** What is wrong with the draft (`hasProblems` says whether anything is). */
export function draftProblems(d: PlanDraft): PlanProblems {
  const name = d.name.trim();
  const tier: Record<string, TierProblems> = {};
  const named = new Map<string, number>();
  d.tiers.forEach((t, i) => {
    const p = tierProblems(t);
    const key = t.name.trim().toLowerCase();
    const earlier = named.get(key);
    if (key && earlier !== undefined && p.name === undefined)
      p.name = `Tier ${earlier + 1} has this name already`;
    if (key && earlier === undefined) named.set(key, i);
    if (Object.keys(p).length > 0) tier[t.id] = p;
  });
  const chosen = new Set(d.tiers.flatMap((t) => (t.targetKind === 'vms' ? t.vms : [])));
  const problems: PlanProblems = { tier };
  if (!name) problems.name = 'Give the plan a name';
  else if (name.length > MAX_PLAN_NAME) problems.name = `At most ${MAX_PLAN_NAME} characters`;
  if (parseWholeOrDefault(d.parallelism, PARALLELISM) === null)
    problems.parallelism = between(PARALLELISM, 'VMs');
  if (d.tiers.length === 0) problems.tiers = 'Add at least one tier';
  else if (d.tiers.length > MAX_TIERS) problems.tiers = `At most ${MAX_TIERS} tiers`;
  else if (chosen.size > MAX_OPERATION_VMS) {
    problems.tiers = `The tiers choose ${chosen.size} VMs: a plan runs at most ${MAX_OPERATION_VMS}`;
  }
  return problems;
}

export function hasProblems(p: PlanProblems): boolean {
  return (
    p.name !== undefined ||
    p.parallelism !== undefined ||
    p.tiers !== undefined ||
    Object.keys(p.tier).length > 0
  );
}

/** How many things are wrong, for the summary above the Save button. */
export function problemCount(p: PlanProblems): number {
  const top = [p.name, p.parallelism, p.tiers].filter((x) => x !== undefined).length;
  return top + Object.values(p.tier).reduce((n, t) => n + Object.keys(t).length, 0);
}

function tierBody(t: TierDraft): TierBody {
  return {
    name: t.name.trim(),
    targets:
      t.targetKind === 'vms' ? { kind: 'vms', vms: [...t.vms] } : { kind: 'filter', filter: t.filter.trim() },
    upWhen: t.upWhen,
    timeoutS: parseWholeOrDefault(t.timeout, TIER_TIMEOUT_S) ?? TIER_TIMEOUT_S.default,
    delayAfterS: parseWholeOrDefault(t.delay, TIER_DELAY_S) ?? TIER_DELAY_S.default,
    onFailure: t.onFailure,
    escalate: t.escalate,
  };
}

/** The body to save (check `draftProblems` first). */
export function planBody(d: PlanDraft): PlanBody {
  return {
    name: d.name.trim(),
    tiers: d.tiers.map(tierBody),
    helpdesk: d.helpdesk,
    parallelism: parseWholeOrDefault(d.parallelism, PARALLELISM) ?? PARALLELISM.default,
  };
}

// ------------------------------------------------------------------------------------------------------------
// Moves

function withTier(d: PlanDraft, id: string, change: (t: TierDraft) => TierDraft): PlanDraft {
  return { ...d, tiers: d.tiers.map((t) => (t.id === id ? change(t) : t)) };
}

export function updateTier(d: PlanDraft, id: string, patch: Partial<Omit<TierDraft, 'id'>>): PlanDraft {
  return withTier(d, id, (t) => ({ ...t, ...patch }));
}

/** A new tier at the end (none past MAX_TIERS). */
export function addTier(d: PlanDraft): PlanDraft {
  if (d.tiers.length >= MAX_TIERS) return d;
  return { ...d, tiers: [...d.tiers, newTier(d.tiers.length + 1)] };
}

/** Takes a tier out (never the last one left). */
export function removeTier(d: PlanDraft, id: string): PlanDraft {
  if (d.tiers.length <= 1) return d;
  return { ...d, tiers: d.tiers.filter((t) => t.id !== id) };
}

/** Moves a tier up (-1) or down (+1) in the order; at an end it stays. */
export function moveTier(d: PlanDraft, id: string, delta: -1 | 1): PlanDraft {
  const from = d.tiers.findIndex((t) => t.id === id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= d.tiers.length) return d;
  const tiers = [...d.tiers];
  const [moved] = tiers.splice(from, 1);
  if (moved) tiers.splice(to, 0, moved);
  return { ...d, tiers };
}

/**
 * Moves a chosen VM to another tier (one that chooses VMs; not a filter's): out of every other tier, onto the end
 * of that one. Unchanged when it is there already or the target is a filter.
 */
export function moveVm(d: PlanDraft, key: number, toTierId: string): PlanDraft {
  const to = d.tiers.find((t) => t.id === toTierId);
  if (!to || to.targetKind !== 'vms' || to.vms.includes(key)) return d;
  return {
    ...d,
    tiers: d.tiers.map((t) =>
      t.id === toTierId
        ? { ...t, vms: [...t.vms, key] }
        : t.vms.includes(key)
          ? { ...t, vms: t.vms.filter((k) => k !== key) }
          : t,
    ),
  };
}

/**
 * A tier's chosen VMs as the picker sets them: a VM newly chosen here leaves the tier that had it (a VM is in one
 * tier; the picker notes where it is).
 */
export function chooseVms(d: PlanDraft, tierId: string, keys: readonly number[]): PlanDraft {
  const here = d.tiers.find((t) => t.id === tierId);
  if (!here) return d;
  const added = new Set(keys.filter((k) => !here.vms.includes(k)));
  return {
    ...d,
    tiers: d.tiers.map((t) =>
      t.id === tierId
        ? { ...t, vms: [...keys] }
        : t.vms.some((k) => added.has(k))
          ? { ...t, vms: t.vms.filter((k) => !added.has(k)) }
          : t,
    ),
  };
}

/** For each chosen VM, the position (0-based) of the tier that chooses it (the first, if a saved plan has two). */
export function tierOfVm(d: PlanDraft): Map<number, number> {
  const at = new Map<number, number>();
  d.tiers.forEach((t, i) => {
    if (t.targetKind !== 'vms') return;
    for (const k of t.vms) if (!at.has(k)) at.set(k, i);
  });
  return at;
}
