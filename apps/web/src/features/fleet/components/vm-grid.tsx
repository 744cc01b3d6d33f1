// The fleet as a virtualized grid: rows of N cards (N from the container's width), group header rows when grouped
// by node, and only the rows near the viewport in the DOM, so 10,000 VMs stay a light page. The page itself scrolls
// (a window virtualizer). j/k move the focus from card to card, scrolling as needed.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Meter } from '../../../components/ui/meter';
import { plural, ramOf } from '../../../lib/format';
import { buildRows, columnsFor, type FleetView, type VmGroup } from '../lib/fleet-view';
import type { StatusSince } from '../lib/status-since';
import { isTypingTarget } from '../lib/keyboard';
import { VmCard, type VmActionsSlot, type VmSelectSlot } from './vm-card';

const MIN_CARD_WIDTH = 340;
const GAP = 12;
const CARD_ROW_ESTIMATE = 150;
const GROUP_ROW_ESTIMATE = 52;

interface VmGridProps {
  view: FleetView;
  since: ReadonlyMap<number, StatusSince>;
  /** The fleet view's query string, carried to the detail pages. */
  search: string;
  actions?: VmActionsSlot | undefined;
  /** Each card's selection checkbox (a stable function). */
  select?: VmSelectSlot | undefined;
  /** A line under each card's facts (a stable function). */
  note?: VmActionsSlot | undefined;
  /** A VM to scroll to and focus once (coming back from its detail page). */
  focusKey?: number | null;
}

function GroupHeader({ group }: { group: VmGroup }) {
  const n = group.node;
  return (
    <div className="flex flex-wrap items-end gap-x-4 gap-y-1 border-b border-line pt-4 pb-2">
      <h2 className="text-sm font-semibold">{group.name}</h2>
      <span className="text-xs text-muted tabular-nums">{plural(group.vms.length, 'VM')} shown</span>
      {n && (
        <span className="ml-auto flex items-center gap-3 text-xs text-muted tabular-nums">
          <span>
            {n.runningCores}/{n.cores} cores
          </span>
          <Meter
            className="w-16"
            label={`${n.name} cores in use`}
            used={n.runningCores}
            total={n.cores}
            valueText={`${n.runningCores} of ${n.cores} cores`}
          />
          <span>RAM {ramOf(n.runningRam, n.ram)}</span>
          <Meter
            className="w-16"
            label={`${n.name} RAM in use`}
            used={n.runningRam}
            total={n.ram}
            valueText={`RAM ${ramOf(n.runningRam, n.ram)}`}
          />
        </span>
      )}
    </div>
  );
}

export function VmGrid({ view, since, search, actions, select, note, focusKey = null }: VmGridProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [scrollMargin, setScrollMargin] = useState(0);

  // The container's width decides the columns; its place on the page is the virtualizer's scroll margin.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const measure = () => {
      setWidth(el.clientWidth);
      setScrollMargin(Math.round(el.getBoundingClientRect().top + window.scrollY));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    // What is above the grid (a banner, the capacity strip) changes its place without changing its size.
    ro.observe(document.body);
    return () => ro.disconnect();
  }, []);

  const columns = columnsFor(width, MIN_CARD_WIDTH, GAP);
  const rows = useMemo(() => buildRows(view.vms, view.groups, columns), [view, columns]);
  /** For each VM (by key): its place in the flat list and its row. */
  const place = useMemo(() => {
    const m = new Map<number, { index: number; row: number }>();
    rows.forEach((r, row) => {
      if (r.kind === 'cards') r.vms.forEach((vm, i) => m.set(vm.key, { index: r.first + i, row }));
    });
    return m;
  }, [rows]);

  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (i) => (rows[i]?.kind === 'group' ? GROUP_ROW_ESTIMATE : CARD_ROW_ESTIMATE + GAP),
    getItemKey: (i) => rows[i]?.key ?? i,
    // One row beyond the screen each way; none when rows are wide (big screens), to stay under the DOM budget.
    overscan: columns >= 4 ? 0 : 1,
    scrollMargin,
  });

  /** Scrolls a VM's card into view and focuses it (once it is rendered). */
  const focusVm = useCallback(
    (vm: FleetVm) => {
      const p = place.get(vm.key);
      if (!p) return;
      const tryFocus = (attempt: number) => {
        const el = listRef.current?.querySelector<HTMLElement>(`[data-vm-key="${vm.key}"]`);
        if (el) el.focus();
        else if (attempt < 10) requestAnimationFrame(() => tryFocus(attempt + 1));
      };
      const el = listRef.current?.querySelector<HTMLElement>(`[data-vm-key="${vm.key}"]`);
      if (el) el.focus();
      else {
        virtualizer.scrollToIndex(p.row, { align: 'center' });
        requestAnimationFrame(() => tryFocus(0));
      }
    },
    [place, virtualizer],
  );

  // j / k: the next / previous card.
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if ((e.key !== 'j' && e.key !== 'k') || e.metaKey || e.ctrlKey || e.altKey || e.defaultPrevented)
        return;
      if (isTypingTarget(e.target)) return;
      const list = view.vms;
      if (list.length === 0) return;
      e.preventDefault();
      const current = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-vm-key]');
      const key = current ? Number(current.dataset.vmKey) : NaN;
      const index = place.get(key)?.index;
      if (index === undefined) {
        // No card focused yet: the first one on screen.
        const top = window.scrollY + 120;
        const onScreen = virtualizer
          .getVirtualItems()
          .find((v) => rows[v.index]?.kind === 'cards' && v.end > top);
        const r = onScreen ? rows[onScreen.index] : undefined;
        const first = list[r?.kind === 'cards' ? r.first : 0];
        if (first) focusVm(first);
        return;
      }
      const next = Math.min(list.length - 1, Math.max(0, index + (e.key === 'j' ? 1 : -1)));
      const vm = list[next];
      if (vm) focusVm(vm);
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [view.vms, place, rows, virtualizer, focusVm]);

  // Back from a detail page: that VM's card, focused.
  const focused = useRef<number | null>(null);
  useEffect(() => {
    if (focusKey === null || focused.current === focusKey || width === 0) return;
    const vm = view.vms.find((v) => v.key === focusKey);
    if (!vm) return;
    focused.current = focusKey;
    focusVm(vm);
  }, [focusKey, view.vms, focusVm, width]);

  const detailSuffix = search ? `?${search}` : '';
  const items = virtualizer.getVirtualItems();

  return (
    <div ref={listRef} className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
      {width > 0 &&
        items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="absolute top-0 left-0 w-full"
              style={{ transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}
            >
              {row.kind === 'group' ? (
                <GroupHeader group={row.group} />
              ) : (
                <div
                  className="grid pb-3"
                  style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, columnGap: GAP }}
                >
                  {row.vms.map((vm) => (
                    <VmCard
                      key={vm.key}
                      vm={vm}
                      movingSince={since.get(vm.key)?.since ?? null}
                      detailHref={`/vms/${vm.key}${detailSuffix}`}
                      actions={actions}
                      select={select}
                      note={note}
                    />
                  ))}
                </div>
              )}
            </div>
          );
        })}
    </div>
  );
}
