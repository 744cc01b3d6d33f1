// Create or edit a schedule: name, action (a shut down may force off after N s), targets (chosen VMs, a filter
// in the fleet filter language with the VMs it matches now, or a power plan: started or shut down only, its tiers
// saying how long to wait and whether to force off), when (daily, weekdays, weekly on chosen days, once,
// cron), the time zone (default: the server's), grace minutes, exclusion dates and enabled; beside it the preview
// of the next runs in both zones. Problems show by their fields once the person has tried to save; the server's
// refusal shows in place, and nothing typed is lost.
import {
  GRACE_MINUTES,
  MAX_CRON_LENGTH,
  MAX_SCHEDULE_NAME,
  SCHEDULE_ACTION_WORDS,
  SCHEDULE_ACTIONS,
  WEEKDAY_NAMES,
  WHEN_KINDS,
  type WhenKind,
} from '@powerdeck/contracts/schedule-terms';
import type { Schedule } from '@powerdeck/contracts/schedules';
import { useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { Choice } from '../../../components/ui/choice';
import { Field, fieldAria, INPUT, SelectField, TextField } from '../../../components/ui/field';
import { ForceAfterField } from '../../../components/ui/force-after-field';
import { FilterField } from '../../../components/ui/filter-field';
import { FormDialog } from '../../../components/ui/form-dialog';
import { useCreateSchedule, useUpdateSchedule } from '../api/schedule-mutations';
import { useSchedulePreview } from '../api/use-preview';
import {
  draftFromSchedule,
  draftProblems,
  EMPTY_DRAFT,
  PLAN_ACTIONS,
  previewBody,
  scheduleBody,
  type ScheduleDraft,
} from '../lib/draft';
import type { PickableVm } from '../../../lib/vm-targets';
import { timeZones } from '../lib/zones';
import { SchedulePreview } from './schedule-preview';
import { VmPicker } from '../../../components/ui/vm-picker';

const WHEN_WORDS: Readonly<Record<WhenKind, string>> = {
  daily: 'Daily',
  weekdays: 'Weekdays',
  weekly: 'Weekly',
  once: 'Once',
  cron: 'Cron',
};
/** Monday first. */
const WEEK = [1, 2, 3, 4, 5, 6, 0] as const;

function Problem({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p id={id} className="text-xs text-bad">
      {children}
    </p>
  );
}

/** A power plan a schedule may run: its id and name. */
export interface PlanChoice {
  id: string;
  name: string;
}

/** The plan a schedule runs: its tiers say how long to wait and whether to force off. */
function PlanSelect({
  id,
  value,
  plans,
  onChange,
  problem,
}: {
  id: string;
  value: string;
  plans: readonly PlanChoice[] | undefined;
  onChange: (id: string) => void;
  problem: string | undefined;
}) {
  const known = plans?.some((p) => p.id === value) ?? false;
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium">
        Plan
      </label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...fieldAria(id, problem, `${id}-hint`)}
        className={INPUT}
      >
        <option value="">{plans === undefined ? 'Loading the plans…' : 'Choose a plan…'}</option>
        {value && !known && (
          <option value={value}>{plans === undefined ? value : `Unknown plan (${value})`}</option>
        )}
        {plans?.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} className="text-xs text-muted">
        {plans?.length === 0
          ? 'There are no plans yet: make one on the Plans page.'
          : 'Its tiers run in order (in reverse to shut down); each tier says how long to wait and whether to force off.'}
      </p>
    </div>
  );
}

export interface ScheduleFormDialogProps {
  /** The schedule to edit; absent: a new one. */
  schedule?: Schedule | undefined;
  /** The fleet snapshot's VMs (to choose from and to match the filter against). */
  vms: readonly PickableVm[];
  /** The power plans a schedule may run (undefined while they load, or when they cannot be read). */
  plans?: readonly PlanChoice[] | undefined;
  onClose: () => void;
}

