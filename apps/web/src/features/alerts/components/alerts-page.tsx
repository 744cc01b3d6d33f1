// Admin › Alerts (`/admin/alerts`, alerts:manage): where Powerdeck sends word when a VM goes down unexpectedly, an
// operation or a scheduled run fails, VergeOS stops answering, or the leader changes. Each target with its kind,
// where it sends, what it matches (events, VM filter, minimum severity) in words, whether it is on, and how its
// deliveries fare: the last one (status, when, the error in words), how many wait and how many failed; a failed
// one makes the card red and says what to do. Buttons: Add target; per target Edit, Send test, Delete (asks first).
import { EVENT_WORDS } from '@powerdeck/contracts/alert-terms';
import type { AlertTarget } from '@powerdeck/contracts/alerts';
import { useQuery } from '@tanstack/react-query';
import { BellPlus, Send } from 'lucide-react';
import { useId, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Pill } from '../../../components/ui/data-table';
import { Fact } from '../../../components/ui/fact';
import { FormError } from '../../../components/ui/field';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { ListState, RefreshFailed } from '../../../components/ui/list-state';
import { Page, PageButton } from '../../../components/ui/page';
import { TONE_CARD } from '../../../lib/status';
import { alertQueries, useDeleteTarget, useSendTest } from '../api/alerts-queries';
import {
  DELIVERY_STATUS,
  destinationInWords,
  healthOf,
  KIND_BADGE,
  lastDeliveryWords,
  matchersInWords,
  quietInWords,
  targetHref,
} from '../lib/words';

/** The last delivery: its status and event, when, and its error in words. */
function LastDelivery({ target }: { target: AlertTarget }) {
  const last = target.lastDelivery;
  if (!last) return <span className="text-muted">{lastDeliveryWords(last)}</span>;
  const s = DELIVERY_STATUS[last.status];
  return (
    <span className="block space-y-0.5">
      <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <Pill tone={s.tone}>{s.label}</Pill>
        <span>{EVENT_WORDS[last.event]}</span>
        <span className="text-xs text-muted">
          <IsoTimeAgo iso={last.at} />
        </span>
      </span>
      {last.error && (
        <span
          className={`block text-xs ${last.status === 'failed' ? 'text-bad' : last.status === 'retrying' ? 'text-warn' : 'text-muted'}`}
        >
          {last.error}
        </span>
      )}
    </span>
  );
}

/** How a target's deliveries fare: the last one, how many wait, how many failed (a problem, in red). */
export function HealthFacts({ target }: { target: AlertTarget }) {
  return (
    <>
      <Fact label="Last delivery">
        <LastDelivery target={target} />
      </Fact>
      <Fact label="Waiting">
        <span className={`tabular-nums ${target.pending === 0 ? 'text-muted' : ''}`}>{target.pending}</span>
      </Fact>
      <Fact label="Failed">
        {target.failed > 0 ? (
          <span className="font-semibold text-bad tabular-nums">{target.failed}</span>
        ) : (
          <span className="text-muted tabular-nums">0</span>
        )}
      </Fact>
    </>
  );
}

/** The badges by a target's name: its kind, and Disabled when it is. */
export function TargetBadges({ target }: { target: AlertTarget }) {
  return (
    <>
      <Pill tone="moving">{KIND_BADGE[target.settings.kind]}</Pill>
      <Pill tone={target.enabled ? 'ok' : 'idle'}>{target.enabled ? 'Enabled' : 'Disabled'}</Pill>
    </>
  );
}

/** The health's problem, when there is one: what went wrong and what to do. */
export function HealthProblem({ target }: { target: AlertTarget }) {
  const h = healthOf(target);
  if (!h.problem) return null;
  return (
    <p
      className={`rounded-md px-3 py-2 text-sm ${h.tone === 'bad' ? 'bg-bad-soft text-bad' : 'bg-warn-soft text-warn'}`}
    >
      <span className="font-semibold">{h.label}.</span> {h.problem}
    </p>
  );
}

