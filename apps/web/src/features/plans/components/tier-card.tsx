// One tier in the plan editor, a `region` named "Tier N": its name, its place (Move up, Move down, Remove tier), its
// VMs (chosen VMs, as chips that can be dragged to another tier or sent there with their "Move to tier" list, and
// added with the shared VM picker; or a filter with the VMs it matches now) and its settings (up when, timeout,
// delay after, on failure, force off at the timeout when shutting down). Problems show by their fields once the
// person has tried to save.
import { useDraggable, useDroppable } from '@dnd-kit/core';
import {
  MAX_TIER_NAME,
  ON_FAILURE,
  TIER_DELAY_S,
  TIER_TIMEOUT_S,
  UP_WHEN,
} from '@powerdeck/contracts/plan-terms';
import { ArrowDown, ArrowUp, GripVertical, Trash2, X } from 'lucide-react';
import { useId, useState, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { Radios } from '../../../components/ui/choice';
import { SelectField, TextField } from '../../../components/ui/field';
import { FilterField } from '../../../components/ui/filter-field';
import { VmPicker } from '../../../components/ui/vm-picker';
import { count, plural } from '../../../lib/format';
import type { PickableVm } from '../../../lib/vm-targets';
import type { TierDraft, TierProblems } from '../lib/draft';
import { ON_FAILURE_WORDS, UP_WHEN_WORDS } from '../lib/words';

const TARGET_KINDS = ['vms', 'filter'] as const;
const TARGET_WORDS = { vms: 'Chosen VMs', filter: 'A filter' } as const;

/** The chips shown one by one; more are counted (the picker still lists them). */
export const CHIPS_SHOWN = 100;

/** Another tier, as a chip's "Move to tier" list offers it. */
export interface TierChoice {
  id: string;
  /** "2. Databases" */
  label: string;
  /** It chooses VMs (a filter's tier takes none). */
  takesVms: boolean;
}

/** What a chip carries while dragged. */
export interface DragData {
  key: number;
  name: string;
  from: string;
}

function Problem({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p id={id} data-problem className="text-xs text-bad">
      {children}
    </p>
  );
}

function VmChip({
  tierId,
  vmKey,
  name,
  others,
  onMove,
  onRemove,
}: {
  tierId: string;
  vmKey: number;
  name: string;
  others: readonly TierChoice[];
  onMove: (toTierId: string) => void;
  onRemove: () => void;
}) {
  const data: DragData = { key: vmKey, name, from: tierId };
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: `${tierId}:${vmKey}`, data });
  const targets = others.filter((t) => t.takesVms);
  return (
    <li
      ref={setNodeRef}
      className={`inline-flex items-center gap-0.5 rounded-full bg-sunken py-0.5 pr-1 pl-0.5 text-xs ring-1 ring-line ring-inset ${
        isDragging ? 'opacity-40' : ''
      }`}
    >
      <button
        type="button"
        {...attributes}
        {...listeners}
        aria-label={`Drag ${name}`}
        className="cursor-grab touch-none rounded-full p-0.5 text-muted hover:bg-line hover:text-ink focus-visible:outline-2 focus-visible:outline-accent active:cursor-grabbing"
      >
        <GripVertical aria-hidden="true" className="size-3.5" />
      </button>
      <span className="max-w-[12rem] truncate pr-1" title={name}>
        {name}
      </span>
      {targets.length > 0 && (
        <select
          aria-label={`Move ${name} to tier`}
          value=""
          onChange={(e) => e.target.value && onMove(e.target.value)}
          className="h-5 max-w-[7rem] rounded-full border-0 bg-transparent pr-1 pl-1 text-xs text-muted hover:bg-line hover:text-ink"
        >
          <option value="">Move to…</option>
          {targets.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      )}
      <button
        type="button"
        aria-label={`Remove ${name}`}
        onClick={onRemove}
        className="rounded-full p-0.5 text-muted hover:bg-line hover:text-ink focus-visible:outline-2 focus-visible:outline-accent"
      >
        <X aria-hidden="true" className="size-3" />
      </button>
    </li>
  );
}

export interface TierCardProps {
  tier: TierDraft;
  /** Its place in the plan (0: first). */
  position: number;
  total: number;
  problems: TierProblems | undefined;
  /** The fleet snapshot's VMs. */
  vms: readonly PickableVm[];
  names: ReadonlyMap<number, string>;
  /** For each chosen VM, the position of the tier that has it. */
  tierOf: ReadonlyMap<number, number>;
  /** The other tiers, for the chips' "Move to tier" lists. */
  others: readonly TierChoice[];
  onChange: (patch: Partial<Omit<TierDraft, 'id'>>) => void;
  onChoose: (keys: readonly number[]) => void;
  onMoveVm: (key: number, toTierId: string) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
}

