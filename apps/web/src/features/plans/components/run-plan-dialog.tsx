// Starting or shutting down a plan: the confirmation shows the dry run first (tier by tier, in run order), then the
// `Reason` (required for help desk shutting down, as every shut down dialog; optional otherwise), and when the VMs
// to start do not fit on the nodes, the shortfall and an explicit "Start anyway" in place of "Start plan" (sent as
// `evenIfShort`; VergeOS then refuses those without room). The confirm button waits for the dry run. The server
// answers 201 with the run's operation (`onStarted`); a refusal shows in place (409: a run of it is running; 422
// `does_not_fit`: it stopped fitting since the dry run, so the shortfall shows and "Start anyway" is offered).
import type { Operation } from '@powerdeck/contracts/operations';
import { PLAN_DIRECTION_WORDS, type PlanDirection } from '@powerdeck/contracts/plan-terms';
import type { Plan } from '@powerdeck/contracts/plans';
import { reasonRequired, type Permission, type Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Dialog } from '../../../components/ui/dialog';
import { ReasonField } from '../../../components/ui/reason-field';
import { ApiError, NetworkError } from '../../../lib/api-client';
import { plural } from '../../../lib/format';
import { useRunPlan } from '../api/plan-mutations';
import { planQueries } from '../api/plans-queries';
import { DryRunQuery, Shortfall } from './dry-run-view';

/** A refused or unanswered run, in words. */
export function runErrorText(error: unknown, direction: PlanDirection): string {
  const what = direction === 'start' ? 'start the plan' : 'shut the plan down';
  if (error instanceof NetworkError) {
    return `Could not ${what}: no answer from Powerdeck (${error.message}). Check its runs before trying again.`;
  }
  return `Could not ${what}: ${error instanceof Error ? error.message : String(error)}`;
}

/** The server's 422 for a start that does not fit (other 422s, a plan with too many VMs, are refusals to show). */
const isShortRefusal = (e: unknown): e is ApiError =>
  e instanceof ApiError && e.status === 422 && e.code === 'does_not_fit';

export function RunPlanDialog({
  plan,
  direction,
  role,
  permissions,
  onClose,
  onStarted,
}: {
  plan: Plan;
  direction: PlanDirection;
  role: Role;
  permissions: readonly Permission[];
  onClose: () => void;
  onStarted: (op: Operation) => void;
}) {
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  // The server said it does not fit (422) although the dry run said it did: its words.
  const [refusedShort, setRefusedShort] = useState<string | null>(null);
  const run = useRunPlan();
  const dry = useQuery(planQueries.dryRun(plan.id, direction));
  const dryRun = dry.data?.direction === direction ? dry.data : undefined;
  const starting = direction === 'start';
  const required = !starting && reasonRequired(role, permissions);
  const short = starting && (dryRun?.fits === false || refusedShort !== null);
  const words = PLAN_DIRECTION_WORDS[direction];
  const missingReason = required && !reason.trim();

  function confirm() {
    setTried(true);
    if (missingReason) {
      reasonRef.current?.focus();
      return;
    }
    const why = reason.trim();
    run.mutate(
      { id: plan.id, direction, ...(why ? { reason: why } : {}), ...(short ? { evenIfShort: true } : {}) },
      {
        onSuccess: onStarted,
        onError: (e) => {
          if (isShortRefusal(e)) setRefusedShort(e.message);
        },
      },
    );
  }

  const tiers = plan.tiers.length;
  return (
    <Dialog
      onClose={onClose}
      title={`${words} “${plan.name}”?`}
      description={
        starting
          ? `Its ${plural(tiers, 'tier')} start in order, each after the one before is up.`
          : `Its ${plural(tiers, 'tier')} shut down in reverse order, the last tier first.`
      }
      tone={starting ? 'default' : 'danger'}
      size="wide"
      {...(required ? { initialFocus: reasonRef } : {})}
      actions={{
        confirmLabel: short ? 'Start anyway' : `${words} plan`,
        loading: run.isPending,
        disabled: dryRun === undefined && !dry.isError,
        onConfirm: confirm,
      }}
    >
      <DryRunQuery planId={plan.id} direction={direction} />
      {refusedShort && dryRun?.fits !== false && <Shortfall text={refusedShort} />}
      {short && (
        <p className="text-sm">
          <span className="font-medium">Start anyway</span> starts the plan all the same: VergeOS refuses the
          VMs it has no room for, and their tiers go as their “on failure” setting says.
        </p>
      )}
      <ReasonField ref={reasonRef} required={required} value={reason} onChange={setReason} />
      {tried && missingReason && (
        <p role="alert" className="text-xs text-bad">
          Say why: help desk gives a reason for every shut down.
        </p>
      )}
      {run.error && !isShortRefusal(run.error) && (
        <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
          {runErrorText(run.error, direction)}
        </p>
      )}
    </Dialog>
  );
}
