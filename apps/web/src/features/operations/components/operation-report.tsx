// The report of a bulk action, under the fleet's toolbar once it was confirmed: each VM's state, live from the
// operation (done, skipped and why, failed and why, in progress with its countdown), a progress bar, "Cancel
// operation" while it runs (its owner or an admin) and "Dismiss report". It stays until dismissed.
import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Pill } from '../../../components/ui/data-table';
import { useCancelOperation } from '../api/operation-mutations';
import { useOperation } from '../api/use-operation';
import { mayCancel, type Viewer } from '../lib/bulk';
import { operationErrorText } from '../lib/errors';
import {
  countsWithSkipped,
  reportSummary,
  settledCount,
  withClientSkipped,
  type ClientSkipped,
} from '../lib/report';
import { ACTION_WORDS, operationOutcome, vmsWord } from '../lib/words';
import { VmReportList } from './vm-report-list';

const NONE: readonly ClientSkipped[] = [];

export function OperationReport({
  id,
  skipped = NONE,
  me,
  onDismiss,
}: {
  id: string;
  /** VMs the confirmation left out before sending (the action did not apply to them). */
  skipped?: readonly ClientSkipped[];
  me: Viewer;
  onDismiss: () => void;
}) {
  const { op, error } = useOperation(id);
  const cancel = useCancelOperation();
  const [cancelError, setCancelError] = useState<string | null>(null);

  let body;
  let heading = 'Operation report';
  if (!op) {
    body = error ? (
      <p role="alert" className="text-sm text-bad">
        Cannot load the operation: {error.message}
      </p>
    ) : (
      <p className="text-sm text-muted">Loading…</p>
    );
  } else {
    const outcome = operationOutcome(op);
    const counts = countsWithSkipped(op.counts, skipped.length);
    const settled = settledCount(counts);
    heading = `${ACTION_WORDS[op.action].label} ${vmsWord(counts.total)}`;
    body = (
      <>
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
          <Pill tone={outcome.tone}>{outcome.label}</Pill>
          <span role="status" className="text-muted tabular-nums">
            {reportSummary(counts)}
          </span>
          {op.forceAfterS !== null && (
            <span className="text-xs text-muted">force off after {op.forceAfterS} s</span>
          )}
          <span className="text-xs text-muted">{op.parallelism} at once</span>
        </div>
        <div
          role="progressbar"
          aria-label="Operation progress"
          aria-valuemin={0}
          aria-valuemax={counts.total}
          aria-valuenow={settled}
          aria-valuetext={`${settled} of ${counts.total} VMs`}
          className="h-1 overflow-hidden rounded-full bg-line/70"
        >
          <div
            className={`h-full rounded-full transition-[width] duration-500 ${counts.failed > 0 ? 'bg-bad' : 'bg-accent'}`}
            style={{ width: `${counts.total ? (settled / counts.total) * 100 : 0}%` }}
          />
        </div>
        {cancelError && (
          <p role="alert" className="text-sm text-bad">
            {cancelError}
          </p>
        )}
        <VmReportList op={op} rows={withClientSkipped(op.vms, skipped)} />
      </>
    );
  }

  return (
    <section
      aria-label="Operation report"
      className="space-y-3 rounded-lg border border-line bg-panel px-4 py-3 shadow-xs"
    >
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-semibold">{heading}</h3>
        <span className="ml-auto flex items-center gap-2">
          {op && mayCancel(op, me) && (
            <Button
              size="sm"
              loading={cancel.isPending}
              onClick={() => {
                setCancelError(null);
                cancel.mutate(op.id, {
                  onError: (e) => setCancelError(operationErrorText(e, 'cancel the operation')),
                });
              }}
            >
              Cancel operation
            </Button>
          )}
          <Button size="sm" variant="ghost" onClick={onDismiss}>
            Dismiss report
          </Button>
        </span>
      </div>
      {body}
    </section>
  );
}
