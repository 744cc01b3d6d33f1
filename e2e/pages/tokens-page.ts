// Personal access tokens (`/tokens`, everyone who signs in with a password; docs/ui-contract.md, "Personal access
// tokens").
import { expect, type Locator, type Page } from '@playwright/test';

export class TokensPage {
  readonly main: Locator;
  readonly table: Locator;
  readonly newToken: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Personal access tokens' });
    this.table = this.main.getByRole('table', { name: 'Tokens' });
    this.newToken = this.main.getByRole('button', { name: 'New token', exact: true });
  }

  async goto(): Promise<void> {
    await this.page.goto('/tokens');
    await expect(this.main).toBeVisible();
  }

  row(name: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('cell', { name, exact: true }) });
  }

  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title });
  }

  /**
   * Creates a token through the `New token` dialog and answers its value, read from the read-only `New token`
   * field (shown once), then closes the dialog with `Done`.
   */
  async create(token: { name: string; role: string; days: 7 | 30 | 90 | 365 }): Promise<string> {
    await this.newToken.click();
    const dialog = this.dialog('New token');
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(token.name);
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption(token.role);
    await dialog.getByRole('combobox', { name: 'Expires in' }).selectOption({ label: `${token.days} days` });
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const field = dialog.getByRole('textbox', { name: 'New token' });
    await expect(field).toHaveValue(/\S{20,}/);
    await expect(dialog).toContainText('Copy it now: it is not shown again.');
    const value = await field.inputValue();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog).toBeHidden();
    return value;
  }

  /** Revokes a token through its `Revoke <name>?` confirmation. */
  async revoke(name: string): Promise<void> {
    await this.table.getByRole('button', { name: `Revoke ${name}`, exact: true }).click();
    const dialog = this.dialog(`Revoke ${name}?`);
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(dialog).toBeHidden();
  }
}
