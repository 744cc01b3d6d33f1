// The pages of a single sign-on (issue 18): the test identity provider's own login page (packages/test-oidc-provider:
// a plain form, `Username`, `Password`, `Sign in`), Powerdeck's page of a refused sign-in (`/sign-in/refused`), and
// Admin > Sign-in (`/admin/sign-in`), by role and accessible name (docs/ui-contract.md).
import { expect, type Locator, type Page } from '@playwright/test';
import { OIDC_URL } from '../support/oidc';

export class IdpLoginPage {
  readonly heading: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Test identity provider' });
    this.username = page.getByRole('textbox', { name: 'Username' });
    this.password = page.getByLabel('Password');
    this.submit = page.getByRole('button', { name: 'Sign in', exact: true });
    this.alert = page.getByRole('alert');
  }

  async expectShown(): Promise<void> {
    await expect(this.page, 'at the identity provider').toHaveURL(new RegExp(`^${OIDC_URL}/interaction/`));
    await expect(this.heading).toBeVisible();
  }

  /** Signs in at the provider as a person does; the provider then sends the browser back to Powerdeck. */
  async signIn(login: string, password: string): Promise<void> {
    await this.expectShown();
    await this.username.fill(login);
    await this.password.fill(password);
    await this.submit.click();
  }
}

export class SsoRefusedPage {
  readonly region: Locator;
  readonly alert: Locator;
  readonly tryAgain: Locator;

  constructor(readonly page: Page) {
    this.region = page.getByRole('region', { name: 'Sign-in refused' });
    this.alert = this.region.getByRole('alert');
    this.tryAgain = this.region.getByRole('link', { name: 'Try again', exact: true });
  }

  /** The list of the groups the provider sent (`Groups <provider> sent (claim <claim>):`). */
  groups(providerName: string): Locator {
    return this.region.getByRole('list', { name: `Groups ${providerName} sent` });
  }
}

export class SignInSettingsPage {
  readonly main: Locator;
  readonly form: Locator;
  readonly everyone: Locator;
  readonly breakGlass: Locator;
  readonly admins: Locator;
  readonly save: Locator;
  readonly notice: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Sign-in' });
    this.form = this.main.getByRole('form', { name: 'Password sign-in' });
    this.everyone = this.form.getByRole('radio', { name: 'Everyone may use a password' });
    this.breakGlass = this.form.getByRole('radio', { name: 'Only these local admins (break glass)' });
    this.admins = this.form.getByRole('group', { name: 'Local admins who may use a password' });
    this.save = this.form.getByRole('button', { name: 'Save', exact: true });
    this.notice = this.form.getByRole('status');
    this.alert = this.form.getByRole('alert');
  }

  admin(username: string): Locator {
    return this.admins.getByRole('checkbox', { name: username, exact: true });
  }
}
