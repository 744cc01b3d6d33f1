// An operation's VMs, grouped by where they are (failed first, then in progress, waiting, done, skipped,
// cancelled), each with what happened in words ("Skipped: already stopped", "Forced off after 120 s") or, while in
// progress, its countdown. Shared by the report panel and the operations page.
import type { Operation, OperationVm } from '@powerdeck/contracts/operations';
import { TONE_BADGE } from '../../../lib/status';
import { vmProgress } from '../lib/countdown';
import { groupReport } from '../lib/report';
import { VM_STATE_WORDS } from '../lib/words';
import { ProgressLine } from './progress-line';

/** `rows`: the VMs to list (default: the operation's own). */
export function VmReportList({ op, rows }: { op: Operation; rows?: readonly OperationVm[] }) {
  const groups = groupReport(rows ?? op.vms);
  return (
    <div className="space-y-3">
      {groups.map((g) => (
        <section key={g.state} aria-label={`${g.label} (${g.vms.length})`}>
          <h4 className="flex items-center gap-2 text-xs font-semibold">
            <span
              className={`inline-flex items-center rounded-full px-2 py-0.5 ring-1 ring-inset ${TONE_BADGE[VM_STATE_WORDS[g.state].tone]}`}
            >
              {g.label} ({g.vms.length})
            </span>
          </h4>
          <ul className="mt-1 max-h-64 divide-y divide-line overflow-y-auto rounded-md border border-line bg-panel text-sm">
            {g.vms.map((vm) => (
              <li key={vm.key} className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 px-3 py-1.5">
                <span className="min-w-0 font-medium break-all">{vm.name}</span>
                <span className="min-w-0 flex-1 text-xs text-muted">
                  {vm.state === 'active' || vm.state === 'pending' ? (
                    <ProgressLine progress={vmProgress(op, vm)} />
                  ) : (
                    vm.detail || VM_STATE_WORDS[vm.state].label
                  )}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
