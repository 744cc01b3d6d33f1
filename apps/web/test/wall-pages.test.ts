import { describe, expect, it } from 'vitest';
import { pageIndexAt, pageItems, pagePlan, secondsToNextPage } from '../src/features/wall/lib/pages';

describe('page cycling', () => {
  it('one page never cycles', () => {
    expect(pageIndexAt(123_456_789, 30, 1)).toBe(0);
  });
  it('each page for `cycle` seconds, in turn, round and round', () => {
    const t = 1_000_000 * 90_000; // a multiple of 3 × 30 s: page 0 starts here
    expect(pageIndexAt(t, 30, 3)).toBe(0);
    expect(pageIndexAt(t + 29_999, 30, 3)).toBe(0);
    expect(pageIndexAt(t + 30_000, 30, 3)).toBe(1);
    expect(pageIndexAt(t + 60_000, 30, 3)).toBe(2);
    expect(pageIndexAt(t + 90_000, 30, 3)).toBe(0);
    expect(pageIndexAt(t + 10_000, 10, 3)).toBe(1);
  });
  it('counts down to the next page', () => {
    const t = 1_000_000 * 90_000;
    expect(secondsToNextPage(t, 30)).toBe(30);
    expect(secondsToNextPage(t + 1, 30)).toBe(30);
    expect(secondsToNextPage(t + 29_001, 30)).toBe(1);
  });
  it('slices pages evenly and covers every item once', () => {
    const items = Array.from({ length: 1001 }, (_, i) => i);
    const plan = pagePlan(items.length);
    expect(plan).toEqual({ pages: 3, perPage: 334 });
    const pages = [0, 1, 2].map((i) => pageItems(items, plan, i));
    expect(pages.map((p) => p.length)).toEqual([334, 334, 333]);
    expect(pages.flat()).toEqual(items);
    expect(pageItems(items, plan, 7)).toEqual(pages[2]);
  });
  it('one page: all items, as they are', () => {
    const items = [1, 2, 3];
    expect(pageItems(items, pagePlan(3), 0)).toBe(items);
  });
});
