// Display links (`/admin/displays`, admins): the addresses wall screens open (docs/ui-contract.md, "Display links").
import { expect, type Locator, type Page } from '@playwright/test';

export class DisplayLinksPage {
  readonly main: Locator;
  readonly table: Locator;
  readonly newLink: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Display links' });
    this.table = this.main.getByRole('table', { name: 'Display links' });
    this.newLink = this.main.getByRole('button', { name: 'New display link', exact: true });
  }

  async goto(): Promise<void> {
    await this.page.goto('/admin/displays');
    await expect(this.main).toBeVisible();
  }

  row(name: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('cell', { name, exact: true }) });
  }

  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title });
  }

  /** Creates a link through the `New display link` dialog and answers its `Display URL` (shown once). */
  async create(name: string): Promise<string> {
    await this.newLink.click();
    const dialog = this.dialog('New display link');
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const field = dialog.getByRole('textbox', { name: 'Display URL' });
    await expect(field).toHaveValue(/\/display#\S+$/);
    await expect(dialog).toContainText('Open this on the screen. It is not shown again.');
    const url = await field.inputValue();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog).toBeHidden();
    return url;
  }

  /** Revokes a link through its `Revoke <name>?` confirmation. */
  async revoke(name: string): Promise<void> {
    await this.table.getByRole('button', { name: `Revoke ${name}`, exact: true }).click();
    const dialog = this.dialog(`Revoke ${name}?`);
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(dialog).toBeHidden();
  }
}
