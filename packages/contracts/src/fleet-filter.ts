// The fleet filter language, shared by the wall (`?filter=`), saved schedule targets (resolved on the server when a
// run starts) and the schedule form's "which VMs match now": words separated by spaces, all of which must match.
// - a plain word: the VM's name contains it (case-insensitive), e.g. `web`;
// - `status:<value>[,<value>...]`: the VM's status is one of them. A value is a VergeOS status (`running`,
//   `stopped`, `error`, ...), a group (`attention`: error, unresponsive, unlicensed and the warnings;
//   `transitional` or `changing`: on its way to another status), or `down` (down unexpectedly). Several `status:`
//   words add up (either matches). Unknown values are ignored;
// - `node:<name>`: the VM runs on that node (case-insensitive; several add up).
// No TypeBox here, so that the web app may import it. Pure (tested in apps/web/test/wall-filter.test.ts).
import { isPowerStatus, TRANSITIONAL_STATUSES, type PowerStatus } from './power-terms';

/** The status filter's groups, besides single statuses. */
export const STATUS_GROUP_MEMBERS = {
  /** Something is wrong (needs a person) or needs attention. */
  attention: new Set<PowerStatus>([
    'unresponsive',
    'unlicensed',
    'error',
    'maintenance',
    'needsrefresh',
    'needsrestart',
    'waitingforresources',
  ]),
  /** On its way to another status: VergeOS's transitional statuses and importing. */
  transitional: new Set<PowerStatus>([...TRANSITIONAL_STATUSES, 'importing']),
} as const satisfies Record<string, ReadonlySet<PowerStatus>>;
export type StatusGroup = keyof typeof STATUS_GROUP_MEMBERS;

/** Whether a status belongs to a group of the status filter. */
export function inStatusGroup(status: PowerStatus, group: StatusGroup): boolean {
  return STATUS_GROUP_MEMBERS[group].has(status);
}

/** What the filter reads of a VM. */
export interface FilterableVm {
  name: string;
  status: PowerStatus;
  nodeName: string | null;
}

export interface FleetFilter {
  /** Substrings the name must contain (lower case). */
  words: readonly string[];
  statuses: readonly PowerStatus[];
  groups: readonly StatusGroup[];
  /** Whether `status:down` was asked for. */
  down: boolean;
  /** Node names (lower case). */
  nodes: readonly string[];
}

const GROUP_ALIASES: Readonly<Record<string, StatusGroup>> = {
  attention: 'attention',
  transitional: 'transitional',
  changing: 'transitional',
};

export function parseFilter(text: string): FleetFilter {
  const words: string[] = [];
  const statuses: PowerStatus[] = [];
  const groups: StatusGroup[] = [];
  const nodes: string[] = [];
  let down = false;
  for (const raw of text.trim().toLowerCase().split(/\s+/)) {
    if (!raw) continue;
    const status = /^status:(.*)$/.exec(raw);
    if (status) {
      for (const v of (status[1] ?? '').split(',')) {
        if (isPowerStatus(v)) statuses.push(v);
        else if (Object.hasOwn(GROUP_ALIASES, v)) groups.push(GROUP_ALIASES[v] as StatusGroup);
        else if (v === 'down') down = true;
      }
      continue;
    }
    const node = /^node:(.+)$/.exec(raw);
    if (node) {
      nodes.push(node[1] ?? '');
      continue;
    }
    words.push(raw);
  }
  return { words, statuses, groups, down, nodes };
}

/** Whether a filter restricts statuses at all. */
function hasStatusPart(f: FleetFilter): boolean {
  return f.statuses.length > 0 || f.groups.length > 0 || f.down;
}

/** `downUnexpectedly`: whether the VM is marked down unexpectedly (the BFF's recent stops). */
export function matchesFilter(vm: FilterableVm, f: FleetFilter, downUnexpectedly = false): boolean {
  if (f.words.length > 0) {
    const name = vm.name.toLowerCase();
    if (!f.words.every((w) => name.includes(w))) return false;
  }
  if (f.nodes.length > 0) {
    const node = vm.nodeName?.toLowerCase();
    if (node === undefined || !f.nodes.includes(node)) return false;
  }
  if (hasStatusPart(f)) {
    const ok =
      f.statuses.includes(vm.status) ||
      f.groups.some((g) => inStatusGroup(vm.status, g)) ||
      (f.down && downUnexpectedly);
    if (!ok) return false;
  }
  return true;
}

/** Whether the filter lets everything through (no filter given, or only unknown statuses). */
export function isEmptyFilter(f: FleetFilter): boolean {
  return f.words.length === 0 && f.nodes.length === 0 && !hasStatusPart(f);
}
