// The fleet view's selection and the report of the last bulk action: app state (not the URL), outside React so
// that each card's checkbox subscribes to its own VM alone (a click re-renders one or a range of checkboxes, never
// the cards or the grid). The transitions are the operations feature's pure functions.
import type { ClientSkipped } from '../features/operations/lib/report';
import {
  clickSelection,
  EMPTY_SELECTION,
  selectAll,
  type Selection,
} from '../features/operations/lib/selection';

interface BulkReport {
  id: string;
  /** VMs the confirmation skipped before sending. */
  skipped: readonly ClientSkipped[];
}

export interface BulkStore {
  selection: () => Selection;
  report: () => BulkReport | null;
  subscribe: (listener: () => void) => () => void;
  /** The grid's order now (filtered and sorted): what a shift-click's range runs over. */
  setOrder: (keys: readonly number[]) => void;
  order: () => readonly number[];
  click: (key: number, shift: boolean) => void;
  selectAll: () => void;
  clear: () => void;
  setReport: (report: BulkReport | null) => void;
}

export function createBulkStore(): BulkStore {
  let selection = EMPTY_SELECTION;
  let report: BulkReport | null = null;
  let order: readonly number[] = [];
  const listeners = new Set<() => void>();
  const emit = () => {
    for (const l of listeners) l();
  };
  const setSelection = (s: Selection) => {
    selection = s;
    emit();
  };
  return {
    selection: () => selection,
    report: () => report,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setOrder(keys) {
      order = keys;
    },
    order: () => order,
    click: (key, shift) => setSelection(clickSelection(selection, key, shift, order)),
    selectAll: () => setSelection(selectAll(order)),
    clear: () => setSelection(EMPTY_SELECTION),
    setReport(r) {
      report = r;
      emit();
    },
  };
}
