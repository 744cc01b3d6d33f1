// Admin › Alerts (`/admin/alerts`, admins): the alert targets, the form, a target's page with its deliveries
// (docs/ui-contract.md, "Alerts").
import { expect, type Locator, type Page } from '@playwright/test';

export class AlertsPage {
  readonly list: Locator;

  constructor(readonly page: Page) {
    this.list = page.getByRole('main', { name: 'Alerts' }).getByRole('list', { name: 'Alert targets' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/admin/alerts');
    await expect(this.page.getByRole('main', { name: 'Alerts' })).toBeVisible();
  }

  /** A target's card in the list, by its name. */
  item(name: string): Locator {
    return this.list.getByRole('listitem', { name, exact: true });
  }

  /**
   * Adds a webhook target through `Add target` and the form, leaving the signing secret to Powerdeck; answers the
   * secret from the `Signing secret for <name>` dialog (shown once), closed with Done, and the target's id (its
   * page's address).
   */
  async addWebhook(name: string, url: string): Promise<{ id: string; secret: string }> {
    await this.page.getByRole('button', { name: 'Add target', exact: true }).click();
    const form = this.page.getByRole('form', { name: 'New alert target' });
    await expect(form).toBeVisible();
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await expect(form.getByRole('radio', { name: 'Webhook (signed JSON)' })).toBeChecked();
    await form.getByRole('textbox', { name: 'URL', exact: true }).fill(url);
    await form.getByRole('button', { name: 'Create target' }).click();

    const dialog = this.page.getByRole('dialog', { name: `Signing secret for ${name}` });
    const field = dialog.getByRole('textbox', { name: 'Signing secret' });
    await expect(field).toHaveValue(/^whsec_\S+$/);
    await expect(dialog).toContainText('Shown once: copy it now. It is not shown again.');
    await expect(dialog.getByRole('button', { name: 'Copy' })).toBeVisible();
    const secret = await field.inputValue();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog).toBeHidden();
    await expect(this.page).toHaveURL(/\/admin\/alerts\/[^/]+$/);
    const id = decodeURIComponent(new URL(this.page.url()).pathname.split('/').pop() ?? '');
    return { id, secret };
  }
}

/** A target's page (`/admin/alerts/:id`): its deliveries and its settings. */
export class AlertTargetPage {
  readonly main: Locator;
  readonly deliveriesRegion: Locator;
  readonly deliveries: Locator;
  readonly settings: Locator;

  constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    this.main = page.getByRole('main', { name });
    this.deliveriesRegion = this.main.getByRole('region', { name: 'Deliveries' });
    this.deliveries = this.deliveriesRegion.getByRole('table', { name: 'Deliveries' });
    this.settings = this.main.getByRole('form', { name: 'Settings' });
  }

  /** A delivery's row, by the event's words (`Test message`). */
  delivery(event: string): Locator {
    return this.deliveries
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell', { name: event, exact: true }) });
  }

  async setVmFilter(filter: string): Promise<void> {
    await this.settings.getByRole('textbox', { name: 'VM filter' }).fill(filter);
    await this.settings.getByRole('button', { name: 'Save target' }).click();
    await expect(this.settings.getByRole('status')).toHaveText(`Saved ${this.name}.`);
  }

  async sendTest(): Promise<void> {
    await this.deliveriesRegion.getByRole('button', { name: 'Send test' }).click();
    await expect(this.deliveriesRegion.getByRole('status')).toHaveText(/^Test message queued/);
  }

  async delete(): Promise<void> {
    await this.main.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = this.page.getByRole('dialog', { name: `Delete “${this.name}”?` });
    await dialog.getByRole('button', { name: 'Delete target' }).click();
    await expect(dialog).toBeHidden();
  }
}
