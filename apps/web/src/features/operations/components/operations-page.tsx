// The operations page (`/operations`, everyone who may see the fleet): running operations first, then the most
// recent finished ones, each with its action (a plan run: "Plan “Site A”: start", a link to its ladder; a schedule's
// run: which schedule), its VMs (counts), who started it, when, its outcome and progress;
// "Show VMs" expands its per-VM report, and "Cancel operation" stops a running one before its next step (its owner or
// an admin). Live from the event stream the app keeps open (or polled every 2 s while the stream is down).
import type { Operation } from '@powerdeck/contracts/operations';
import { useQuery } from '@tanstack/react-query';
import { ChevronDown, ChevronRight, ListChecks } from 'lucide-react';
import { Fragment, useId, useState } from 'react';
import { Link } from 'wouter';
import { Button } from '../../../components/ui/button';
import { DataTable, LoadError, Pill, TD } from '../../../components/ui/data-table';
import { RefreshFailed } from '../../../components/ui/list-state';
import { Meter } from '../../../components/ui/meter';
import { TimeAgo } from '../../../components/ui/relative-time';
import { useCancelOperation } from '../api/operation-mutations';
import { operationsQueries } from '../api/operations-queries';
import { useStreamState } from '../api/use-operations-feed';
import { mayCancel, type Viewer } from '../lib/bulk';
import { operationErrorText } from '../lib/errors';
import { reportSummary, settledCount } from '../lib/report';
import { ACTION_WORDS, operationOutcome, planRunHref, planRunLabel, vmsWord } from '../lib/words';
import { VmReportList } from './vm-report-list';

const COLUMNS = ['Action', 'VMs', 'Owner', 'Started', 'Status', 'Progress', ''] as const;

function Row({ op, me }: { op: Operation; me: Viewer }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = useCancelOperation();
  const detailsId = useId();
  const words = ACTION_WORDS[op.action];
  const outcome = operationOutcome(op);
  const settled = settledCount(op.counts);
  const created = Date.parse(op.createdAt);

  return (
    <>
      <tr className="hover:bg-sunken/60">
        <td className={TD}>
          {op.plan ? (
            <Link
              href={planRunHref({ id: op.id, plan: op.plan })}
              className="block rounded-sm font-medium text-accent hover:underline"
            >
              {planRunLabel(op.plan)}
            </Link>
          ) : (
            <span className="block font-medium whitespace-nowrap">{words.label}</span>
          )}
          {op.schedule && <span className="block text-xs text-muted">schedule “{op.schedule.name}”</span>}
          {op.forceAfterS !== null && (
            <span className="block text-xs text-muted">force off after {op.forceAfterS} s</span>
          )}
          {op.reason && (
            <span className="block max-w-[16rem] truncate text-xs text-muted" title={op.reason}>
              “{op.reason}”
            </span>
          )}
        </td>
        <td className={`${TD} tabular-nums`}>
          <span className="block whitespace-nowrap">{vmsWord(op.counts.total)}</span>
          <span className="block text-xs text-muted">{reportSummary(op.counts)}</span>
        </td>
        <td className={TD}>
          <span className="block font-medium break-all">{op.owner}</span>
          <span className="block text-xs text-muted">{op.ownerRole}</span>
        </td>
        <td className={`${TD} whitespace-nowrap`}>
          {Number.isFinite(created) ? <TimeAgo ms={created} /> : op.createdAt}
        </td>
        <td className={TD}>
          <Pill tone={outcome.tone}>{outcome.label}</Pill>
          {op.cancelledBy && <span className="block text-xs text-muted">by {op.cancelledBy}</span>}
        </td>
        <td className={`${TD} min-w-[8rem]`}>
          <Meter
            label={`${words.label} progress`}
            used={settled}
            total={op.counts.total}
            valueText={`${settled} of ${op.counts.total} VMs`}
          />
          <span className="mt-1 block text-xs text-muted tabular-nums">
            {settled}/{op.counts.total}
          </span>
        </td>
        <td className={`${TD} text-right whitespace-nowrap`}>
          <span className="inline-flex items-center gap-1">
            {mayCancel(op, me) && (
              <Button
                size="sm"
                loading={cancel.isPending}
                onClick={() => {
                  setError(null);
                  cancel.mutate(op.id, {
                    onError: (e) => setError(operationErrorText(e, 'cancel the operation')),
                  });
                }}
              >
                Cancel operation
              </Button>
            )}
            <Button
              size="sm"
              variant="ghost"
              aria-expanded={open}
              aria-controls={open ? detailsId : undefined}
              icon={open ? <ChevronDown className="size-3.5" /> : <ChevronRight className="size-3.5" />}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? 'Hide VMs' : 'Show VMs'}
            </Button>
          </span>
          {error && (
            <p role="alert" className="mt-1 text-left text-xs whitespace-normal text-bad">
              {error}
            </p>
          )}
        </td>
      </tr>
      {open && (
        <tr id={detailsId} className="bg-sunken/40">
          <td colSpan={COLUMNS.length} className="px-3 py-3">
            <VmReportList op={op} />
          </td>
        </tr>
      )}
    </>
  );
}

export function OperationsPage({ me }: { me: Viewer }) {
  const headingId = useId();
  // The app's feed keeps the list current (and polls while the stream is down): this only reads it.
  const query = useQuery(operationsQueries.list());
  const stream = useStreamState();
  const ops = query.data?.operations;

  let body;
  if (!ops) {
    body = query.error ? (
      <LoadError what="the operations" error={query.error} onRetry={() => void query.refetch()} />
    ) : (
      <p className="py-6 text-sm text-muted">Loading…</p>
    );
  } else if (ops.length === 0) {
    body = (
      <div className="grid place-items-center rounded-lg border border-dashed border-line px-6 py-14 text-center">
        <ListChecks aria-hidden="true" className="size-6 text-muted" />
        <p className="mt-2 font-medium">No operations yet</p>
        <p className="mt-1 text-sm text-muted">
          Bulk actions and escalating shut downs show here as they run.
        </p>
      </div>
    );
  } else {
    body = (
      <DataTable label="Operations" columns={COLUMNS} minWidth="56rem">
        {ops.map((op) => (
          <Fragment key={op.id}>
            <Row op={op} me={me} />
          </Fragment>
        ))}
      </DataTable>
    );
  }

  return (
    <main aria-labelledby={headingId} className="mx-auto w-full max-w-[100rem] space-y-4 px-4 py-5 sm:px-6">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h2 id={headingId} className="text-xl font-semibold tracking-tight">
          Operations
        </h2>
        <p className="text-sm text-muted">
          {stream === 'open'
            ? 'Live'
            : stream === 'down'
              ? 'Updated every 2 s (the live stream is not connected)'
              : 'Connecting…'}
        </p>
      </div>
      <RefreshFailed query={query} />
      {body}
    </main>
  );
}
