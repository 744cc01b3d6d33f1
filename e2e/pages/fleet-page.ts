// The fleet view, by role and accessible name, exactly as docs/ui-contract.md names things.
import { expect, type Locator, type Page } from '@playwright/test';

export type PowerButton =
  'Start' | 'Shut down' | 'Reboot' | 'Force off' | 'Reset' | 'Hibernate' | 'Start on node…';

/** Status labels (one vocabulary everywhere: apps/web/src/lib/status.ts). */
export type StatusLabel =
  'Running' | 'Stopped' | 'Starting' | 'Stopping' | 'Error' | 'Hibernated' | 'Hibernating';

/** What lives in the URL: `?q=&status=&node=&sort=&group=node`. */
export interface FleetQuery {
  q?: string;
  status?: string;
  node?: string;
  sort?: string;
  group?: 'node';
}

export class FleetPage {
  readonly header: Locator;
  readonly heading: Locator;
  /** `updated N s ago` or `waiting for data`. */
  readonly updated: Locator;
  /** `role="alert"`: `Data is out of date`, the reason and `since HH:MM:SS`. */
  readonly staleBanner: Locator;
  readonly search: Locator;
  readonly statusFilter: Locator;
  readonly nodeFilter: Locator;
  readonly sortBy: Locator;
  readonly groupByNode: Locator;
  readonly capacity: Locator;
  readonly grid: Locator;
  readonly cards: Locator;

  constructor(readonly page: Page) {
    this.header = page.getByRole('banner');
    this.heading = this.header.getByRole('heading', { name: 'Powerdeck' });
    this.updated = this.header.getByRole('status');
    this.staleBanner = page.getByRole('alert').filter({ hasText: 'Data is out of date' });
    this.search = page.getByRole('searchbox', { name: 'Search VMs' });
    this.statusFilter = page.getByRole('combobox', { name: 'Status', exact: true });
    this.nodeFilter = page.getByRole('combobox', { name: 'Node', exact: true });
    this.sortBy = page.getByRole('combobox', { name: 'Sort by' });
    this.groupByNode = page.getByRole('checkbox', { name: 'Group by node' });
    this.capacity = page.getByRole('region', { name: 'Cluster capacity' });
    this.grid = page.getByRole('region', { name: 'Virtual machines' });
    this.cards = this.grid.getByRole('article');
  }

  /** Opens the fleet view, optionally with filters in the URL, and waits for the grid. */
  async goto(query: FleetQuery = {}): Promise<void> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    await this.page.goto(qs ? `/?${qs}` : '/');
    await expect(this.heading).toBeVisible();
    await expect(this.grid).toBeVisible();
  }

  /** Opens the fleet view showing one VM (the search is in the URL) and answers its card. */
  async open(name: string): Promise<Locator> {
    await this.goto({ q: name });
    const card = this.vmCard(name);
    await expect(card).toBeVisible();
    return card;
  }

  /** A VM's card: the `article` named after the VM. */
  vmCard(name: string): Locator {
    return this.grid.getByRole('article', { name, exact: true });
  }

  /** A power button inside a card. */
  button(card: Locator, name: PowerButton): Locator {
    return card.getByRole('button', { name, exact: true });
  }

  /** The status badge text of a card, e.g. `Running`. */
  status(card: Locator, label: StatusLabel): Locator {
    return card.getByText(label, { exact: true });
  }

  async expectStatus(card: Locator, label: StatusLabel, timeout?: number): Promise<void> {
    await expect(this.status(card, label), `the card shows ${label}`).toBeVisible(
      timeout === undefined ? {} : { timeout },
    );
  }

  /** While an action is watched: `role="progressbar"` named `<Action> progress`. */
  progress(card: Locator, action: string): Locator {
    return card.getByRole('progressbar', { name: `${action} progress` });
  }

  /** An error in a card (`role="alert"`, names the VM and says what to do). */
  alert(card: Locator): Locator {
    return card.getByRole('alert');
  }

  /** A confirmation dialog, by its title (e.g. `Shut down web-02?`). */
  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title });
  }

  /** Any open dialog. */
  get anyDialog(): Locator {
    return this.page.getByRole('dialog');
  }

  dialogButton(dialog: Locator, name: string): Locator {
    return dialog.getByRole('button', { name, exact: true });
  }

  /** Force off's typed confirmation. */
  confirmName(dialog: Locator): Locator {
    return dialog.getByRole('textbox', { name: 'Type the VM name to confirm' });
  }

  /** The Shut down dialog's escalation (roles that may force off): `Force off if still running after`. */
  forceAfter(dialog: Locator): Locator {
    return dialog.getByRole('checkbox', { name: 'Force off if still running after' });
  }

  /** Its seconds: `Seconds before forcing off` (10 to 1800, default 120; disabled while unticked). */
  forceAfterSeconds(dialog: Locator): Locator {
    return dialog.getByRole('spinbutton', { name: 'Seconds before forcing off' });
  }

  /** Types into the search box as a person does. */
  async searchFor(text: string): Promise<void> {
    await this.search.fill(text);
  }

  /** Every element in the document (the DOM budget of a large fleet). */
  domSize(): Promise<number> {
    return this.page.evaluate(() => document.querySelectorAll('*').length);
  }
}
