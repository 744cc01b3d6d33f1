// The page's header (`banner`): who is signed in, Sign out, and the `Main` navigation with the links the role may
// use (docs/ui-contract.md, "Page").
import { expect, type Locator, type Page } from '@playwright/test';

export type NavLink =
  | 'Fleet'
  | 'Operations'
  | 'Schedules'
  | 'Plans'
  | 'Audit log'
  | 'Users'
  | 'Sign-in'
  | 'Display links'
  | 'Alerts'
  | 'Tokens';
export const NAV_LINKS: readonly NavLink[] = [
  'Fleet',
  'Operations',
  'Schedules',
  'Plans',
  'Audit log',
  'Users',
  'Sign-in',
  'Display links',
  'Alerts',
  'Tokens',
];

export class AppHeader {
  readonly banner: Locator;
  readonly nav: Locator;
  readonly navLinks: Locator;
  readonly signOut: Locator;

  constructor(readonly page: Page) {
    this.banner = page.getByRole('banner');
    this.nav = page.getByRole('navigation', { name: 'Main' });
    this.navLinks = this.nav.getByRole('link');
    this.signOut = this.banner.getByRole('button', { name: 'Sign out', exact: true });
  }

  link(name: NavLink): Locator {
    return this.nav.getByRole('link', { name, exact: true });
  }

  /** `<user name> · <role>` for a person, `Display: <name>` for a wall display. */
  who(text: string): Locator {
    return this.banner.getByText(text, { exact: true });
  }

  async expectSignedInAs(username: string, role: string): Promise<void> {
    await expect(this.who(`${username} · ${role}`), `signed in as ${username} (${role})`).toBeVisible();
  }

  /** Exactly these links, no others. */
  async expectNavLinks(expected: readonly NavLink[]): Promise<void> {
    for (const name of expected) await expect(this.link(name), `the nav shows ${name}`).toBeVisible();
    for (const name of NAV_LINKS.filter((n) => !expected.includes(n))) {
      await expect(this.link(name), `the nav has no ${name}`).toHaveCount(0);
    }
    await expect(this.navLinks, 'no other links').toHaveCount(expected.length);
  }

  /** Follows a nav link and waits for it to be the current page. */
  async open(name: NavLink): Promise<void> {
    await this.link(name).click();
    await expect(this.link(name)).toHaveAttribute('aria-current', 'page');
  }
}
