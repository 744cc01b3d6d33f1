// The plan editor (`/plans/new`, `/plans/:id/edit`; plans:manage): the plan's name, the help-desk mark, how many
// VMs of a tier at once, and its tiers in order (add, remove, rename, move up and down; each a TierCard). VMs move
// between tiers by dragging (dnd-kit: a pointer, or the keyboard: Space picks a VM up, the arrow keys go from tier
// to tier, Space drops; a screen reader is told each step) or with each VM's "Move to tier" list. Problems (the
// server's own rules, lib/draft.ts) show by their fields once the person has tried to save, with a count above the
// button; the server's refusal shows in place, and nothing typed is lost. Saved, it goes to the plan's page.
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
} from '@dnd-kit/core';
import { PARALLELISM } from '@powerdeck/contracts/operation-terms';
import { HELPDESK_RUN, MAX_PLAN_NAME, MAX_TIERS } from '@powerdeck/contracts/plan-terms';
import type { Plan } from '@powerdeck/contracts/plans';
import { useQuery } from '@tanstack/react-query';
import { ArrowLeft, GripVertical, Plus } from 'lucide-react';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { Button } from '../../../components/ui/button';
import { Choice } from '../../../components/ui/choice';
import { LoadError } from '../../../components/ui/data-table';
import { FormError, TextField } from '../../../components/ui/field';
import type { PickableVm } from '../../../lib/vm-targets';
import { useCreatePlan, useUpdatePlan } from '../api/plan-mutations';
import { planQueries } from '../api/plans-queries';
import {
  addTier,
  chooseVms,
  draftFromPlan,
  draftProblems,
  emptyDraft,
  hasProblems,
  moveTier,
  moveVm,
  planBody,
  problemCount,
  removeTier,
  tierOfVm,
  updateTier,
  type PlanDraft,
} from '../lib/draft';
import { DRAG_INSTRUCTIONS, dragWords, nextDropZone } from '../lib/drag';
import { HELPDESK_CHOICES } from '../lib/words';
import { planHref } from './plans-page';
import { TierCard, type DragData, type TierChoice } from './tier-card';

const PAGE = 'mx-auto w-full max-w-6xl space-y-4 px-4 py-5 sm:px-6';

// A pointer picks up what moved a few pixels (a click on a chip's buttons stays a click); then the zone under it.
const collisions: CollisionDetection = (args) => {
  const under = pointerWithin(args);
  return under.length > 0 ? under : rectIntersection(args);
};

const dragData = (x: { data: { current?: unknown } } | null): DragData | undefined =>
  x?.data.current as DragData | undefined;
const zoneLabel = (x: { data: { current?: unknown } } | null): string | null =>
  (x?.data.current as { label?: string } | undefined)?.label ?? null;

export interface PlanEditorProps {
  /** The plan to edit; absent: a new one. */
  plan?: Plan | undefined;
  vms: readonly PickableVm[];
}