export function ScheduleFormDialog({ schedule, vms, plans, onClose }: ScheduleFormDialogProps) {
  const id = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const [draft, setDraft] = useState<ScheduleDraft>(() =>
    schedule ? draftFromSchedule(schedule) : EMPTY_DRAFT,
  );
  const [tried, setTried] = useState(false);
  const [exclusion, setExclusion] = useState('');
  const create = useCreateSchedule();
  const update = useUpdateSchedule();
  const request = schedule ? update : create;
  const set = <K extends keyof ScheduleDraft>(key: K, value: ScheduleDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));

  const problems = tried ? draftProblems(draft) : {};
  const { query: preview, waiting, incomplete } = useSchedulePreview(previewBody(draft));
  const zones = useMemo(() => timeZones(schedule ? [schedule.timeZone] : []), [schedule]);
  // The server's zone, once a preview of a draft naming none has said it.
  const serverZone =
    !draft.timeZone && preview.data && !preview.isPlaceholderData ? preview.data.timeZone : null;

  function submit() {
    setTried(true);
    if (Object.keys(draftProblems(draft)).length > 0) return;
    const body = scheduleBody(draft);
    const done = { onSuccess: onClose };
    if (schedule) update.mutate({ id: schedule.id, body }, done);
    else create.mutate(body, done);
  }

  // Where each problem is shown: under the control it is about (fieldAria names them `<control id>-problem`).
  const targetsProblemId =
    draft.targetKind === 'filter'
      ? `${id}-filter-problem`
      : draft.targetKind === 'plan'
        ? `${id}-plan-problem`
        : `${id}-vms-problem`;
  const forPlan = draft.targetKind === 'plan';
  const whenProblemId = draft.whenKind === 'cron' ? `${id}-cron-problem` : `${id}-time-problem`;
  return (
    <FormDialog
      title={schedule ? `Edit “${schedule.name}”` : 'New schedule'}
      initialFocus={nameRef}
      submitLabel={schedule ? 'Save schedule' : 'Create schedule'}
      request={request}
      onSubmit={submit}
      onClose={onClose}
      size="wide"
    >
      <TextField
        ref={nameRef}
        id={`${id}-name`}
        label="Name"
        value={draft.name}
        onChange={(v) => set('name', v)}
        maxLength={MAX_SCHEDULE_NAME}
        placeholder="Office hours"
        problem={problems.name}
      />
      <SelectField
        id={`${id}-action`}
        label="Action"
        value={draft.action}
        options={forPlan ? PLAN_ACTIONS : SCHEDULE_ACTIONS}
        optionLabel={(a) => SCHEDULE_ACTION_WORDS[a]}
        onChange={(v) => set('action', v)}
      />
      {draft.action === 'shutdown' && !forPlan && (
        <ForceAfterField
          checked={draft.forceAfter}
          onCheckedChange={(v) => set('forceAfter', v)}
          seconds={draft.forceAfterSeconds}
          onSecondsChange={(v) => set('forceAfterSeconds', v)}
        />
      )}

      <div className="space-y-2 rounded-md border border-line px-3 py-2.5">
        <Choice
          legend="Targets"
          value={draft.targetKind}
          options={['vms', 'filter', 'plan'] as const}
          words={{ vms: 'Chosen VMs', filter: 'A filter', plan: 'A power plan' }}
          disabled={{ plan: !PLAN_ACTIONS.includes(draft.action) }}
          onChange={(v) => set('targetKind', v)}
        />
        {!PLAN_ACTIONS.includes(draft.action) && (
          <p className="text-xs text-muted">
            A power plan can be started or shut down, not rebooted or forced off.
          </p>
        )}
        {draft.targetKind === 'plan' ? (
          <PlanSelect
            id={`${id}-plan`}
            value={draft.plan}
            plans={plans}
            onChange={(v) => set('plan', v)}
            problem={problems.targets}
          />
        ) : draft.targetKind === 'vms' ? (
          <VmPicker
            vms={vms}
            chosen={draft.vms}
            onChange={(keys) => set('vms', keys)}
            problemId={problems.targets ? targetsProblemId : undefined}
          />
        ) : (
          <FilterField
            id={`${id}-filter`}
            value={draft.filter}
            onChange={(v) => set('filter', v)}
            vms={vms}
            placeholder="lab status:running node:node1"
            problem={problems.targets}
          />
        )}
        {problems.targets && <Problem id={targetsProblemId}>{problems.targets}</Problem>}
      </div>

      <div className="space-y-2 rounded-md border border-line px-3 py-2.5">
        <Choice
          legend="Repeats"
          value={draft.whenKind}
          options={WHEN_KINDS}
          words={WHEN_WORDS}
          onChange={(v) => set('whenKind', v)}
        />
        {draft.whenKind === 'weekly' && (
          <div role="group" aria-label="Days" className="flex flex-wrap gap-1">
            {WEEK.map((d) => {
              const on = draft.days.includes(d);
              return (
                <Button
                  key={d}
                  size="sm"
                  variant={on ? 'primary' : 'secondary'}
                  aria-pressed={on}
                  aria-label={WEEKDAY_NAMES[d]}
                  onClick={() => set('days', on ? draft.days.filter((x) => x !== d) : [...draft.days, d])}
                >
                  {WEEKDAY_NAMES[d].slice(0, 3)}
                </Button>
              );
            })}
          </div>
        )}
        <div className="flex flex-wrap gap-3">
          {draft.whenKind === 'once' && (
            <Field id={`${id}-date`} label="Date">
              <input
                id={`${id}-date`}
                type="date"
                value={draft.date}
                onChange={(e) => set('date', e.target.value)}
                className={`${INPUT} w-40 tabular-nums`}
              />
            </Field>
          )}
          {draft.whenKind === 'cron' ? (
            <div className="min-w-0 flex-1">
              <Field id={`${id}-cron`} label="Cron expression">
                <input
                  id={`${id}-cron`}
                  type="text"
                  value={draft.expression}
                  onChange={(e) => set('expression', e.target.value)}
                  maxLength={MAX_CRON_LENGTH}
                  placeholder="0 2 * * 6"
                  {...fieldAria(`${id}-cron`, problems.when, `${id}-cron-hint`)}
                  className={`${INPUT} font-mono`}
                />
              </Field>
              <p id={`${id}-cron-hint`} className="mt-1 text-xs text-muted">
                minute hour day-of-month month day-of-week
              </p>
            </div>
          ) : (
            <Field id={`${id}-time`} label="Time">
              <input
                id={`${id}-time`}
                type="time"
                value={draft.time}
                onChange={(e) => set('time', e.target.value)}
                {...fieldAria(`${id}-time`, problems.when)}
                className={`${INPUT} w-32 tabular-nums`}
              />
            </Field>
          )}
          <div className="min-w-48 flex-1">
            <Field id={`${id}-zone`} label="Time zone">
              <select
                id={`${id}-zone`}
                value={draft.timeZone}
                onChange={(e) => set('timeZone', e.target.value)}
                className={INPUT}
              >
                <option value="">{serverZone ? `The server's (${serverZone})` : "The server's"}</option>
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        </div>
        {problems.when && <Problem id={whenProblemId}>{problems.when}</Problem>}
      </div>

      <SchedulePreview
        preview={incomplete ? undefined : preview.data}
        error={incomplete ? null : preview.error}
        incomplete={incomplete}
        busy={waiting || preview.isFetching}
      />

      <div className="flex flex-wrap items-start gap-3">
        <div className="w-40">
          <TextField
            id={`${id}-grace`}
            label="Grace minutes"
            inputMode="numeric"
            value={draft.grace}
            onChange={(v) => set('grace', v)}
            placeholder={String(GRACE_MINUTES.default)}
            problem={problems.grace}
          />
        </div>
        <p className="mt-7 min-w-0 flex-1 text-xs text-muted">
          If Powerdeck was down at the time, a run still starts this late; later, it is recorded as missed.
        </p>
      </div>

      <fieldset className="space-y-1.5">
        <legend className="text-sm font-medium">Exclusion dates</legend>
        <div className="flex gap-2">
          <label htmlFor={`${id}-exclusion`} className="sr-only">
            Date to exclude
          </label>
          <input
            id={`${id}-exclusion`}
            type="date"
            value={exclusion}
            onChange={(e) => setExclusion(e.target.value)}
            className={`${INPUT} w-40 tabular-nums`}
          />
          <Button
            disabled={!exclusion || draft.exclusions.includes(exclusion)}
            onClick={() => {
              set('exclusions', [...draft.exclusions, exclusion].sort());
              setExclusion('');
            }}
          >
            Add date
          </Button>
        </div>
        {draft.exclusions.length > 0 && (
          <ul aria-label="Exclusion dates" className="flex flex-wrap gap-1.5">
            {draft.exclusions.map((d) => (
              <li
                key={d}
                className="inline-flex items-center gap-1 rounded-full bg-sunken py-0.5 pr-1 pl-2.5 text-xs tabular-nums"
              >
                {d}
                <Button
                  size="sm"
                  variant="ghost"
                  className="h-5 px-1.5"
                  aria-label={`Remove ${d}`}
                  onClick={() =>
                    set(
                      'exclusions',
                      draft.exclusions.filter((x) => x !== d),
                    )
                  }
                >
                  ×
                </Button>
              </li>
            ))}
          </ul>
        )}
      </fieldset>

      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={draft.enabled}
          onChange={(e) => set('enabled', e.target.checked)}
          className="size-4 accent-accent"
        />
        Enabled
      </label>
    </FormDialog>
  );
}
