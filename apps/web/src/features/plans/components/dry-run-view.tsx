// What a run of a plan would do now (POST /api/plans/:id/dry-run; nothing is sent): its summary and capacity
// line, and when the VMs to start do not fit on the nodes, the shortfall in the warning colour; then tier by tier
// in run order, each VM's outcome (a badge: starts, already running, skipped, not in the fleet, in an earlier tier)
// with the server's words. `DryRunPanel` asks for it in the direction chosen (both selectable); the run dialog
// shows one direction's.
import type { PlanDirection } from '@powerdeck/contracts/plan-terms';
import { PLAN_DIRECTION_WORDS, PLAN_DIRECTIONS } from '@powerdeck/contracts/plan-terms';
import type { DryRun } from '@powerdeck/contracts/plans';
import { useQuery } from '@tanstack/react-query';
import { TriangleAlert } from 'lucide-react';
import { useId } from 'react';
import { Button } from '../../../components/ui/button';
import { Radios } from '../../../components/ui/choice';
import { Pill } from '../../../components/ui/data-table';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { plural } from '../../../lib/format';
import { planQueries } from '../api/plans-queries';
import { dryRunOutcomeWords } from '../lib/words';

/** The shortfall, in the warning colour: the VMs to start do not all fit on the nodes' free room now. */
export function Shortfall({ text }: { text: string }) {
  return (
    <div className="flex gap-2 rounded-md border border-warn/50 bg-warn-soft px-3 py-2 text-sm text-warn">
      <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      <p>
        <span className="font-semibold">Does not fit:</span> {text}
      </p>
    </div>
  );
}

export function DryRunView({ dryRun }: { dryRun: DryRun }) {
  return (
    <div className="space-y-3">
      <p className="text-sm">
        <span className="font-medium tabular-nums">{dryRun.summary}</span>
        {dryRun.fleetAt && (
          <span className="text-xs text-muted">
            {' '}
            · fleet as of <IsoTimeAgo iso={dryRun.fleetAt} />
          </span>
        )}
      </p>
      {dryRun.fits === false && dryRun.shortfall && <Shortfall text={dryRun.shortfall} />}
      <ol aria-label="What each tier would do" className="space-y-2.5">
        {dryRun.tiers.map((t, i) => (
          <li
            key={t.index}
            aria-label={`${i + 1}. ${t.name}`}
            className="rounded-md border border-line bg-panel"
          >
            <div className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5 border-b border-line px-3 py-1.5">
              <span className="text-xs font-semibold text-muted tabular-nums">{i + 1}.</span>
              <span className="text-sm font-semibold">{t.name}</span>
              <span className="min-w-0 flex-1 text-xs text-muted">{t.summary}</span>
            </div>
            {t.vms.length === 0 ? (
              <p className="px-3 py-1.5 text-xs text-muted">No VMs</p>
            ) : (
              <ul className="max-h-56 divide-y divide-line overflow-y-auto text-sm">
                {t.vms.map((vm) => {
                  const w = dryRunOutcomeWords(vm.outcome, dryRun.direction);
                  return (
                    <li key={vm.key} className="flex flex-wrap items-center gap-x-3 gap-y-0.5 px-3 py-1">
                      <span className="min-w-0 font-medium break-all">{vm.name}</span>
                      <Pill tone={w.tone}>{w.label}</Pill>
                      {vm.detail && vm.detail !== w.label && (
                        <span className="min-w-0 flex-1 text-xs text-muted">{vm.detail}</span>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** One direction's dry run, asked for now: its answer, "Working it out…", or the server's refusal in place. */
export function DryRunQuery({ planId, direction }: { planId: string; direction: PlanDirection }) {
  const q = useQuery(planQueries.dryRun(planId, direction));
  const shown = q.data && q.data.direction === direction ? q.data : undefined;
  return (
    <div aria-live="polite" aria-busy={q.isFetching || undefined} className="space-y-2">
      {q.error && !shown ? (
        <div role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
          <p>Cannot work out the dry run: {q.error.message}</p>
          <Button size="sm" className="mt-2" onClick={() => void q.refetch()}>
            Try again
          </Button>
        </div>
      ) : shown ? (
        <DryRunView dryRun={shown} />
      ) : (
        <p className="text-sm text-muted">Working out what it would do…</p>
      )}
    </div>
  );
}

/** The dry run on a plan's page: both directions selectable, asked again on request (the fleet moves). */
export function DryRunPanel({
  planId,
  direction,
  onDirectionChange,
}: {
  planId: string;
  direction: PlanDirection;
  onDirectionChange: (d: PlanDirection) => void;
}) {
  const headingId = useId();
  const q = useQuery(planQueries.dryRun(planId, direction));
  return (
    <section
      aria-labelledby={headingId}
      className="space-y-3 rounded-lg border border-line bg-panel p-4 shadow-xs"
    >
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h3 id={headingId} className="text-base font-semibold">
          Dry run
        </h3>
        <fieldset>
          <legend className="sr-only">Direction</legend>
          <Radios
            value={direction}
            options={PLAN_DIRECTIONS}
            words={PLAN_DIRECTION_WORDS}
            onChange={onDirectionChange}
          />
        </fieldset>
        <Button
          size="sm"
          variant="ghost"
          className="ml-auto"
          loading={q.isFetching}
          onClick={() => void q.refetch()}
        >
          Check again
        </Button>
      </div>
      <p className="text-xs text-muted">
        What {direction === 'start' ? 'starting' : 'shutting down'} the plan would do now, tier by tier;
        nothing is sent.{' '}
        {q.data && q.data.direction === direction && `${plural(q.data.acts, 'VM')} would be acted on.`}
      </p>
      <DryRunQuery planId={planId} direction={direction} />
    </section>
  );
}