export function PlanEditor({ plan, vms }: PlanEditorProps) {
  const id = useId();
  const headingId = useId();
  const [, navigate] = useLocation();
  const [draft, setDraft] = useState<PlanDraft>(() => (plan ? draftFromPlan(plan) : emptyDraft()));
  const [tried, setTried] = useState(false);
  // Each refused save takes the person to its first problem (the first invalid field, or the first problem's words).
  const [attempts, setAttempts] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (attempts === 0) return;
    const form = formRef.current;
    const field = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (field) field.focus();
    else form?.querySelector('[data-problem]')?.scrollIntoView?.({ block: 'center' });
  }, [attempts]);
  const [dragging, setDragging] = useState<DragData | null>(null);
  const create = useCreatePlan();
  const update = useUpdatePlan();
  const request = plan ? update : create;

  const names = useMemo(() => new Map(vms.map((v) => [v.key, v.name])), [vms]);
  const tierOf = useMemo(() => tierOfVm(draft), [draft]);
  const problems = tried ? draftProblems(draft) : null;
  const choices: TierChoice[] = draft.tiers.map((t, i) => ({
    id: t.id,
    label: `${i + 1}. ${t.name.trim() || 'unnamed'}`,
    takesVms: t.targetKind === 'vms',
  }));

  // The keyboard goes from drop zone to drop zone (the tiers that choose VMs), in the plan's order.
  const zones = useRef<string[]>([]);
  zones.current = choices.filter((c) => c.takesVms).map((c) => c.id);
  const coordinateGetter: KeyboardCoordinateGetter = (event, { context, currentCoordinates }) => {
    const current = context.over ? String(context.over.id) : (dragData(context.active)?.from ?? null);
    const next = nextDropZone(zones.current, current, event.code);
    if (next === null) return currentCoordinates;
    const rect = context.droppableRects.get(next);
    if (!rect) return currentCoordinates;
    event.preventDefault();
    return { x: rect.left + 8, y: rect.top + 8 };
  };
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter }),
  );
  const announcements: Announcements = {
    onDragStart: ({ active }) => {
      const d = dragData(active);
      return d && dragWords({ vm: d.name, from: tierLabel(d.from), over: null }).start;
    },
    onDragOver: ({ active, over }) => {
      const d = dragData(active);
      return d && dragWords({ vm: d.name, from: tierLabel(d.from), over: zoneLabel(over) }).over;
    },
    onDragEnd: ({ active, over }) => {
      const d = dragData(active);
      return d && dragWords({ vm: d.name, from: tierLabel(d.from), over: zoneLabel(over) }).end;
    },
    onDragCancel: ({ active }) => {
      const d = dragData(active);
      return d && dragWords({ vm: d.name, from: tierLabel(d.from), over: null }).cancel;
    },
  };
  function tierLabel(tierId: string): string {
    const i = draft.tiers.findIndex((t) => t.id === tierId);
    return i < 0 ? 'its tier' : `tier ${i + 1}, ${draft.tiers[i]?.name.trim() || 'unnamed'}`;
  }

  function onDragStart(e: DragStartEvent) {
    setDragging(dragData(e.active) ?? null);
  }
  function onDragEnd(e: DragEndEvent) {
    setDragging(null);
    const d = dragData(e.active);
    if (d && e.over && String(e.over.id) !== d.from) setDraft((x) => moveVm(x, d.key, String(e.over?.id)));
  }

  function save() {
    setTried(true);
    if (hasProblems(draftProblems(draft))) {
      setAttempts((n) => n + 1);
      return;
    }
    const body = planBody(draft);
    const done = { onSuccess: (p: Plan) => navigate(planHref(p.id)) };
    if (plan) update.mutate({ id: plan.id, body }, done);
    else create.mutate(body, done);
  }

  const wrong = problems ? problemCount(problems) : 0;
  const back = plan ? planHref(plan.id) : '/plans';
  return (
    <main aria-labelledby={headingId} className={PAGE}>
      <Link
        href={back}
        className="inline-flex items-center gap-1 rounded-sm text-sm font-medium text-accent hover:underline"
      >
        <ArrowLeft aria-hidden="true" className="size-3.5" />
        {plan ? `Back to “${plan.name}”` : 'All plans'}
      </Link>
      <h2 id={headingId} className="text-xl font-semibold tracking-tight">
        {plan ? `Edit “${plan.name}”` : 'New plan'}
      </h2>
      <form
        ref={formRef}
        aria-labelledby={headingId}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
        className="space-y-4"
      >
        <div className="grid grid-cols-1 gap-3 rounded-lg border border-line bg-panel p-4 shadow-xs md:grid-cols-[2fr_2fr_1fr]">
          <TextField
            id={`${id}-name`}
            label="Plan name"
            value={draft.name}
            maxLength={MAX_PLAN_NAME}
            placeholder="Site A"
            onChange={(v) => setDraft((d) => ({ ...d, name: v }))}
            problem={problems?.name}
          />
          <Choice
            legend="Help desk may run it"
            value={draft.helpdesk}
            options={HELPDESK_RUN}
            words={HELPDESK_CHOICES}
            onChange={(h) => setDraft((d) => ({ ...d, helpdesk: h }))}
            className="pt-1.5"
          />
          <TextField
            id={`${id}-parallelism`}
            label="VMs at once per tier"
            inputMode="numeric"
            value={draft.parallelism}
            placeholder={String(PARALLELISM.default)}
            onChange={(v) => setDraft((d) => ({ ...d, parallelism: v }))}
            problem={problems?.parallelism}
          />
        </div>

        <div className="space-y-1">
          <h3 className="text-base font-semibold">Tiers</h3>
          <p className="text-sm text-muted">
            Started from the first to the last, each once the one before is up; shut down from the last to the
            first. Drag a VM by its handle to another tier, or use its “Move to” list.
          </p>
        </div>
        <DndContext
          sensors={sensors}
          collisionDetection={collisions}
          accessibility={{ announcements, screenReaderInstructions: { draggable: DRAG_INSTRUCTIONS } }}
          onDragStart={onDragStart}
          onDragEnd={onDragEnd}
          onDragCancel={() => setDragging(null)}
        >
          <ol aria-label="Tiers" className="space-y-3">
            {draft.tiers.map((t, i) => (
              <li key={t.id}>
                <TierCard
                  tier={t}
                  position={i}
                  total={draft.tiers.length}
                  problems={problems?.tier[t.id]}
                  vms={vms}
                  names={names}
                  tierOf={tierOf}
                  others={choices.filter((c) => c.id !== t.id)}
                  onChange={(patch) => setDraft((d) => updateTier(d, t.id, patch))}
                  onChoose={(keys) => setDraft((d) => chooseVms(d, t.id, keys))}
                  onMoveVm={(key, to) => setDraft((d) => moveVm(d, key, to))}
                  onMove={(delta) => setDraft((d) => moveTier(d, t.id, delta))}
                  onRemove={() => setDraft((d) => removeTier(d, t.id))}
                />
              </li>
            ))}
          </ol>
          <DragOverlay dropAnimation={null}>
            {dragging && (
              <span className="inline-flex items-center gap-1 rounded-full bg-panel py-0.5 pr-2.5 pl-1 text-xs font-medium shadow-lg ring-1 ring-accent">
                <GripVertical aria-hidden="true" className="size-3.5 text-muted" />
                {dragging.name}
              </span>
            )}
          </DragOverlay>
        </DndContext>
        <Button
          icon={<Plus className="size-4" />}
          disabled={draft.tiers.length >= MAX_TIERS}
          onClick={() => setDraft(addTier)}
        >
          Add tier
        </Button>
        {problems?.tiers && (
          <p data-problem className="text-xs text-bad">
            {problems.tiers}
          </p>
        )}

        <div className="sticky bottom-0 -mx-4 flex flex-wrap items-center justify-end gap-2 border-t border-line bg-surface/95 px-4 py-3 backdrop-blur-sm sm:-mx-6 sm:px-6">
          {wrong > 0 && (
            <p role="alert" className="mr-auto text-sm text-bad">
              {wrong === 1 ? 'Fix the problem marked above' : `Fix the ${wrong} problems marked above`}
            </p>
          )}
          {request.error && (
            <div className="w-full">
              <FormError>{request.error.message}</FormError>
            </div>
          )}
          <Button onClick={() => navigate(back)}>Cancel</Button>
          <Button type="submit" variant="primary" loading={request.isPending}>
            {plan ? 'Save plan' : 'Create plan'}
          </Button>
        </div>
      </form>
    </main>
  );
}

/** `/plans/:id/edit`: the plan loaded first, then the editor (its draft starts from this load). */
export function EditPlanRoute({ id, vms }: { id: string; vms: readonly PickableVm[] }) {
  const q = useQuery({ ...planQueries.detail(id), refetchInterval: false });
  if (q.data) return <PlanEditor key={q.data.id} plan={q.data} vms={vms} />;
  return (
    <main className={PAGE}>
      {q.error ? (
        <LoadError what="the plan" error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <p className="py-6 text-sm text-muted">Loading…</p>
      )}
    </main>
  );
}
