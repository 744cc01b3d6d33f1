// Search, filters, sort and grouping: every choice lives in the URL (the caller's `onChange` writes it there).
// "/" focuses the search from anywhere; Escape leaves it.
import type { FleetNode } from '@powerdeck/contracts/fleet';
import { Search, TriangleAlert, X } from 'lucide-react';
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { count } from '../../../lib/format';
import { STATUS, STATUS_GROUPS, STATUSES, type StatusGroup } from '../../../lib/status';
import { isTypingTarget } from '../lib/keyboard';
import {
  NO_NODE,
  SORT_HINTS,
  SORT_KEYS,
  SORT_LABELS,
  type SortKey,
  type StatusFilter,
  type ViewState,
} from '../lib/view-state';

const FIELD =
  'h-8 w-full min-w-0 rounded-md border border-field bg-panel pl-2 text-sm text-ink shadow-xs hover:border-muted sm:w-auto sm:max-w-[11rem]';

function Labelled({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5 sm:flex-row sm:items-center sm:gap-1.5">
      <label htmlFor={id} className="text-xs font-medium text-muted">
        {label}
      </label>
      {children}
    </div>
  );
}

interface FleetToolbarProps {
  view: ViewState;
  onChange: (patch: Partial<ViewState>) => void;
  nodes: readonly FleetNode[];
  /** VMs of the whole fleet that need attention (error, unresponsive, ...): a shortcut to filter them. */
  attention: number;
  shown: number;
  total: number;
}

export function FleetToolbar({ view, onChange, nodes, attention, shown, total }: FleetToolbarProps) {
  const id = useId();
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.key !== '/' || e.metaKey || e.ctrlKey || e.altKey || isTypingTarget(e.target)) return;
      e.preventDefault();
      search.current?.focus();
      search.current?.select();
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const nodeNames = nodes.map((n) => n.name).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const unknownNode = view.node !== null && view.node !== NO_NODE && !nodeNames.includes(view.node);

  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
      <div className="relative w-full sm:w-64">
        <Search
          aria-hidden="true"
          className="pointer-events-none absolute top-2 left-2.5 size-4 text-muted"
        />
        <input
          ref={search}
          type="search"
          aria-label="Search VMs"
          placeholder="Search VMs"
          autoComplete="off"
          spellCheck={false}
          value={view.q}
          onChange={(e) => onChange({ q: e.target.value })}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.currentTarget.blur();
            }
          }}
          className="h-8 w-full rounded-md border border-field bg-panel pr-8 pl-8 text-sm text-ink shadow-xs placeholder:text-muted hover:border-muted [&::-webkit-search-cancel-button]:hidden"
        />
        {view.q ? (
          <button
            type="button"
            aria-label="Clear the search"
            onClick={() => {
              onChange({ q: '' });
              search.current?.focus();
            }}
            className="absolute top-1.5 right-1.5 grid size-5 place-items-center rounded text-muted hover:text-ink"
          >
            <X aria-hidden="true" className="size-3.5" />
          </button>
        ) : (
          <kbd
            aria-hidden="true"
            className="pointer-events-none absolute top-1.5 right-2 hidden rounded border border-line px-1.5 font-sans text-[0.6875rem] leading-4 text-muted sm:block"
          >
            /
          </kbd>
        )}
      </div>

      <div className="grid w-full grid-cols-3 gap-2 sm:flex sm:w-auto sm:gap-4">
        <Labelled id={`${id}-status`} label="Status">
          <select
            id={`${id}-status`}
            className={FIELD}
            value={view.status ?? ''}
            onChange={(e) => onChange({ status: (e.target.value || null) as StatusFilter | null })}
          >
            <option value="">All</option>
            <optgroup label="Groups">
              {(Object.keys(STATUS_GROUPS) as StatusGroup[]).map((g) => (
                <option key={g} value={g}>
                  {STATUS_GROUPS[g].label}
                </option>
              ))}
            </optgroup>
            <optgroup label="Statuses">
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS[s].label}
                </option>
              ))}
            </optgroup>
          </select>
        </Labelled>

        <Labelled id={`${id}-node`} label="Node">
          <select
            id={`${id}-node`}
            className={FIELD}
            value={view.node ?? ''}
            onChange={(e) => onChange({ node: e.target.value || null })}
          >
            <option value="">All</option>
            {nodeNames.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
            <option value={NO_NODE}>Not on a node</option>
            {unknownNode && <option value={view.node ?? ''}>{view.node}</option>}
          </select>
        </Labelled>

        <Labelled id={`${id}-sort`} label="Sort by">
          <select
            id={`${id}-sort`}
            className={FIELD}
            value={view.sort}
            onChange={(e) => onChange({ sort: e.target.value as SortKey })}
          >
            {SORT_KEYS.map((k) => (
              <option key={k} value={k} title={SORT_HINTS[k]}>
                {SORT_LABELS[k]}
              </option>
            ))}
          </select>
        </Labelled>
      </div>

      <label className="flex items-center gap-2 text-sm select-none">
        <input
          type="checkbox"
          className="size-4 rounded accent-accent"
          checked={view.group === 'node'}
          onChange={(e) => onChange({ group: e.target.checked ? 'node' : null })}
        />
        Group by node
      </label>

      <div className="ml-auto flex items-center gap-3 text-sm tabular-nums">
        {attention > 0 && view.status !== 'attention' && (
          <button
            type="button"
            onClick={() => onChange({ status: 'attention' })}
            className="inline-flex items-center gap-1.5 rounded-full bg-bad-soft px-2.5 py-0.5 text-xs font-medium text-bad ring-1 ring-bad/40 ring-inset hover:ring-bad"
          >
            <TriangleAlert aria-hidden="true" className="size-3.5" strokeWidth={2.25} />
            {count(attention)} {attention === 1 ? 'needs' : 'need'} attention
          </button>
        )}
        <p className="text-muted">
          {shown === total ? `${count(total)} VMs` : `${count(shown)} of ${count(total)} VMs`}
        </p>
      </div>
    </div>
  );
}
