// Users (`/admin/users`, admins): add, disable, change a role, set a password (docs/ui-contract.md, "Users").
import { expect, type Locator, type Page } from '@playwright/test';

export class UsersPage {
  readonly main: Locator;
  readonly table: Locator;
  readonly addUser: Locator;
  /** `role="status"`: a done change, e.g. `bob is disabled.` */
  readonly notice: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Users' });
    this.table = this.main.getByRole('table', { name: 'Users' });
    this.addUser = this.main.getByRole('button', { name: 'Add user', exact: true });
    this.notice = this.main.getByRole('status');
  }

  async goto(): Promise<void> {
    await this.page.goto('/admin/users');
    await expect(this.main).toBeVisible();
  }

  row(username: string): Locator {
    return this.table
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell', { name: username, exact: true }) });
  }

  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title });
  }

  /** Adds a user through the `Add user` dialog and waits for it to close. */
  async add(user: { username: string; role: string; password: string }): Promise<void> {
    await this.addUser.click();
    const dialog = this.dialog('Add user');
    await dialog.getByRole('textbox', { name: 'User name' }).fill(user.username);
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption(user.role);
    await dialog.getByRole('textbox', { name: 'Password' }).fill(user.password);
    await dialog.getByRole('button', { name: 'Add user', exact: true }).click();
    await expect(dialog).toBeHidden();
  }

  setPasswordButton(username: string): Locator {
    return this.table.getByRole('button', { name: `Set password for ${username}`, exact: true });
  }

  /** The `Set a new password for <name>` dialog. */
  passwordDialog(username: string): Locator {
    return this.dialog(`Set a new password for ${username}`);
  }

  /** The `Tokens` cell of a user's row: how many of their personal tokens work now. */
  tokensCell(username: string): Locator {
    return this.row(username).getByRole('cell').nth(3);
  }

  disableButton(username: string): Locator {
    return this.table.getByRole('button', { name: `Disable ${username}`, exact: true });
  }
}
