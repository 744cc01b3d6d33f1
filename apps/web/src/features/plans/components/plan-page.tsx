// A plan's page (`/plans/:id`, everyone who may see the fleet): its tiers in order (their VMs named from the fleet
// snapshot, or the filter with how many VMs it matches now; their settings in words), the dry run at any time (both
// directions), its runs (newest first, each linking to its run view), and the run and change buttons by
// permission (PlanActions). Starting goes through the run dialog, then to the run's view.
import type { Operation } from '@powerdeck/contracts/operations';
import { PLAN_DIRECTION_WORDS, type PlanDirection } from '@powerdeck/contracts/plan-terms';
import type { Plan, Tier } from '@powerdeck/contracts/plans';
import type { Permission, Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { ArrowLeft } from 'lucide-react';
import { useId, useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { DataTable, LoadError, Pill, TD } from '../../../components/ui/data-table';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { ListState } from '../../../components/ui/list-state';
import { isApiError } from '../../../lib/api-client';
import { plural } from '../../../lib/format';
import { filterMatches, someNames, type PickableVm } from '../../../lib/vm-targets';
import { planQueries } from '../api/plans-queries';
import { HELPDESK_WORDS, runStatusWords, tierSettingsInWords, tierVmsInWords } from '../lib/words';
import { DryRunPanel } from './dry-run-view';
import { LastRun, PlanActions, PlanDialog, planHref, runHref, type PlanAsking } from './plans-page';

const PAGE = 'mx-auto w-full max-w-6xl space-y-4 px-4 py-5 sm:px-6';

function BackToPlans() {
  return (
    <Link
      href="/plans"
      className="inline-flex items-center gap-1 rounded-sm text-sm font-medium text-accent hover:underline"
    >
      <ArrowLeft aria-hidden="true" className="size-3.5" />
      All plans
    </Link>
  );
}

function TierVmsNow({ tier, vms }: { tier: Tier; vms: readonly PickableVm[] }) {
  const byKey = useMemo(() => new Map(vms.map((v) => [v.key, v.name])), [vms]);
  const t = tier.targets;
  if (t.kind === 'vms') {
    return (
      <span className="text-muted">
        {someNames(
          t.vms.map((k) => byKey.get(k) ?? `VM ${k}`),
          8,
        )}
      </span>
    );
  }
  const n = filterMatches(vms, t.filter).length;
  return (
    <span className="text-muted tabular-nums">
      {plural(n, 'VM')} {n === 1 ? 'matches' : 'match'} now
    </span>
  );
}

function Tiers({ plan, vms }: { plan: Plan; vms: readonly PickableVm[] }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <h3 id={headingId} className="text-base font-semibold">
        Tiers{' '}
        <span className="text-sm font-normal text-muted">(started in this order, shut down in reverse)</span>
      </h3>
      <ol aria-label="Tiers" className="space-y-2">
        {plan.tiers.map((t, i) => (
          <li key={i} className="flex gap-3 rounded-lg border border-line bg-panel px-4 py-3 shadow-xs">
            <span
              aria-hidden="true"
              className="inline-flex size-7 shrink-0 items-center justify-center rounded-full bg-accent-soft text-sm font-semibold text-accent tabular-nums"
            >
              {i + 1}
            </span>
            <div className="min-w-0 flex-1 space-y-0.5">
              <p className="text-sm">
                <span className="font-semibold">{t.name}</span> · {tierVmsInWords(t.targets)}
              </p>
              <p className="text-sm">
                <TierVmsNow tier={t} vms={vms} />
              </p>
              <p className="text-xs text-muted">{tierSettingsInWords(t)}</p>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

const RUN_COLUMNS = ['Started', 'Direction', 'By', 'Status', 'VMs', ''] as const;

function RunRow({ planId, op }: { planId: string; op: Operation }) {
  const s = runStatusWords(op.status, op.counts.failed);
  const direction = op.plan?.direction;
  return (
    <tr className="hover:bg-sunken/60">
      <td className={`${TD} whitespace-nowrap`}>
        <IsoTimeAgo iso={op.createdAt} />
      </td>
      <td className={`${TD} font-medium`}>{direction ? PLAN_DIRECTION_WORDS[direction] : op.action}</td>
      <td className={TD}>
        {op.owner}
        {op.schedule && <span className="block text-xs text-muted">schedule “{op.schedule.name}”</span>}
      </td>
      <td className={TD}>
        <Pill tone={s.tone}>{s.label}</Pill>
      </td>
      <td className={`${TD} tabular-nums`}>
        {op.counts.done} of {op.counts.total} {direction === 'shutdown' ? 'stopped' : 'up'}
        {op.counts.skipped > 0 && <span className="text-muted">, {op.counts.skipped} skipped</span>}
      </td>
      <td className={`${TD} text-right whitespace-nowrap`}>
        <Link
          href={runHref(planId, op.id)}
          className="rounded-sm text-sm font-medium text-accent hover:underline"
        >
          View run
        </Link>
      </td>
    </tr>
  );
}

function Runs({ planId }: { planId: string }) {
  const headingId = useId();
  const runs = useQuery({ ...planQueries.runs(planId), select: (d) => d.operations });
  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <h3 id={headingId} className="text-base font-semibold">
        Runs
      </h3>
      <ListState query={runs} what="the runs" empty="Not run yet">
        {(items) => (
          <DataTable label="Runs" columns={RUN_COLUMNS} minWidth="40rem">
            {items.map((op) => (
              <RunRow key={op.id} planId={planId} op={op} />
            ))}
          </DataTable>
        )}
      </ListState>
    </section>
  );
}

export interface PlanPageProps {
  id: string;
  role: Role;
  permissions: readonly Permission[];
  /** The fleet snapshot's VMs, to name a tier's VMs. */
  vms: readonly PickableVm[];
}

export function PlanPage({ id, role, permissions, vms }: PlanPageProps) {
  const headingId = useId();
  const [, navigate] = useLocation();
  const query = useQuery(planQueries.detail(id));
  const [asking, setAsking] = useState<PlanAsking | null>(null);
  const [direction, setDirection] = useState<PlanDirection>('start');
  const plan = query.data;

  if (!plan) {
    return (
      <main className={PAGE}>
        <BackToPlans />
        {query.error ? (
          isApiError(query.error) && query.error.status === 404 ? (
            <p role="alert" className="text-sm">
              There is no such plan (it may have been deleted).
            </p>
          ) : (
            <LoadError what="the plan" error={query.error} onRetry={() => void query.refetch()} />
          )
        ) : (
          <p className="py-6 text-sm text-muted">Loading…</p>
        )}
      </main>
    );
  }

  return (
    <main aria-labelledby={headingId} className={PAGE}>
      <BackToPlans />
      <div className="flex flex-wrap items-center gap-3">
        <h2 id={headingId} className="text-xl font-semibold tracking-tight">
          {plan.name}
        </h2>
        <Pill tone={plan.helpdesk === 'none' ? 'idle' : 'ok'}>{HELPDESK_WORDS[plan.helpdesk]}</Pill>
        <span className="ml-auto">
          <PlanActions
            plan={plan}
            role={role}
            permissions={permissions}
            dryRun={false}
            ask={(a) => (a.kind === 'edit' ? navigate(`${planHref(plan.id)}/edit`) : setAsking(a))}
          />
        </span>
      </div>
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-muted">Last run</dt>
        <dd>
          <LastRun plan={plan} />
        </dd>
        <dt className="text-muted">Schedules</dt>
        <dd>{plan.schedules.length === 0 ? 'None' : plan.schedules.map((s) => `“${s.name}”`).join(', ')}</dd>
        <dt className="text-muted">Settings</dt>
        <dd>
          {plan.parallelism} VMs at once per tier · created by {plan.owner} · changed{' '}
          <IsoTimeAgo iso={plan.updatedAt} />
        </dd>
      </dl>
      <Tiers plan={plan} vms={vms} />
      <DryRunPanel planId={plan.id} direction={direction} onDirectionChange={setDirection} />
      <Runs planId={plan.id} />
      <PlanDialog
        asking={asking}
        role={role}
        permissions={permissions}
        onClose={() => setAsking(null)}
        onDeleted={() => navigate('/plans')}
      />
    </main>
  );
}
