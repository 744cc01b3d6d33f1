// An alert target's page (`/admin/alerts/:id`, alerts:manage): its name, kind and state, where it sends, how its
// deliveries fare (a failed one said in red, with what to do), its deliveries (newest first, read again while some
// wait; "Send test"), then its settings to edit (TargetForm) and Delete (asks first, then back to the list).
import type { AlertTarget } from '@powerdeck/contracts/alerts';
import { useQuery } from '@tanstack/react-query';
import { ArrowLeft } from 'lucide-react';
import { useId, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { Button } from '../../../components/ui/button';
import { LoadError } from '../../../components/ui/data-table';
import { isApiError } from '../../../lib/api-client';
import type { PickableVm } from '../../../lib/vm-targets';
import { alertQueries } from '../api/alerts-queries';
import { destinationInWords } from '../lib/words';
import { DeleteTargetDialog, HealthFacts, HealthProblem, TargetBadges } from './alerts-page';
import { Deliveries } from './deliveries';
import { SigningSecretDialog } from './signing-secret-dialog';
import { TargetForm } from './target-form';

export const ALERTS_PATH = '/admin/alerts';
const PAGE = 'mx-auto w-full max-w-6xl space-y-5 px-4 py-5 sm:px-6';

export function BackToAlerts() {
  return (
    <Link
      href={ALERTS_PATH}
      className="inline-flex items-center gap-1 rounded-sm text-sm font-medium text-accent hover:underline"
    >
      <ArrowLeft aria-hidden="true" className="size-3.5" />
      All alert targets
    </Link>
  );
}

function Target({ target, vms }: { target: AlertTarget; vms: readonly PickableVm[] }) {
  const headingId = useId();
  const settingsId = useId();
  const [, navigate] = useLocation();
  const [deleting, setDeleting] = useState(false);
  return (
    <main aria-labelledby={headingId} className={PAGE}>
      <BackToAlerts />
      <div className="space-y-1">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
          <h2 id={headingId} className="min-w-0 text-xl font-semibold tracking-tight break-words">
            {target.name}
          </h2>
          <TargetBadges target={target} />
          <Button className="ml-auto" variant="danger-outline" onClick={() => setDeleting(true)}>
            Delete
          </Button>
        </div>
        <p className="text-sm break-all text-muted">{destinationInWords(target.settings)}</p>
      </div>
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2.5 rounded-lg border border-line bg-panel p-4 shadow-xs sm:grid-cols-[minmax(0,1fr)_6rem_6rem]">
        <HealthFacts target={target} />
      </dl>
      <HealthProblem target={target} />

      <Deliveries targetId={target.id} enabled={target.enabled} />

      <section aria-labelledby={settingsId} className="space-y-3">
        <h3 id={settingsId} className="text-base font-semibold">
          Settings
        </h3>
        <TargetForm
          key={target.id}
          target={target}
          vms={vms}
          labelledBy={settingsId}
          headingLevel="h4"
          onCancel={() => navigate(ALERTS_PATH)}
        />
      </section>

      {deleting && (
        <DeleteTargetDialog
          target={target}
          onClose={() => setDeleting(false)}
          onDeleted={() => navigate(ALERTS_PATH)}
        />
      )}
    </main>
  );
}

export function TargetPage({ id, vms }: { id: string; vms: readonly PickableVm[] }) {
  const q = useQuery(alertQueries.detail(id));
  if (q.data) return <Target target={q.data} vms={vms} />;
  return (
    <main className={PAGE}>
      <BackToAlerts />
      {q.error ? (
        isApiError(q.error) && q.error.status === 404 ? (
          <p role="alert" className="text-sm">
            There is no such alert target: it may have been deleted.
          </p>
        ) : (
          <LoadError what="the alert target" error={q.error} onRetry={() => void q.refetch()} />
        )
      ) : (
        <p className="py-6 text-sm text-muted">Loading…</p>
      )}
    </main>
  );
}

/** `/admin/alerts/new`: the form; once created, a generated signing secret shown once, then the target's page. */
export function NewTargetPage({ vms }: { vms: readonly PickableVm[] }) {
  const headingId = useId();
  const [, navigate] = useLocation();
  const [secret, setSecret] = useState<{ id: string; name: string; secret: string } | null>(null);
  const open = (targetId: string) => navigate(`${ALERTS_PATH}/${encodeURIComponent(targetId)}`);
  return (
    <main aria-labelledby={headingId} className={PAGE}>
      <BackToAlerts />
      <h2 id={headingId} className="text-xl font-semibold tracking-tight">
        New alert target
      </h2>
      <TargetForm
        vms={vms}
        labelledBy={headingId}
        headingLevel="h3"
        onCancel={() => navigate(ALERTS_PATH)}
        onCreated={({ target, signingSecret }) => {
          if (signingSecret) setSecret({ id: target.id, name: target.name, secret: signingSecret });
          else open(target.id);
        }}
      />
      {secret && (
        <SigningSecretDialog name={secret.name} secret={secret.secret} onClose={() => open(secret.id)} />
      )}
    </main>
  );
}
