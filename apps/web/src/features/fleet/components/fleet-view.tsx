// The fleet page: toolbar (search, filters, sort, grouping, all in the URL), the capacity strip and the virtualized
// grid of cards. A first load that fails says so here, in place; a failed refresh keeps the data (the app shell
// shows the stale banner).
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { CircleX, SearchX } from 'lucide-react';
import { useDeferredValue, useMemo, useState, type ReactNode } from 'react';
import { inStatusGroup } from '../../../lib/status';
import type { FleetData } from '../api/fetch-snapshot';
import { useViewState } from '../hooks/use-view-state';
import { viewFleet } from '../lib/fleet-view';
import { trackStatusSince, type StatusSince } from '../lib/status-since';
import { isFiltered } from '../lib/view-state';
import { CapacityStrip } from './capacity-strip';
import { FleetToolbar } from './fleet-toolbar';
import type { VmActionsSlot, VmSelectSlot } from './vm-card';
import { VmGrid } from './vm-grid';

interface FleetViewProps {
  snapshot: FleetData | undefined;
  /** The first load failed (no data to show): its error. */
  loadError: Error | null;
  onRetry: () => void;
  /** The power controls of each card, from the app layer. */
  actions?: VmActionsSlot | undefined;
  /** Each card's selection checkbox, from the app layer (a stable function). */
  select?: VmSelectSlot | undefined;
  /** A line under each card's facts, from the app layer (a stable function). */
  note?: VmActionsSlot | undefined;
  /**
   * Under the toolbar (sticky with it): the app's selection bar, given the VMs the grid shows, in its order, and the
   * whole fleet.
   */
  selectionBar?: ((ctx: { shown: readonly FleetVm[]; all: readonly FleetVm[] }) => ReactNode) | undefined;
  /** Between the toolbar and the grid (the report of a bulk action). */
  panel?: ReactNode;
}

/** Since when each moving VM has moved, carried from snapshot to snapshot (derived state, updated in render). */
function useStatusSince(vms: readonly FleetVm[]): ReadonlyMap<number, StatusSince> {
  const [state, setState] = useState<{ vms: readonly FleetVm[] | null; map: Map<number, StatusSince> }>({
    vms: null,
    map: new Map(),
  });
  if (state.vms !== vms) {
    const map = trackStatusSince(state.map, vms, Date.now());
    setState({ vms, map });
    return map;
  }
  return state.map;
}

/** The VM to focus when coming back from its detail page (history state set by the back link). */
function initialFocus(): number | null {
  const state: unknown = window.history.state;
  const key = state && typeof state === 'object' ? (state as { focusVm?: unknown }).focusVm : undefined;
  return typeof key === 'number' ? key : null;
}

const EMPTY: FleetVm[] = [];

function Skeleton() {
  return (
    <div aria-busy="true" aria-label="Loading the fleet" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="h-[8.5rem] animate-pulse rounded-lg border border-line bg-panel" />
      ))}
    </div>
  );
}

export function FleetView({
  snapshot,
  loadError,
  onRetry,
  actions,
  select,
  note,
  selectionBar,
  panel,
}: FleetViewProps) {
  const [view, setView, search] = useViewState();
  // Typing stays responsive on a large fleet: the grid catches up a moment later.
  const deferred = useDeferredValue(view);
  const vms = snapshot?.vms ?? EMPTY;
  const nodes = snapshot?.nodes;
  const since = useStatusSince(vms);
  const shown = useMemo(() => viewFleet(vms, nodes ?? [], deferred), [vms, nodes, deferred]);
  const attention = useMemo(() => vms.filter((vm) => inStatusGroup(vm.status, 'attention')).length, [vms]);
  const [focusKey] = useState(initialFocus);

  if (!snapshot) {
    if (loadError) {
      return (
        <div role="alert" className="rounded-lg border border-bad/50 bg-bad-soft px-5 py-4 text-sm">
          <p className="flex items-center gap-2 font-semibold text-bad">
            <CircleX aria-hidden="true" className="size-4" strokeWidth={2.25} />
            Cannot load the fleet
          </p>
          <p className="mt-1 text-ink">{loadError.message}</p>
          <p className="mt-1 text-muted">Powerdeck keeps trying; you can also try now.</p>
          <button
            type="button"
            onClick={onRetry}
            className="mt-3 h-8 rounded-md bg-panel px-3 text-sm font-medium text-ink shadow-xs ring-1 ring-line ring-inset hover:bg-surface"
          >
            Try again
          </button>
        </div>
      );
    }
    return <Skeleton />;
  }

  return (
    <div className="space-y-4">
      <CapacityStrip nodes={snapshot.nodes} />
      <div className="z-10 -mx-4 border-b border-line bg-surface/95 px-4 py-2.5 backdrop-blur sm:sticky sm:top-0 sm:-mx-6 sm:px-6">
        <FleetToolbar
          view={view}
          onChange={setView}
          nodes={snapshot.nodes}
          attention={attention}
          shown={shown.vms.length}
          total={vms.length}
        />
        {selectionBar?.({ shown: shown.vms, all: vms })}
      </div>
      {panel}
      <section aria-label="Virtual machines">
        {shown.vms.length === 0 ? (
          <div className="grid place-items-center rounded-lg border border-dashed border-line px-6 py-14 text-center">
            <SearchX aria-hidden="true" className="size-6 text-muted" />
            <p className="mt-2 font-medium">
              {vms.length === 0 ? 'No VMs in this cluster yet' : 'No VMs match this view'}
            </p>
            {isFiltered(view) && (
              <button
                type="button"
                onClick={() => setView({ q: '', status: null, node: null })}
                className="mt-2 rounded-sm text-sm font-medium text-accent hover:underline"
              >
                Clear the search and filters
              </button>
            )}
          </div>
        ) : (
          <VmGrid
            view={shown}
            since={since}
            search={search}
            actions={actions}
            select={select}
            note={note}
            focusKey={focusKey}
          />
        )}
      </section>
    </div>
  );
}
