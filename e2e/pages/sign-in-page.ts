// The sign-in page (docs/ui-contract.md, "Signing in"): shown in place of the page asked for, at the same address,
// while nobody is signed in. With single sign-on on, "Sign in with <provider>" comes first and the password form is
// named `Sign in with a password` (or, in break-glass mode, `Sign in with a local account`, folded under a button of
// that name); `form` finds it by the words they share.
import { expect, type Locator, type Page } from '@playwright/test';

/** What the sign-in page says when a signed-in person's session ended (a 401 from any request). */
export const SESSION_ENDED = 'Your session ended. Sign in again.';
/** What it says when a wall display's session ended (its link revoked). */
export const DISPLAY_ENDED =
  'This display was signed out: its link was revoked or is no longer valid. Open a new display link, or sign in.';
/** The server's one message for a wrong user name or password (never which of the two). */
export const WRONG_CREDENTIALS = 'Wrong user name or password';

export class SignInPage {
  readonly heading: Locator;
  readonly form: Locator;
  readonly userName: Locator;
  /** Password fields have no ARIA role: by label. */
  readonly password: Locator;
  readonly submit: Locator;
  /** `role="alert"`: a refused sign-in, or why the person is here (the session ended). */
  readonly alert: Locator;
  /** Break glass: the button that unfolds the password form. */
  readonly localAccount: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Sign in', exact: true });
    this.form = page.getByRole('form', { name: 'Sign in' });
    this.userName = this.form.getByRole('textbox', { name: 'User name' });
    this.password = this.form.getByLabel('Password', { exact: true });
    this.submit = this.form.getByRole('button', { name: 'Sign in', exact: true });
    this.alert = page.getByRole('alert');
    this.localAccount = page.getByRole('button', { name: 'Sign in with a local account', exact: true });
  }

  /** The link that starts a single sign-on: `Sign in with <provider>`. */
  ssoLink(providerName: string): Locator {
    return this.page.getByRole('link', { name: `Sign in with ${providerName}`, exact: true });
  }

  async expectShown(): Promise<void> {
    await expect(this.heading, 'the sign-in page is shown').toBeVisible();
    await expect(this.form).toBeVisible();
  }

  /**
   * Types a user name and password as a person does, submits, and answers the HTTP status of the sign-in request
   * once it is answered (what the page then shows is for the caller to check).
   */
  async signIn(username: string, password: string): Promise<number> {
    await this.userName.fill(username);
    await this.password.fill(password);
    const answered = this.page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/session' && r.request().method() === 'POST',
    );
    await this.submit.click();
    return (await answered).status();
  }
}