export function DeleteTargetDialog({
  target,
  onClose,
  onDeleted,
}: {
  target: AlertTarget;
  onClose: () => void;
  onDeleted?: () => void;
}) {
  const remove = useDeleteTarget();
  return (
    <ConfirmDialog
      title={`Delete “${target.name}”?`}
      description={
        target.pending > 0
          ? `It gets no more alerts, and its ${target.pending} waiting ${target.pending === 1 ? 'message is' : 'messages are'} dropped with its deliveries. The change stays in the audit log.`
          : 'It gets no more alerts, and its deliveries go with it. The change stays in the audit log.'
      }
      confirmLabel="Delete target"
      danger
      onConfirm={async () => {
        await remove.mutateAsync(target.id);
        onDeleted?.();
      }}
      onClose={onClose}
    />
  );
}

function TargetCard({
  target,
  onDelete,
  onTest,
  testing,
}: {
  target: AlertTarget;
  onDelete: () => void;
  onTest: () => void;
  testing: boolean;
}) {
  const headingId = useId();
  const [, navigate] = useLocation();
  const health = healthOf(target);
  return (
    <li
      aria-labelledby={headingId}
      className={`relative overflow-hidden rounded-lg border bg-panel p-4 pl-5 shadow-xs before:absolute before:inset-y-0 before:left-0 before:w-1 ${TONE_CARD[health.tone]}`}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <h3 id={headingId} className="min-w-0 truncate text-base font-semibold">
          <Link href={targetHref(target.id)} className="rounded-sm hover:underline">
            {target.name}
          </Link>
        </h3>
        <TargetBadges target={target} />
        {health.tone === 'bad' && <Pill tone="bad">{health.label}</Pill>}
        <span className="ml-auto flex flex-wrap gap-1.5">
          <Button size="sm" onClick={() => navigate(targetHref(target.id))}>
            Edit
          </Button>
          <Button size="sm" icon={<Send className="size-3" />} loading={testing} onClick={onTest}>
            Send test
          </Button>
          <Button size="sm" variant="danger-outline" onClick={onDelete}>
            Delete
          </Button>
        </span>
      </div>
      <p className="mt-1 text-sm break-all text-muted">{destinationInWords(target.settings)}</p>
      <dl className="mt-3 grid grid-cols-1 gap-x-6 gap-y-2.5 sm:grid-cols-2 lg:grid-cols-[minmax(0,3fr)_minmax(0,3fr)_5rem_5rem]">
        <Fact label="Matches">
          {matchersInWords(target)}
          <span className="block text-xs text-muted">{quietInWords(target)}</span>
        </Fact>
        <HealthFacts target={target} />
      </dl>
      {health.problem && (
        <div className="mt-3">
          <HealthProblem target={target} />
        </div>
      )}
    </li>
  );
}

export function AlertsPage() {
  const [, navigate] = useLocation();
  const list = useQuery({ ...alertQueries.list(), select: (d) => d.targets });
  const test = useSendTest();
  const [deleting, setDeleting] = useState<AlertTarget | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const testedName = list.data?.find((t) => t.id === test.variables)?.name ?? 'the target';

  return (
    <Page
      title="Alerts"
      width="wide"
      actions={
        <PageButton icon={BellPlus} onClick={() => navigate('/admin/alerts/new')}>
          Add target
        </PageButton>
      }
    >
      <p className="max-w-3xl text-sm text-muted">
        Powerdeck tells these targets when a VM goes down unexpectedly, an operation or a scheduled run fails,
        VergeOS stops answering, or another server takes over. A message that does not get through is tried
        again for a day, then kept as failed on the target&rsquo;s page.
      </p>
      <p role="status" className="text-sm text-ok empty:hidden">
        {notice ?? ''}
      </p>
      {test.error && (
        <FormError>
          Could not send a test to {testedName}: {test.error.message}
        </FormError>
      )}
      <RefreshFailed query={list} />
      <ListState
        query={list}
        what="the alert targets"
        empty="No alert targets yet: add one to hear when a VM goes down."
      >
        {(targets) => (
          <ul aria-label="Alert targets" className="space-y-3">
            {targets.map((t) => (
              <TargetCard
                key={t.id}
                target={t}
                testing={test.isPending && test.variables === t.id}
                onTest={() => {
                  setNotice(null);
                  test.mutate(t.id, {
                    onSuccess: () => setNotice(`Test message queued for ${t.name}.`),
                  });
                }}
                onDelete={() => {
                  setNotice(null);
                  setDeleting(t);
                }}
              />
            ))}
          </ul>
        )}
      </ListState>
      {deleting && (
        <DeleteTargetDialog
          target={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => setNotice(`${deleting.name} is deleted.`)}
        />
      )}
    </Page>
  );
}
