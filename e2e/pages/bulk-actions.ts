// Selecting VMs on the fleet page and acting on them together (docs/ui-contract.md, "Selection and bulk actions"):
// each card's `Select <name>` checkbox, the `Selection` group under the toolbar, and the one confirmation dialog.
import { expect, type Locator, type Page } from '@playwright/test';

export type BulkAction = 'Start' | 'Shut down' | 'Reboot' | 'Force off';

const VERB: Record<BulkAction, string> = {
  Start: 'start',
  'Shut down': 'shut down',
  Reboot: 'reboot',
  'Force off': 'force off',
};

/** `1 VM`, `3 VMs`. */
export const vms = (n: number): string => `${n} ${n === 1 ? 'VM' : 'VMs'}`;

export class SelectionBar {
  readonly group: Locator;
  /** `N selected`. */
  readonly count: Locator;
  readonly clear: Locator;

  constructor(readonly page: Page) {
    this.group = page.getByRole('group', { name: 'Selection', exact: true });
    this.count = this.group.getByRole('status');
    this.clear = this.group.getByRole('button', { name: 'Clear selection', exact: true });
  }

  /** A card's selection checkbox. */
  box(name: string): Locator {
    return this.page
      .getByRole('region', { name: 'Virtual machines' })
      .getByRole('checkbox', { name: `Select ${name}`, exact: true });
  }

  /** `Select all N matching` (N = the VMs the current filter shows). */
  selectAll(n?: number): Locator {
    return this.group.getByRole('button', {
      name: n === undefined ? /^Select all \d+ matching$/ : `Select all ${n} matching`,
    });
  }

  /** `Start selected`, `Shut down selected`, `Reboot selected`, `Force off selected`. */
  action(action: BulkAction): Locator {
    return this.group.getByRole('button', { name: `${action} selected`, exact: true });
  }

  /** Clicks a card's checkbox (with Shift: the range from the last one clicked). */
  async toggle(name: string, opts: { shift?: boolean } = {}): Promise<void> {
    await this.box(name).click(opts.shift ? { modifiers: ['Shift'] } : {});
  }

  async expectSelected(n: number): Promise<void> {
    await expect(this.count).toHaveText(`${n} selected`);
  }

  /**
   * Presses `<Action> selected` and answers its confirmation, once shown, for the `n` VMs it acts on, having
   * checked that the VMs it skips are listed with why (`{ name: why }`).
   */
  async open(action: BulkAction, n: number, skipped: Record<string, string> = {}): Promise<BulkDialog> {
    await this.action(action).click();
    const dialog = new BulkDialog(this.page, action, n);
    await expect(dialog.dialog).toBeVisible();
    await dialog.expectSkipped(skipped);
    return dialog;
  }
}

/** The confirmation of a bulk action: `<Action> N VMs?`. */
export class BulkDialog {
  readonly dialog: Locator;
  /** `VMs to <verb>`. */
  readonly toAct: Locator;
  readonly skipped: Locator;
  readonly reason: Locator;
  readonly typedCount: Locator;
  readonly atOnce: Locator;
  readonly forceAfter: Locator;
  readonly forceAfterSeconds: Locator;
  readonly cancel: Locator;
  readonly confirm: Locator;

  constructor(
    readonly page: Page,
    readonly action: BulkAction,
    readonly n: number,
  ) {
    this.dialog = page.getByRole('dialog', { name: `${action} ${vms(n)}?`, exact: true });
    this.toAct = this.dialog.getByRole('list', { name: `VMs to ${VERB[action]}`, exact: true });
    this.skipped = this.dialog.getByRole('list', { name: 'Skipped VMs', exact: true });
    this.reason = this.dialog.getByRole('textbox', { name: 'Reason' });
    this.typedCount = this.dialog.getByRole('textbox', { name: 'Type the number of VMs to confirm' });
    this.atOnce = this.dialog.getByRole('spinbutton', { name: 'VMs at once' });
    this.forceAfter = this.dialog.getByRole('checkbox', { name: 'Force off if still running after' });
    this.forceAfterSeconds = this.dialog.getByRole('spinbutton', { name: 'Seconds before forcing off' });
    this.cancel = this.dialog.getByRole('button', { name: 'Cancel', exact: true });
    this.confirm = this.dialog.getByRole('button', { name: `${action} ${vms(n)}`, exact: true });
  }

  /** Exactly these VMs listed to act on, in this order. */
  async expectToAct(names: readonly string[]): Promise<void> {
    const items = this.toAct.getByRole('listitem');
    await expect(items).toHaveCount(names.length);
    await expect(items).toContainText([...names]);
  }

  /** Exactly these VMs listed as skipped, each with why (e.g. `already stopped`). */
  async expectSkipped(why: Record<string, string>): Promise<void> {
    const items = this.skipped.getByRole('listitem');
    await expect(items).toHaveCount(Object.keys(why).length);
    for (const [name, reason] of Object.entries(why)) {
      await expect(items.filter({ hasText: name }), `${name} is skipped: ${reason}`).toContainText(reason);
    }
  }
}
