// The per-VM report of an operation: its VMs grouped by where they ended (what went wrong first), and a summary
// line. Pure (tested in test/operations-report.test.ts).
import type { OperationCounts, OperationVm } from '@powerdeck/contracts/operations';
import { countsSummary, type OperationVmState } from '@powerdeck/contracts/operation-terms';
import { VM_STATE_WORDS } from './words';

/** The order of the report's groups: what needs a person first, then what is moving, then the rest. */
const REPORT_ORDER: readonly OperationVmState[] = [
  'failed',
  'active',
  'pending',
  'done',
  'skipped',
  'cancelled',
];

interface ReportGroup {
  state: OperationVmState;
  label: string;
  vms: OperationVm[];
}

/** The VMs by state, in REPORT_ORDER, empty groups left out; within a group, in the order they were asked for. */
export function groupReport(vms: readonly OperationVm[]): ReportGroup[] {
  const by = new Map<OperationVmState, OperationVm[]>();
  for (const vm of vms) {
    const list = by.get(vm.state);
    if (list) list.push(vm);
    else by.set(vm.state, [vm]);
  }
  return REPORT_ORDER.flatMap((state) => {
    const list = by.get(state);
    return list ? [{ state, label: VM_STATE_WORDS[state].label, vms: list }] : [];
  });
}

/** "8 done, 1 failed, 3 skipped of 12" (the contracts' countsSummary, said the same in alerts). */
export const reportSummary: (c: OperationCounts) => string = countsSummary;

/** VMs that have settled (no longer pending or active), for the progress bar. */
export function settledCount(c: OperationCounts): number {
  return c.done + c.skipped + c.failed + c.cancelled;
}

/** A VM left out before anything was sent (the action did not apply to its status), as the confirmation said. */
export interface ClientSkipped {
  key: number;
  name: string;
  why: string;
}

/** The operation's VMs plus the ones skipped in the browser before sending, as report rows. */
export function withClientSkipped(
  vms: readonly OperationVm[],
  skipped: readonly ClientSkipped[],
): OperationVm[] {
  if (skipped.length === 0) return [...vms];
  const rows: OperationVm[] = skipped.map((s) => ({
    key: s.key,
    name: s.name,
    state: 'skipped',
    step: null,
    stepAt: null,
    stepSent: false,
    deadline: null,
    escalated: false,
    detail: `Skipped: ${s.why}`,
    status: null,
    tier: null,
  }));
  return [...vms, ...rows];
}

/** The operation's counts with the VMs skipped in the browser added. */
export function countsWithSkipped(c: OperationCounts, skipped: number): OperationCounts {
  return { ...c, skipped: c.skipped + skipped, total: c.total + skipped };
}
