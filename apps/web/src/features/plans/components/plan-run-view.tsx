// The run view (`/plans/:id/runs/:operationId`): a plan run as its title ("Plan “Site A”: start"), who started it,
// when, why, its state and progress, "Cancel run" while it runs (by the operations' rule, mayCancelOperation: its
// owner or an admin), then the ladder. The operation comes from the app layer, which reads it from the operations
// feed (live from the event stream), so the page moves without reloads; this feature only draws it.
import type { Operation } from '@powerdeck/contracts/operations';
import { ArrowLeft } from 'lucide-react';
import { useId } from 'react';
import { Link } from 'wouter';
import { Button } from '../../../components/ui/button';
import { LoadError, Pill } from '../../../components/ui/data-table';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { planRunTitle, runStatusWords } from '../lib/words';
import { RunLadder } from './run-ladder';

export interface PlanRunViewProps {
  planId: string;
  /** The run, once loaded (null until then, or when it could not be). */
  op: Operation | null;
  error: Error | null;
  onRetry: () => void;
  /** Whether this person may cancel it now. */
  canCancel: boolean;
  onCancel: () => void;
  cancelling: boolean;
  /** A refused cancel, in words. */
  cancelError: string | null;
}

function Progress({ op }: { op: Operation }) {
  const settled = op.counts.done + op.counts.skipped + op.counts.failed + op.counts.cancelled;
  const total = op.counts.total;
  return (
    <div className="space-y-1">
      <div
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={settled}
        aria-valuetext={`${settled} of ${total} VMs`}
        className="h-1.5 overflow-hidden rounded-full bg-line/70"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-500 ${op.counts.failed > 0 ? 'bg-bad' : 'bg-accent'}`}
          style={{ width: `${total ? (settled / total) * 100 : 0}%` }}
        />
      </div>
      <p className="text-xs text-muted tabular-nums">
        {settled} of {total} VMs settled
        {op.counts.done > 0 && ` · ${op.counts.done} done`}
        {op.counts.skipped > 0 && ` · ${op.counts.skipped} skipped`}
        {op.counts.failed > 0 && ` · ${op.counts.failed} failed`}
        {op.counts.cancelled > 0 && ` · ${op.counts.cancelled} cancelled`}
      </p>
    </div>
  );
}

export function PlanRunView({
  planId,
  op,
  error,
  onRetry,
  canCancel,
  onCancel,
  cancelling,
  cancelError,
}: PlanRunViewProps) {
  const headingId = useId();
  const back = (
    <Link
      href={`/plans/${encodeURIComponent(planId)}`}
      className="inline-flex items-center gap-1 rounded-sm text-sm font-medium text-accent hover:underline"
    >
      <ArrowLeft aria-hidden="true" className="size-3.5" />
      {op?.plan ? `Back to “${op.plan.name}”` : 'Back to the plan'}
    </Link>
  );

  if (!op) {
    return (
      <main className="mx-auto w-full max-w-6xl space-y-4 px-4 py-5 sm:px-6">
        {back}
        {error ? (
          <LoadError what="the run" error={error} onRetry={onRetry} />
        ) : (
          <p className="py-6 text-sm text-muted">Loading…</p>
        )}
      </main>
    );
  }

  const status = runStatusWords(op.status, op.counts.failed);
  const title = op.plan ? planRunTitle(op.plan.name, op.plan.direction) : 'Not a plan run';
  return (
    <main aria-labelledby={headingId} className="mx-auto w-full max-w-6xl space-y-4 px-4 py-5 sm:px-6">
      {back}
      <div className="flex flex-wrap items-center gap-3">
        <h2 id={headingId} className="text-xl font-semibold tracking-tight">
          {title}
        </h2>
        <Pill tone={status.tone}>{status.label}</Pill>
        {canCancel && (
          <Button variant="danger-outline" className="ml-auto" loading={cancelling} onClick={onCancel}>
            Cancel run
          </Button>
        )}
      </div>
      <p className="text-sm text-muted">
        Started by <span className="text-ink">{op.owner}</span> ({op.ownerRole}){' '}
        <IsoTimeAgo iso={op.createdAt} />
        {op.schedule && <> by the schedule “{op.schedule.name}”</>}
        {op.finishedAt && (
          <>
            {' '}
            · ended <IsoTimeAgo iso={op.finishedAt} />
          </>
        )}
        {op.cancelledBy && <> · cancelled by {op.cancelledBy}</>} · {op.parallelism} at once per tier
        {op.reason && <> · “{op.reason}”</>}
      </p>
      {cancelError && (
        <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
          {cancelError}
        </p>
      )}
      <Progress op={op} />
      <section aria-label="Progress ladder" className="rounded-lg border border-line bg-surface px-4 py-4">
        {op.plan ? (
          <RunLadder op={op} />
        ) : (
          <p className="text-sm text-muted">This operation is not a plan run.</p>
        )}
      </section>
    </main>
  );
}
