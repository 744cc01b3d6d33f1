// Selecting VMs in the fleet view: a click toggles one card's checkbox; a shift-click sets every VM between the
// last one clicked and this one, in the order the grid shows them (filtered and sorted), to the state the clicked
// one takes. The selection itself lives in the app layer (not the URL). Pure (tested in
// test/operations-selection.test.ts).
import type { FleetVm } from '@powerdeck/contracts/fleet';

export interface Selection {
  keys: ReadonlySet<number>;
  /** The VM clicked last: where a shift-click's range starts. */
  anchor: number | null;
}

export const EMPTY_SELECTION: Selection = { keys: new Set(), anchor: null };

/**
 * After a click on VM `key`'s checkbox. With `shift` and an anchor that is in `order` (the grid's order now), the
 * whole range between them (both ends included) takes the clicked box's new state; otherwise the box alone
 * toggles. Either way the clicked VM becomes the anchor.
 */
export function clickSelection(
  sel: Selection,
  key: number,
  shift: boolean,
  order: readonly number[],
): Selection {
  const checked = !sel.keys.has(key);
  const next = new Set(sel.keys);
  const from = shift && sel.anchor !== null ? order.indexOf(sel.anchor) : -1;
  const to = from >= 0 ? order.indexOf(key) : -1;
  if (from >= 0 && to >= 0) {
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    for (let i = lo; i <= hi; i += 1) {
      const k = order[i] as number;
      if (checked) next.add(k);
      else next.delete(k);
    }
  } else if (checked) next.add(key);
  else next.delete(key);
  return { keys: next, anchor: key };
}

/** "Select all N matching": exactly the VMs the grid shows now. */
export function selectAll(order: readonly number[]): Selection {
  return { keys: new Set(order), anchor: null };
}

/** Whether every VM in `order` is selected (and there is at least one). */
export function allSelected(sel: Selection, order: readonly number[]): boolean {
  return order.length > 0 && order.every((k) => sel.keys.has(k));
}

/**
 * The selected VMs that are still in the fleet: those the grid shows first, in its order, then the selected ones a
 * filter hides, by name.
 */
export function selectedVms(
  keys: ReadonlySet<number>,
  shown: readonly FleetVm[],
  all: readonly FleetVm[],
): FleetVm[] {
  if (keys.size === 0) return [];
  const out = shown.filter((vm) => keys.has(vm.key));
  if (out.length === keys.size) return out;
  const inShown = new Set(out.map((vm) => vm.key));
  const hidden = all
    .filter((vm) => keys.has(vm.key) && !inShown.has(vm.key))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return [...out, ...hidden];
}
