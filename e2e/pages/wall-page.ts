// The wall view (`/wall`), by role and accessible name, exactly as docs/ui-contract.md ("Wall") names things.
import { expect, type Locator, type Page } from '@playwright/test';

/** The five totals at the top, in order. */
export const WALL_TOTALS = [
  'Running',
  'Stopped',
  'Changing',
  'Needs attention',
  'Down unexpectedly',
] as const;
export type WallTotal = (typeof WALL_TOTALS)[number];

/** URL options for kiosk browsers. */
export interface WallQuery {
  group?: 'node' | 'none';
  filter?: string;
  cycle?: number;
}

export class WallPage {
  readonly main: Locator;
  readonly totals: Locator;
  /** `updated N s ago at HH:MM:SS` (or `waiting for data`). */
  readonly updated: Locator;
  /** The STALE alert across the top of the screen. */
  readonly stale: Locator;
  /** Every VM tile, in any group. */
  readonly tiles: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Wall display' });
    this.totals = this.main.getByRole('list', { name: 'Fleet totals' });
    this.updated = this.main.getByText(/^(updated \d+ (s|min|h) ago|waiting for data)/);
    this.stale = this.main.getByRole('alert').filter({ hasText: 'STALE' });
    this.tiles = this.main.getByRole('list', { name: /^(VMs on |Virtual machines$)/ }).getByRole('listitem');
  }

  async goto(query: WallQuery = {}): Promise<void> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    await this.page.goto(qs ? `/wall?${qs}` : '/wall');
    await expect(this.main).toBeVisible();
    await expect(this.tiles.first()).toBeVisible();
  }

  /** What "updated N s ago at HH:MM:SS" counts from (epoch ms): its `<time>` element's `dateTime`. */
  async updatedAsOf(): Promise<number> {
    return Date.parse((await this.updated.locator('time').getAttribute('datetime')) ?? '');
  }

  /** The N of "updated N s ago" (in seconds; minutes and hours converted). */
  async updatedSeconds(): Promise<number> {
    const m = /^updated (\d+) (s|min|h) ago/.exec((await this.updated.textContent()) ?? '');
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'min' ? 60 : 1);
  }

  /** A total, e.g. `total('Running')` is the listitem named `Running 12`. */
  total(label: WallTotal): Locator {
    return this.totals.getByRole('listitem', { name: new RegExp(`^${label} \\d+$`) });
  }

  /** The number a total shows. */
  async totalValue(label: WallTotal): Promise<number> {
    const name = await this.total(label).getAttribute('aria-label');
    return Number(name?.slice(label.length + 1));
  }

  /** A node's group (`Not on a node` for stopped VMs). */
  group(node: string): Locator {
    return this.main.getByRole('group', { name: node, exact: true });
  }

  /** A VM's tile, by its whole name: `web-01: Running`, `db-02: Down unexpectedly`, `app-03: Stopped by alice`. */
  tile(vm: string, state: string, within: Locator = this.main): Locator {
    return within.getByRole('listitem', { name: `${vm}: ${state}`, exact: true });
  }

  /** Whether the page scrolls (the wall never does). */
  scrolls(): Promise<boolean> {
    return this.page.evaluate(() => {
      const doc = document.scrollingElement ?? document.documentElement;
      return doc.scrollHeight > window.innerHeight || doc.scrollWidth > window.innerWidth;
    });
  }

  /** Elements a person could press or type into, anywhere in the DOM (a kiosk screen has none). */
  controls(): Promise<number> {
    return this.page.evaluate(
      () =>
        document.querySelectorAll(
          'button, input, select, textarea, [role="button"], [contenteditable="true"]',
        ).length,
    );
  }
}
