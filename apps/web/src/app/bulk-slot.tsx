// The app layer composes the fleet and operations features for bulk actions (features do not import each other):
// each card's selection slot renders a checkbox bound to the app's selection; the fleet toolbar's slot renders the
// operations feature's bulk bar over the VMs the grid shows; the report of the last bulk action goes above the
// grid. `renderSelectBox` and `renderBulkBar` are stable functions, so memoized cards never re-render for them; a
// checkbox subscribes to its own VM's selection only.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import {
  createContext,
  lazy,
  Suspense,
  use,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { BulkBar } from '../features/operations/components/bulk-bar';
import { SelectBox } from '../features/operations/components/select-box';
import type { Viewer } from '../features/operations/lib/bulk';
import { allSelected, selectedVms } from '../features/operations/lib/selection';
import { createBulkStore, type BulkStore } from './bulk-store';

// Loaded once a bulk action has been confirmed.
const OperationReport = lazy(() =>
  import('../features/operations/components/operation-report').then((m) => ({ default: m.OperationReport })),
);

interface BulkContextValue {
  store: BulkStore;
  me: Viewer;
  stale: boolean;
}

const BulkContext = createContext<BulkContextValue | null>(null);

export function BulkSlotProvider({
  me,
  stale,
  children,
}: {
  me: Viewer;
  stale: boolean;
  children: ReactNode;
}) {
  const [store] = useState(createBulkStore);
  const value = useMemo(() => ({ store, me, stale }), [store, me, stale]);
  return <BulkContext value={value}>{children}</BulkContext>;
}

function useBulkStore(): BulkStore | null {
  return use(BulkContext)?.store ?? null;
}

function VmSelectBox({ vm }: { vm: FleetVm }) {
  const store = useBulkStore();
  const checked = useSyncExternalStore(
    store?.subscribe ?? noSubscribe,
    () => store?.selection().keys.has(vm.key) ?? false,
  );
  if (!store) return null;
  return <SelectBox name={vm.name} checked={checked} onToggle={(shift) => store.click(vm.key, shift)} />;
}

const noSubscribe = () => () => undefined;

/** The cards' selection slot. */
export function renderSelectBox(vm: FleetVm): ReactNode {
  return <VmSelectBox vm={vm} />;
}

function BulkArea({ shown, all }: { shown: readonly FleetVm[]; all: readonly FleetVm[] }) {
  const ctx = use(BulkContext);
  const store = ctx?.store;
  const selection = useSyncExternalStore(store?.subscribe ?? noSubscribe, () => store?.selection() ?? null);
  const order = useMemo(() => shown.map((vm) => vm.key), [shown]);
  useEffect(() => store?.setOrder(order), [store, order]);
  if (!ctx || !store || !selection) return null;
  return (
    <BulkBar
      matching={shown.length}
      selected={selectedVms(selection.keys, shown, all)}
      allMatchingSelected={allSelected(selection, order)}
      me={ctx.me}
      stale={ctx.stale}
      onSelectAll={() => {
        store.setOrder(order);
        store.selectAll();
      }}
      onClear={store.clear}
      onStarted={(op, skipped) => {
        store.clear();
        store.setReport({
          id: op.id,
          skipped: skipped.map(({ vm, why }) => ({ key: vm.key, name: vm.name, why })),
        });
      }}
    />
  );
}

/** The fleet toolbar's selection slot: gets the VMs the grid shows (in its order) and the whole fleet. */
export function renderBulkBar(ctx: { shown: readonly FleetVm[]; all: readonly FleetVm[] }): ReactNode {
  return <BulkArea shown={ctx.shown} all={ctx.all} />;
}

/** The report of the last bulk action, until dismissed (above the grid). */
export function BulkReportSlot() {
  const ctx = use(BulkContext);
  const store = ctx?.store;
  const report = useSyncExternalStore(store?.subscribe ?? noSubscribe, () => store?.report() ?? null);
  if (!ctx || !store || !report) return null;
  return (
    <Suspense fallback={null}>
      <OperationReport
        key={report.id}
        id={report.id}
        skipped={report.skipped}
        me={ctx.me}
        onDismiss={() => store.setReport(null)}
      />
    </Suspense>
  );
}
