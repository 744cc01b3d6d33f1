// The Plans page (`/plans`, everyone who may see the fleet): every power plan with its tiers, its VMs, the help-desk
// mark, the schedules that run it, and its last run (direction, state, when; a link to its run view). Buttons by
// permission: New plan / Edit / Delete (plans:manage), Start plan / Shut down plan (mayRunPlan: admins, and help desk
// when the plan says so; hidden while a run of it runs, which the card links to instead), Dry run (everyone).
import type { Operation } from '@powerdeck/contracts/operations';
import { PLAN_DIRECTION_WORDS, type PlanDirection } from '@powerdeck/contracts/plan-terms';
import type { Plan } from '@powerdeck/contracts/plans';
import type { Permission, Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { useId, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Pill } from '../../../components/ui/data-table';
import { Dialog } from '../../../components/ui/dialog';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { Fact } from '../../../components/ui/fact';
import { ListState, RefreshFailed } from '../../../components/ui/list-state';
import { Page, PageButton } from '../../../components/ui/page';
import { plural } from '../../../lib/format';
import { useDeletePlan } from '../api/plan-mutations';
import { planQueries } from '../api/plans-queries';
import { HELPDESK_WORDS, planButtons, planVmsInWords, runStatusWords } from '../lib/words';
import { DryRunPanel } from './dry-run-view';
import { RunPlanDialog } from './run-plan-dialog';

export const planHref = (id: string) => `/plans/${encodeURIComponent(id)}`;
export const runHref = (planId: string, operationId: string) =>
  `${planHref(planId)}/runs/${encodeURIComponent(operationId)}`;

export type PlanAsking =
  | { kind: 'delete'; plan: Plan }
  | { kind: 'dry-run'; plan: Plan }
  | { kind: 'run'; plan: Plan; direction: PlanDirection };

/** The plan's last run: "Start · Running · 3 min ago · View run". */
export function LastRun({ plan }: { plan: Plan }) {
  const r = plan.lastRun;
  if (!r) return <span className="text-muted">Not run yet</span>;
  const s = runStatusWords(r.status);
  return (
    <span className="inline-flex flex-wrap items-center gap-x-2 gap-y-1">
      <span className="font-medium">{PLAN_DIRECTION_WORDS[r.direction]}</span>
      <Pill tone={s.tone}>{s.label}</Pill>
      <span className="text-xs text-muted">
        by {r.by} <IsoTimeAgo iso={r.createdAt} />
      </span>
      <Link
        href={runHref(plan.id, r.operationId)}
        className="rounded-sm text-sm font-medium text-accent hover:underline"
      >
        {r.status === 'running' ? 'Watch the run' : 'View run'}
      </Link>
    </span>
  );
}

/** The run and change buttons of one plan, by permission (the card and the plan's page share them). */
export function PlanActions({
  plan,
  role,
  permissions,
  ask,
  dryRun = true,
}: {
  plan: Plan;
  role: Role;
  permissions: readonly Permission[];
  ask: (a: PlanAsking | { kind: 'edit'; plan: Plan }) => void;
  /** Offer "Dry run" (the plan's page shows it in place instead). */
  dryRun?: boolean;
}) {
  const may = planButtons(plan, { role, permissions });
  const running = plan.lastRun?.status === 'running';
  return (
    <span className="flex flex-wrap gap-1.5">
      {dryRun && (
        <Button size="sm" onClick={() => ask({ kind: 'dry-run', plan })}>
          Dry run
        </Button>
      )}
      {may.start && !running && (
        <Button size="sm" variant="primary" onClick={() => ask({ kind: 'run', plan, direction: 'start' })}>
          Start plan
        </Button>
      )}
      {may.shutdown && !running && (
        <Button size="sm" onClick={() => ask({ kind: 'run', plan, direction: 'shutdown' })}>
          Shut down plan
        </Button>
      )}
      {may.manage && (
        <>
          <Button size="sm" onClick={() => ask({ kind: 'edit', plan })}>
            Edit
          </Button>
          <Button size="sm" variant="danger-outline" onClick={() => ask({ kind: 'delete', plan })}>
            Delete
          </Button>
        </>
      )}
    </span>
  );
}

/** The dialog a plan's button opened: delete, dry run, or the run's confirmation. */
export function PlanDialog({
  asking,
  role,
  permissions,
  onClose,
  onDeleted,
}: {
  asking: PlanAsking | null;
  role: Role;
  permissions: readonly Permission[];
  onClose: () => void;
  onDeleted?: () => void;
}) {
  const [, navigate] = useLocation();
  const remove = useDeletePlan();
  const [direction, setDirection] = useState<PlanDirection>('start');
  if (!asking) return null;
  const p = asking.plan;
  switch (asking.kind) {
    case 'delete':
      return (
        <ConfirmDialog
          title={`Delete “${p.name}”?`}
          description={
            p.schedules.length > 0
              ? `Schedules run it (${p.schedules.map((s) => `“${s.name}”`).join(', ')}): Powerdeck refuses to delete it until they no longer do.`
              : 'It cannot be run again. Its past runs stay in the operations and the audit log.'
          }
          confirmLabel="Delete plan"
          danger
          onConfirm={async () => {
            await remove.mutateAsync(p.id);
            onDeleted?.();
          }}
          onClose={onClose}
        />
      );
    case 'dry-run':
      return (
        <Dialog onClose={onClose} title={`Dry run of “${p.name}”`} size="wide">
          <DryRunPanel planId={p.id} direction={direction} onDirectionChange={setDirection} />
        </Dialog>
      );
    case 'run':
      return (
        <RunPlanDialog
          plan={p}
          direction={asking.direction}
          role={role}
          permissions={permissions}
          onClose={onClose}
          onStarted={(op: Operation) => navigate(runHref(p.id, op.id))}
        />
      );
  }
}

function PlanCard({
  plan,
  role,
  permissions,
  ask,
}: {
  plan: Plan;
  role: Role;
  permissions: readonly Permission[];
  ask: (a: PlanAsking | { kind: 'edit'; plan: Plan }) => void;
}) {
  const headingId = useId();
  return (
    <li aria-labelledby={headingId} className="rounded-lg border border-line bg-panel p-4 shadow-xs">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <h3 id={headingId} className="min-w-0 truncate text-base font-semibold">
          <Link href={planHref(plan.id)} className="rounded-sm hover:underline">
            {plan.name}
          </Link>
        </h3>
        <Pill tone={plan.helpdesk === 'none' ? 'idle' : 'ok'}>{HELPDESK_WORDS[plan.helpdesk]}</Pill>
        <span className="ml-auto">
          <PlanActions plan={plan} role={role} permissions={permissions} ask={ask} />
        </span>
      </div>
      <p className="mt-1 text-sm">
        <span className="font-medium tabular-nums">{plural(plan.tiers.length, 'tier')}</span> ·{' '}
        {plan.tiers.map((t) => t.name).join(' → ')}
      </p>
      <dl className="mt-3 grid grid-cols-1 gap-x-6 gap-y-2.5 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_2fr]">
        <Fact label="VMs">
          <span className="tabular-nums">{planVmsInWords(plan.tiers)}</span>
          <span className="block text-xs text-muted">{plan.parallelism} at once per tier</span>
        </Fact>
        <Fact label="Schedules">
          {plan.schedules.length === 0 ? (
            <span className="text-muted">None</span>
          ) : (
            plan.schedules.map((s) => s.name).join(', ')
          )}
        </Fact>
        <Fact label="Last run">
          <LastRun plan={plan} />
        </Fact>
      </dl>
    </li>
  );
}

export interface PlansPageProps {
  role: Role;
  permissions: readonly Permission[];
}

export function PlansPage({ role, permissions }: PlansPageProps) {
  const [, navigate] = useLocation();
  const canManage = permissions.includes('plans:manage');
  const list = useQuery({ ...planQueries.list(), select: (d) => d.plans });
  const [asking, setAsking] = useState<PlanAsking | null>(null);
  const ask = (a: PlanAsking | { kind: 'edit'; plan: Plan }) =>
    a.kind === 'edit' ? navigate(`${planHref(a.plan.id)}/edit`) : setAsking(a);

  return (
    <Page
      title="Plans"
      width="wide"
      actions={
        canManage ? (
          <PageButton icon={Plus} onClick={() => navigate('/plans/new')}>
            New plan
          </PageButton>
        ) : undefined
      }
    >
      <p className="text-sm text-muted">
        A plan starts its tiers in order (each waits until the one before is up) and shuts them down in
        reverse.
      </p>
      <RefreshFailed query={list} />
      <ListState query={list} what="the plans" empty="No plans yet">
        {(items) => (
          <ul aria-label="Plans" className="space-y-3">
            {items.map((p) => (
              <PlanCard key={p.id} plan={p} role={role} permissions={permissions} ask={ask} />
            ))}
          </ul>
        )}
      </ListState>
      <PlanDialog asking={asking} role={role} permissions={permissions} onClose={() => setAsking(null)} />
    </Page>
  );
}
