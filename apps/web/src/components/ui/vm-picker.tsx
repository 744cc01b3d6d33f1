// Choosing VMs from the fleet snapshot (a schedule's targets, a plan's tier), search first: the list shows at most
// PICKER_SHOWN matches of the search (so 10,000 VMs cost what 50 do), each a checkbox; the chosen ones are listed
// above it, each with a way to take it out (or, `listChosen={false}`, by the caller: a plan's tier lists its own, to
// drag them between tiers). A chosen VM no longer in the fleet is named by its key. `note` adds a word after a VM
// of the list ("in tier 1").
import { X } from 'lucide-react';
import { useId, useMemo, useState } from 'react';
import { INPUT } from './field';
import { count, plural } from '../../lib/format';
import { searchVms, type PickableVm } from '../../lib/vm-targets';

export const PICKER_SHOWN = 50;
/** The chosen VMs named one by one; more are counted. */
const CHOSEN_NAMED = 30;

export function VmPicker({
  vms,
  chosen,
  onChange,
  problemId,
  listChosen = true,
  note,
  label = 'Search VMs',
}: {
  vms: readonly PickableVm[];
  chosen: readonly number[];
  onChange: (keys: number[]) => void;
  /** The id of the problem shown under the picker, if any. */
  problemId?: string | undefined;
  /** List the chosen VMs above the search (default); false: the caller lists them. */
  listChosen?: boolean;
  /** A few words after a VM of the list (muted), or undefined. */
  note?: ((key: number) => string | undefined) | undefined;
  /** The search box's name (several pickers on one page need names of their own). */
  label?: string;
}) {
  const searchId = useId();
  const listId = useId();
  const [search, setSearch] = useState('');
  const byKey = useMemo(() => new Map(vms.map((v) => [v.key, v])), [vms]);
  const { shown, total } = useMemo(() => searchVms(vms, search, PICKER_SHOWN), [vms, search]);
  const picked = new Set(chosen);
  const toggle = (key: number, on: boolean) =>
    onChange(on ? [...chosen, key] : chosen.filter((k) => k !== key));

  return (
    <div className="space-y-2">
      {listChosen && (
        <p className="text-sm tabular-nums" aria-live="polite">
          {chosen.length === 0 ? 'No VMs chosen yet' : `${plural(chosen.length, 'VM')} chosen`}
        </p>
      )}
      {listChosen && chosen.length > 0 && (
        <ul aria-label="Chosen VMs" className="flex flex-wrap gap-1.5">
          {chosen.slice(0, CHOSEN_NAMED).map((key) => {
            const name = byKey.get(key)?.name ?? `VM ${key}`;
            return (
              <li
                key={key}
                className="inline-flex items-center gap-1 rounded-full bg-sunken py-0.5 pr-1 pl-2.5 text-xs"
              >
                {name}
                <button
                  type="button"
                  aria-label={`Remove ${name}`}
                  onClick={() => toggle(key, false)}
                  className="rounded-full p-0.5 text-muted hover:bg-line hover:text-ink focus-visible:outline-2 focus-visible:outline-accent"
                >
                  <X aria-hidden="true" className="size-3" />
                </button>
              </li>
            );
          })}
          {chosen.length > CHOSEN_NAMED && (
            <li className="py-0.5 text-xs text-muted">and {count(chosen.length - CHOSEN_NAMED)} more</li>
          )}
        </ul>
      )}
      <label htmlFor={searchId} className="sr-only">
        {label}
      </label>
      <input
        id={searchId}
        type="search"
        placeholder="Search VMs by name"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        aria-controls={listId}
        aria-describedby={problemId}
        className={INPUT}
      />
      <ul
        id={listId}
        aria-label="VMs"
        className="max-h-48 divide-y divide-line overflow-y-auto rounded-md border border-line"
      >
        {shown.map((vm) => (
          <li key={vm.key}>
            <label className="flex cursor-pointer items-center gap-2 px-2.5 py-1.5 text-sm hover:bg-sunken">
              <input
                type="checkbox"
                checked={picked.has(vm.key)}
                onChange={(e) => toggle(vm.key, e.target.checked)}
                className="size-4 shrink-0 accent-accent"
              />
              <span className="min-w-0 flex-1 truncate">{vm.name}</span>
              {note?.(vm.key) && <span className="text-xs text-muted">{note(vm.key)}</span>}
              <span className="text-xs text-muted">{vm.nodeName ?? ''}</span>
            </label>
          </li>
        ))}
        {shown.length === 0 && <li className="px-2.5 py-2 text-sm text-muted">No VM matches “{search}”</li>}
      </ul>
      {total > shown.length && (
        <p className="text-xs text-muted tabular-nums">
          Showing {count(shown.length)} of {count(total)}: type to narrow the list.
        </p>
      )}
    </div>
  );
}
