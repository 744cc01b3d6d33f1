// More than MAX_TILES VMs do not fit one screen legibly: the wall shows them in pages of at most MAX_TILES
// (as even as can be: 501 VMs make two pages of 251 and 250), each on screen for `?cycle=` seconds in turn. Which
// page shows is a function of the clock alone (no timer of its own, no state), so every wall with the same
// options shows the same page at the same time. Pure (tested in test/wall-pages.test.ts).

/** The most tiles on one screen. */
export const MAX_TILES = 500;

interface PagePlan {
  pages: number;
  perPage: number;
}

export function pagePlan(total: number, max = MAX_TILES): PagePlan {
  if (total <= max) return { pages: 1, perPage: Math.max(total, 0) };
  const pages = Math.ceil(total / max);
  return { pages, perPage: Math.ceil(total / pages) };
}

/** The page on screen at `nowMs`. */
export function pageIndexAt(nowMs: number, cycleS: number, pages: number): number {
  if (pages <= 1) return 0;
  return Math.floor(nowMs / (cycleS * 1000)) % pages;
}

/** Whole seconds until the next page (1..cycleS). */
export function secondsToNextPage(nowMs: number, cycleS: number): number {
  const period = cycleS * 1000;
  return Math.ceil((period - (nowMs % period)) / 1000);
}

/** The items of page `index` (0-based). */
export function pageItems<T>(items: readonly T[], plan: PagePlan, index: number): readonly T[] {
  if (plan.pages <= 1) return items;
  const i = Math.min(Math.max(0, index), plan.pages - 1);
  return items.slice(i * plan.perPage, (i + 1) * plan.perPage);
}
