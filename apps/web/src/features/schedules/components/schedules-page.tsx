// The Schedules page (`/schedules`, everyone who may see the fleet): every schedule with its action, targets and
// time in words, its next run (in its zone, relative, the viewer's time on hover), whether it is enabled or paused
// (by whom, why), the upcoming runs someone skipped, what it frees or needs, and how its last run went; below, the
// history of runs. Buttons by permission: New schedule / Edit / Delete (schedules:manage), Skip next run / Pause /
// Resume and Unskip (schedules:skip, each asking why).
import type { Permission } from '@powerdeck/contracts/roles';
import type { Schedule, ScheduleRun } from '@powerdeck/contracts/schedules';
import { useQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { useCallback, useId, useMemo, useState } from 'react';
import { Link } from 'wouter';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { DataTable, Pill, TD } from '../../../components/ui/data-table';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { Fact } from '../../../components/ui/fact';
import { ListState, RefreshFailed } from '../../../components/ui/list-state';
import { Page, PageButton } from '../../../components/ui/page';
import {
  useDeleteSchedule,
  usePauseSchedule,
  useResumeSchedule,
  useSkipRun,
  useUnskipRun,
} from '../api/schedule-mutations';
import { scheduleQueries } from '../api/schedules-queries';
import type { PickableVm } from '../../../lib/vm-targets';
import { actionInWords, RUN_OUTCOME_WORDS, scheduleState, targetsInWords, whenInWords } from '../lib/words';
import { zonedDateTime } from '../lib/zones';
import { ReasonDialog } from './reason-dialog';
import { ScheduleFormDialog, type PlanChoice } from './schedule-form-dialog';
import { ZonedTime } from './zoned-time';

type Asking =
  | { kind: 'edit'; schedule?: Schedule }
  | { kind: 'delete' | 'skip' | 'pause' | 'resume'; schedule: Schedule }
  | { kind: 'unskip'; schedule: Schedule; at: string };

function ScheduleCard({
  s,
  canManage,
  canSkip,
  ask,
  planName,
}: {
  s: Schedule;
  canManage: boolean;
  canSkip: boolean;
  ask: (a: Asking) => void;
  planName: (id: string) => string | undefined;
}) {
  const headingId = useId();
  const state = scheduleState(s);
  const excluded = s.upcoming.filter((u) => u.excluded);
  return (
    <li aria-labelledby={headingId} className="rounded-lg border border-line bg-panel p-4 shadow-xs">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <h3 id={headingId} className="min-w-0 truncate text-base font-semibold">
          {s.name}
        </h3>
        <Pill tone={state.tone}>{state.label}</Pill>
        <span className="ml-auto flex flex-wrap gap-1.5">
          {canSkip && s.next && (
            <Button size="sm" onClick={() => ask({ kind: 'skip', schedule: s })}>
              Skip next run
            </Button>
          )}
          {canSkip &&
            (s.paused ? (
              <Button size="sm" onClick={() => ask({ kind: 'resume', schedule: s })}>
                Resume
              </Button>
            ) : (
              <Button size="sm" onClick={() => ask({ kind: 'pause', schedule: s })}>
                Pause
              </Button>
            ))}
          {canManage && (
            <>
              <Button size="sm" onClick={() => ask({ kind: 'edit', schedule: s })}>
                Edit
              </Button>
              <Button size="sm" variant="danger-outline" onClick={() => ask({ kind: 'delete', schedule: s })}>
                Delete
              </Button>
            </>
          )}
        </span>
      </div>
      <p className="mt-1 text-sm">
        <span className="font-medium">{actionInWords(s)}</span> · {targetsInWords(s.targets, planName)} ·{' '}
        {whenInWords(s.when, s.timeZone)}
      </p>
      {s.paused && (
        <p className="mt-2 rounded-md bg-warn-soft px-2.5 py-1.5 text-sm text-warn">
          Paused by {s.paused.by} <IsoTimeAgo iso={s.paused.at} />: “{s.paused.reason}”
        </p>
      )}
      <dl className="mt-3 grid grid-cols-1 gap-x-6 gap-y-2.5 sm:grid-cols-2 lg:grid-cols-4">
        <Fact label="Next run">
          {s.next ? (
            <ZonedTime iso={s.next} zone={s.timeZone} />
          ) : (
            <span className="text-muted">
              {s.paused ? 'None while paused' : !s.enabled ? 'None while disabled' : 'None'}
            </span>
          )}
        </Fact>
        <Fact label="Capacity">
          <span className="tabular-nums">{s.capacity.summary}</span>
          {s.capacity.fits === false && <span className="block text-xs text-warn">Does not fit now</span>}
        </Fact>
        <Fact label="Last run">
          {s.lastRun ? (
            <>
              <Pill tone={RUN_OUTCOME_WORDS[s.lastRun.outcome].tone}>
                {RUN_OUTCOME_WORDS[s.lastRun.outcome].label}
              </Pill>{' '}
              <span className="text-xs text-muted">
                <IsoTimeAgo iso={s.lastRun.scheduledFor} />
              </span>
              <span className="block text-xs text-muted">{s.lastRun.detail}</span>
            </>
          ) : (
            <span className="text-muted">Not run yet</span>
          )}
        </Fact>
        <Fact label="Owner">
          {s.owner}
          {s.exclusions.length > 0 && (
            <span className="block text-xs text-muted">
              {s.exclusions.length} exclusion {s.exclusions.length === 1 ? 'date' : 'dates'}
            </span>
          )}
        </Fact>
      </dl>
      {(s.skips.length > 0 || excluded.length > 0) && (
        <ul aria-label={`Runs of ${s.name} that will not happen`} className="mt-3 space-y-1 text-sm">
          {s.skips.map((k) => (
            <li key={k.at} className="flex flex-wrap items-center gap-x-2 text-muted">
              <span>
                Skipped{' '}
                <span className="text-ink tabular-nums">{zonedDateTime(Date.parse(k.at), s.timeZone)}</span>{' '}
                by {k.by}: “{k.reason}”
              </span>
              {canSkip && (
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Unskip the run at ${zonedDateTime(Date.parse(k.at), s.timeZone)}`}
                  onClick={() => ask({ kind: 'unskip', schedule: s, at: k.at })}
                >
                  Unskip
                </Button>
              )}
            </li>
          ))}
          {excluded.map((u) => (
            <li key={u.at} className="text-muted">
              Not on{' '}
              <span className="text-ink tabular-nums">{zonedDateTime(Date.parse(u.at), s.timeZone)}</span>{' '}
              (exclusion date)
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

const RUN_COLUMNS = ['Scheduled for', 'Schedule', 'Outcome', 'What happened', ''] as const;

function RunRow({ run }: { run: ScheduleRun }) {
  const words = RUN_OUTCOME_WORDS[run.outcome];
  return (
    <tr className="hover:bg-sunken/60">
      <td className={`${TD} whitespace-nowrap`}>
        <IsoTimeAgo iso={run.scheduledFor} />
      </td>
      <td className={`${TD} font-medium`}>{run.scheduleName}</td>
      <td className={TD}>
        <Pill tone={words.tone}>{words.label}</Pill>
      </td>
      <td className={`${TD} text-muted`}>{run.detail}</td>
      <td className={`${TD} text-right whitespace-nowrap`}>
        {run.operationId && (
          <Link
            href="/operations"
            title={`Operation ${run.operationId}`}
            className="rounded-sm text-sm font-medium text-accent hover:underline"
          >
            Operation
          </Link>
        )}
      </td>
    </tr>
  );
}

function RunHistory() {
  const headingId = useId();
  const runs = useQuery({ ...scheduleQueries.runs(), select: (d) => d.runs });
  return (
    <section aria-labelledby={headingId} className="space-y-3 pt-2">
      <h3 id={headingId} className="text-base font-semibold">
        History of runs
      </h3>
      <ListState query={runs} what="the runs" empty="No runs yet">
        {(items) => (
          <DataTable label="Runs" columns={RUN_COLUMNS} minWidth="44rem">
            {items.map((run) => (
              <RunRow key={run.id} run={run} />
            ))}
          </DataTable>
        )}
      </ListState>
    </section>
  );
}

export interface SchedulesPageProps {
  permissions: readonly Permission[];
  /** The fleet snapshot's VMs, for the form. */
  vms: readonly PickableVm[];
  /** The power plans (a schedule may run one), undefined while they load. */
  plans?: readonly PlanChoice[] | undefined;
}

export function SchedulesPage({ permissions, vms, plans }: SchedulesPageProps) {
  const canManage = permissions.includes('schedules:manage');
  const canSkip = permissions.includes('schedules:skip');
  const list = useQuery({ ...scheduleQueries.list(), select: (d) => d.schedules });
  const planNames = useMemo(() => new Map(plans?.map((p) => [p.id, p.name])), [plans]);
  const planName = useCallback((id: string) => planNames.get(id), [planNames]);
  const [asking, setAsking] = useState<Asking | null>(null);
  const close = () => setAsking(null);
  const remove = useDeleteSchedule();
  const skip = useSkipRun();
  const unskip = useUnskipRun();
  const pause = usePauseSchedule();
  const resume = useResumeSchedule();

  let dialog = null;
  if (asking?.kind === 'edit') {
    dialog = <ScheduleFormDialog schedule={asking.schedule} vms={vms} plans={plans} onClose={close} />;
  } else if (asking?.kind === 'delete') {
    const s = asking.schedule;
    dialog = (
      <ConfirmDialog
        title={`Delete “${s.name}”?`}
        description="It will not run again. Its history of runs stays."
        confirmLabel="Delete schedule"
        danger
        onConfirm={() => remove.mutateAsync(s.id)}
        onClose={close}
      />
    );
  } else if (asking?.kind === 'skip' && asking.schedule.next) {
    const s = asking.schedule;
    const at = asking.schedule.next;
    dialog = (
      <ReasonDialog
        title={`Skip the run of “${s.name}” at ${zonedDateTime(Date.parse(at), s.timeZone)}?`}
        description={`Only this run is skipped (${s.timeZone}); the schedule runs again at its next time.`}
        confirmLabel="Skip run"
        onConfirm={(reason) => skip.mutateAsync({ id: s.id, at, reason })}
        onClose={close}
      />
    );
  } else if (asking?.kind === 'unskip') {
    const { schedule: s, at } = asking;
    dialog = (
      <ConfirmDialog
        title={`Run “${s.name}” at ${zonedDateTime(Date.parse(at), s.timeZone)} after all?`}
        description="The skip is taken back; the run happens at its time."
        confirmLabel="Unskip"
        onConfirm={() => unskip.mutateAsync({ id: s.id, at })}
        onClose={close}
      />
    );
  } else if (asking?.kind === 'pause' || asking?.kind === 'resume') {
    const s = asking.schedule;
    const pausing = asking.kind === 'pause';
    dialog = (
      <ReasonDialog
        title={pausing ? `Pause “${s.name}”?` : `Resume “${s.name}”?`}
        description={
          pausing
            ? 'It does not run until someone resumes it; runs due meanwhile are not made up.'
            : 'It runs again from its next time.'
        }
        confirmLabel={pausing ? 'Pause schedule' : 'Resume schedule'}
        onConfirm={(reason) => (pausing ? pause : resume).mutateAsync({ id: s.id, reason })}
        onClose={close}
      />
    );
  }

  return (
    <Page
      title="Schedules"
      width="wide"
      actions={
        canManage ? (
          <PageButton icon={Plus} onClick={() => setAsking({ kind: 'edit' })}>
            New schedule
          </PageButton>
        ) : undefined
      }
    >
      <RefreshFailed query={list} />
      <ListState query={list} what="the schedules" empty="No schedules yet">
        {(items) => (
          <ul aria-label="Schedules" className="space-y-3">
            {items.map((s) => (
              <ScheduleCard
                key={s.id}
                s={s}
                canManage={canManage}
                canSkip={canSkip}
                ask={setAsking}
                planName={planName}
              />
            ))}
          </ul>
        )}
      </ListState>
      <RunHistory />
      {dialog}
    </Page>
  );
}
