import { describe, expect, it } from 'vitest';
import {
  allSelected,
  clickSelection,
  EMPTY_SELECTION,
  selectAll,
  selectedVms,
  type Selection,
} from '../src/features/operations/lib/selection';
import { vm } from './fleet-fixtures';

const keys = (s: Selection) => [...s.keys].sort((a, b) => a - b);
/** Clicks in turn, each `[key, shift]`, over one order. */
function clicks(order: number[], steps: [number, boolean][], from: Selection = EMPTY_SELECTION): Selection {
  return steps.reduce((s, [k, shift]) => clickSelection(s, k, shift, order), from);
}

describe('selecting VMs', () => {
  const order = [10, 20, 30, 40, 50, 60];

  it('a click toggles one VM and makes it the anchor', () => {
    const s = clicks(order, [[30, false]]);
    expect(keys(s)).toEqual([30]);
    expect(s.anchor).toBe(30);
    expect(keys(clicks(order, [[30, false]], s))).toEqual([]);
  });

  it('shift-click selects the range from the anchor, both ends included, in the grid order', () => {
    expect(
      keys(
        clicks(order, [
          [20, false],
          [50, true],
        ]),
      ),
    ).toEqual([20, 30, 40, 50]);
    // upwards too
    expect(
      keys(
        clicks(order, [
          [50, false],
          [20, true],
        ]),
      ),
    ).toEqual([20, 30, 40, 50]);
  });

  it('the range follows the filtered and sorted order, not the keys', () => {
    // sorted by status: 60 and 10 are next to each other; 30 is filtered out
    const filtered = [60, 10, 50, 20];
    expect(
      keys(
        clicks(filtered, [
          [60, false],
          [50, true],
        ]),
      ),
    ).toEqual([10, 50, 60]);
  });

  it('shift-click on a ticked box clears the range', () => {
    const s = clicks(order, [
      [10, false],
      [60, true],
    ]);
    expect(keys(s)).toEqual(order);
    const cleared = clicks(
      order,
      [
        [30, false],
        [50, true],
      ],
      s,
    );
    // 30 was unticked by its own click; the range 30..50 takes 50's new state (unticked)
    expect(keys(cleared)).toEqual([10, 20, 60]);
  });

  it('without an anchor, or with one the filter now hides, shift-click toggles one', () => {
    expect(keys(clicks(order, [[40, true]]))).toEqual([40]);
    const s = clicks([10, 20, 30], [[10, false]]);
    expect(keys(clickSelection(s, 30, true, [20, 30]))).toEqual([10, 30]);
  });

  it('keeps VMs the filter hides selected', () => {
    const s = clicks([1, 2, 3], [[1, false]]);
    expect(
      keys(
        clicks(
          [7, 8, 9],
          [
            [7, false],
            [9, true],
          ],
          s,
        ),
      ),
    ).toEqual([1, 7, 8, 9]);
  });

  it('select all matching: exactly what the grid shows', () => {
    const s = clicks([1, 2, 3], [[1, false]]);
    const all = selectAll([4, 5]);
    expect(keys(all)).toEqual([4, 5]);
    expect(all.anchor).toBeNull();
    expect(allSelected(all, [4, 5])).toBe(true);
    expect(allSelected(s, [1, 2])).toBe(false);
    expect(allSelected(EMPTY_SELECTION, [])).toBe(false);
  });

  it('resolves the selection to the VMs still in the fleet: shown ones in grid order, then hidden ones by name', () => {
    const all = [vm(1, { name: 'b' }), vm(2, { name: 'a' }), vm(3, { name: 'z' }), vm(4, { name: 'c' })];
    const shown = [all[3]!, all[2]!];
    const picked = selectedVms(new Set([1, 2, 3, 4, 99]), shown, all);
    expect(picked.map((v) => v.key)).toEqual([4, 3, 2, 1]);
    expect(selectedVms(new Set(), shown, all)).toEqual([]);
  });
});