export function TierCard({
  tier,
  position,
  total,
  problems = {},
  vms,
  names,
  tierOf,
  others,
  onChange,
  onChoose,
  onMoveVm,
  onMove,
  onRemove,
}: TierCardProps) {
  const id = useId();
  const [adding, setAdding] = useState(false);
  const takesVms = tier.targetKind === 'vms';
  const { setNodeRef, isOver } = useDroppable({
    id: tier.id,
    disabled: !takesVms,
    data: { label: `tier ${position + 1}, ${tier.name.trim() || 'unnamed'}` },
  });
  const targetsProblemId = `${id}-targets-problem`;
  const number = position + 1;

  return (
    <section
      aria-label={`Tier ${number}`}
      className="space-y-3 rounded-lg border border-line bg-panel p-4 shadow-xs"
    >
      <div className="flex flex-wrap items-end gap-2">
        <span
          aria-hidden="true"
          className="mb-1 inline-flex size-7 shrink-0 items-center justify-center rounded-full bg-accent-soft text-sm font-semibold text-accent tabular-nums"
        >
          {number}
        </span>
        <div className="min-w-48 flex-1">
          <TextField
            id={`${id}-name`}
            label="Tier name"
            value={tier.name}
            maxLength={MAX_TIER_NAME}
            placeholder="Domain controllers"
            onChange={(v) => onChange({ name: v })}
            problem={problems.name}
          />
        </div>
        <span className="flex gap-1">
          <Button
            size="sm"
            variant="ghost"
            aria-label={`Move tier ${number} up`}
            disabled={position === 0}
            icon={<ArrowUp className="size-3.5" />}
            onClick={() => onMove(-1)}
          >
            Up
          </Button>
          <Button
            size="sm"
            variant="ghost"
            aria-label={`Move tier ${number} down`}
            disabled={position === total - 1}
            icon={<ArrowDown className="size-3.5" />}
            onClick={() => onMove(1)}
          >
            Down
          </Button>
          <Button
            size="sm"
            variant="danger-outline"
            aria-label={`Remove tier ${number}`}
            disabled={total === 1}
            icon={<Trash2 className="size-3.5" />}
            onClick={onRemove}
          >
            Remove
          </Button>
        </span>
      </div>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">VMs</legend>
        <Radios
          value={tier.targetKind}
          options={TARGET_KINDS}
          words={TARGET_WORDS}
          onChange={(k) => onChange({ targetKind: k })}
        />
        {takesVms ? (
          <div className="space-y-2">
            <div
              ref={setNodeRef}
              aria-describedby={problems.targets ? targetsProblemId : undefined}
              className={`min-h-11 rounded-md border border-dashed px-2 py-2 transition-colors ${
                isOver ? 'border-accent bg-accent-soft' : problems.targets ? 'border-bad' : 'border-field'
              }`}
            >
              {tier.vms.length === 0 ? (
                <p className="px-1 text-sm text-muted">
                  No VMs yet: add some, or drag them here from another tier.
                </p>
              ) : (
                <>
                  <p className="mb-1.5 px-1 text-xs text-muted tabular-nums">
                    {plural(tier.vms.length, 'VM')}
                  </p>
                  <ul aria-label={`VMs of tier ${number}`} className="flex flex-wrap gap-1.5">
                    {tier.vms.slice(0, CHIPS_SHOWN).map((key) => (
                      <VmChip
                        key={key}
                        tierId={tier.id}
                        vmKey={key}
                        name={names.get(key) ?? `VM ${key}`}
                        others={others}
                        onMove={(to) => onMoveVm(key, to)}
                        onRemove={() => onChoose(tier.vms.filter((k) => k !== key))}
                      />
                    ))}
                    {tier.vms.length > CHIPS_SHOWN && (
                      <li className="py-0.5 text-xs text-muted">
                        and {count(tier.vms.length - CHIPS_SHOWN)} more
                      </li>
                    )}
                  </ul>
                </>
              )}
            </div>
            <Button size="sm" aria-expanded={adding} onClick={() => setAdding((a) => !a)}>
              {adding ? 'Done adding' : 'Add VMs'}
            </Button>
            {adding && (
              <VmPicker
                vms={vms}
                chosen={tier.vms}
                onChange={onChoose}
                listChosen={false}
                problemId={problems.targets ? targetsProblemId : undefined}
                note={(key) => {
                  const at = tierOf.get(key);
                  return at !== undefined && at !== position ? `in tier ${at + 1}` : undefined;
                }}
              />
            )}
          </div>
        ) : (
          <FilterField
            id={`${id}-filter`}
            value={tier.filter}
            onChange={(filter) => onChange({ filter })}
            vms={vms}
            placeholder="db status:stopped node:node1"
            problem={problems.targets}
          />
        )}
        {problems.targets && (
          <Problem id={takesVms ? targetsProblemId : `${id}-filter-problem`}>{problems.targets}</Problem>
        )}
      </fieldset>

      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <SelectField
          id={`${id}-up`}
          label="Up when"
          value={tier.upWhen}
          options={UP_WHEN}
          optionLabel={(u) => UP_WHEN_WORDS[u]}
          onChange={(v) => onChange({ upWhen: v })}
        />
        <TextField
          id={`${id}-timeout`}
          label="Timeout (s)"
          inputMode="numeric"
          value={tier.timeout}
          placeholder={String(TIER_TIMEOUT_S.default)}
          onChange={(v) => onChange({ timeout: v })}
          problem={problems.timeout}
        />
        <TextField
          id={`${id}-delay`}
          label="Delay after (s)"
          inputMode="numeric"
          value={tier.delay}
          placeholder={String(TIER_DELAY_S.default)}
          onChange={(v) => onChange({ delay: v })}
          problem={problems.delay}
        />
        <SelectField
          id={`${id}-failure`}
          label="On failure"
          value={tier.onFailure}
          options={ON_FAILURE}
          optionLabel={(o) => ON_FAILURE_WORDS[o]}
          onChange={(v) => onChange({ onFailure: v })}
        />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={tier.escalate}
          onChange={(e) => onChange({ escalate: e.target.checked })}
          className="size-4 accent-bad"
        />
        Shutting down: force off a VM still running at the timeout
      </label>
    </section>
  );
}
