// Single sign-on with OpenID Connect (issue 18), in Chromium, through a real provider's own login page
// (packages/test-oidc-provider, started by playwright.config.ts; its people in support/oidc.ts):
// - a viewer, a help-desk person and an admin each sign in at the provider and get the role their groups map to,
//   landing on the page they asked for; the admin sees them on Users as single sign-on users;
// - someone whose groups change at the provider gets the new role at their next sign-in;
// - someone whose groups map to no role lands on the refused page, which lists the groups the provider sent;
// - signing out ends the session at the provider too (its logout page) and comes back to Powerdeck;
// - an admin turns password sign-in off but for break-glass admins on Admin > Sign-in: a local non-admin's password
//   is refused with the message, the break-glass admin still gets in; then it is turned back on.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { SignInSettings } from '@powerdeck/contracts/sso';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from '../fixtures';
import { AppHeader } from '../pages/app-header';
import { SignInPage } from '../pages/sign-in-page';
import { IdpLoginPage, SignInSettingsPage, SsoRefusedPage } from '../pages/sso-pages';
import { UsersPage } from '../pages/users-page';
import { OIDC_PROVIDER_NAME, OIDC_URL, OIDC_USERS, type OidcPersona } from '../support/oidc';
import { BFF_URL, E2E_PASSWORD } from '../support/servers';

test.use({ persona: 'nobody' });

/** Opens `path` signed out, follows "Sign in with Test IdP" and signs in at the provider's login page. */
async function signInWithIdp(page: Page, who: OidcPersona, path: string): Promise<void> {
  await page.goto(path);
  const signInPage = new SignInPage(page);
  await expect(signInPage.heading).toBeVisible();
  await signInPage.ssoLink(OIDC_PROVIDER_NAME).click();
  const user = OIDC_USERS[who];
  await new IdpLoginPage(page).signIn(user.login, user.password);
}

async function putSignInSettings(api: APIRequestContext, body: SignInSettings): Promise<void> {
  const res = await api.put(`${BFF_URL}/api/settings/sign-in`, {
    headers: { [CSRF_HEADER]: '1' },
    data: body,
  });
  expect(res.status(), `PUT /api/settings/sign-in ${await res.text()}`).toBe(200);
}

test('a viewer, a help-desk person and an admin sign in at the provider and get the role of their groups', async ({
  newBrowser,
  bff,
}) => {
  const from = new Date(Date.now() - 1000).toISOString();
  const cases = [
    { who: 'viewer', role: 'viewer', path: '/operations', main: 'Operations' },
    { who: 'helpdesk', role: 'helpdesk', path: '/schedules', main: 'Schedules' },
    { who: 'admin', role: 'admin', path: '/audit', main: 'Audit log' },
  ] as const;
  let adminPage: Page | undefined;
  for (const c of cases) {
    // Each in a browser of their own (no session at the provider yet: its login page shows).
    const page = await newBrowser();
    await signInWithIdp(page, c.who, c.path);
    const header = new AppHeader(page);
    await header.expectSignedInAs(OIDC_USERS[c.who].login, c.role);
    await expect(page, 'back on the page asked for').toHaveURL(`${BFF_URL}${c.path}`);
    await expect(page.getByRole('main', { name: c.main })).toBeVisible();
    if (c.who === 'admin') adminPage = page;
  }

  // The admin sees them as single sign-on users: role from the provider, no password to set.
  const page = adminPage!;
  await new AppHeader(page).open('Users');
  const users = new UsersPage(page);
  for (const c of cases) {
    const login = OIDC_USERS[c.who].login;
    const row = users.row(login);
    await expect(row).toContainText('Single sign-on');
    await expect(row.getByRole('cell').nth(1)).toHaveText(`${c.role}from the identity provider`);
    await expect(row.getByRole('combobox', { name: `Role for ${login}` })).toHaveCount(0);
    await expect(users.setPasswordButton(login)).toHaveCount(0);
    await expect(users.disableButton(login)).toBeVisible();
  }
  await expect(users.setPasswordButton('viewer')).toBeVisible();

  // Every sign-in is on record as a single sign-on.
  const signIns = await bff.auditRows({ kind: 'signin', from });
  expect(
    signIns
      .filter((r) => r.authKind === 'sso')
      .map((r) => r.actor)
      .sort(),
  ).toEqual(['ada', 'hank', 'vera']);
});

test('groups changed at the provider give the new role at the next sign-in', async ({
  newBrowser,
  playwright,
}) => {
  const idp = await playwright.request.newContext({ baseURL: OIDC_URL });
  const vera = OIDC_USERS.viewer;
  try {
    const before = await newBrowser();
    await signInWithIdp(before, 'viewer', '/');
    await new AppHeader(before).expectSignedInAs(vera.login, 'viewer');

    // The provider's admin moves her into the help-desk group (the provider's control route).
    const res = await idp.post(`/__oidc/users/${vera.login}`, { data: { groups: ['pd-helpdesk'] } });
    expect(res.status()).toBe(200);

    const after = await newBrowser();
    await signInWithIdp(after, 'viewer', '/');
    await new AppHeader(after).expectSignedInAs(vera.login, 'helpdesk');
  } finally {
    await idp.post(`/__oidc/users/${vera.login}`, { data: { groups: [...vera.groups] } });
    await idp.dispose();
  }
});

test('someone whose groups map to no role lands on the refused page, which lists their groups', async ({
  page,
}) => {
  await signInWithIdp(page, 'nobody', '/');
  const refused = new SsoRefusedPage(page);
  await expect(page).toHaveURL(/\/sign-in\/refused\?id=/);
  await expect(refused.region).toBeVisible();
  await expect(refused.alert).toBeVisible();
  await expect(refused.region).toContainText(`Groups ${OIDC_PROVIDER_NAME} sent (claim groups):`);
  await expect(refused.groups(OIDC_PROVIDER_NAME).getByRole('listitem')).toHaveText(['staff', 'vpn-users']);
  await expect(refused.region).toContainText(
    'Ask your Powerdeck admin to map one of these groups to a role.',
  );
  // Nobody is signed in.
  await expect(new AppHeader(page).banner).toHaveCount(0);
  expect((await page.request.get('/api/session')).status()).toBe(401);

  await refused.tryAgain.click();
  await expect(new SignInPage(page).ssoLink(OIDC_PROVIDER_NAME)).toBeVisible();
  await expect(page).toHaveURL(`${BFF_URL}/`);
});

test('Sign out ends the session at the provider too, through its logout page, and comes back', async ({
  page,
}) => {
  await signInWithIdp(page, 'helpdesk', '/');
  const header = new AppHeader(page);
  await header.expectSignedInAs(OIDC_USERS.helpdesk.login, 'helpdesk');

  await header.signOut.click();
  // The provider's own logout page asks to confirm (oidc-provider's end_session).
  await expect(page, 'at the provider’s logout').toHaveURL(new RegExp(`^${OIDC_URL}/`));
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page).toHaveURL(`${BFF_URL}/`);
  const signInPage = new SignInPage(page);
  await expect(signInPage.ssoLink(OIDC_PROVIDER_NAME)).toBeVisible();
  expect((await page.request.get('/api/session')).status()).toBe(401);

  // Signed out at the provider as well: the next sign-in asks for the password again.
  await signInPage.ssoLink(OIDC_PROVIDER_NAME).click();
  await new IdpLoginPage(page).expectShown();
});

test('password sign-in turned off but for break-glass admins: a local non-admin is refused, the admin gets in', async ({
  page,
  loginAs,
  newBrowser,
  bffApi,
}) => {
  await loginAs('admin');
  try {
    await page.goto('/');
    const header = new AppHeader(page);
    await header.open('Sign-in');
    const settings = new SignInSettingsPage(page);
    await expect(settings.everyone).toBeChecked();
    await settings.breakGlass.check();
    await settings.admin('admin').check();
    await settings.save.click();
    await expect(settings.notice).toHaveText(
      `Saved: only admin may use a password; everyone else signs in with ${OIDC_PROVIDER_NAME}.`,
    );

    // Someone else's browser: the provider first, the password folded away for emergency admin accounts.
    const theirs = await newBrowser();
    await theirs.goto('/');
    const signIn = new SignInPage(theirs);
    await expect(signIn.ssoLink(OIDC_PROVIDER_NAME)).toBeVisible();
    await expect(signIn.form).toHaveCount(0);
    await signIn.localAccount.click();
    await expect(theirs.getByText('For emergency admin accounts only')).toBeVisible();

    // A local non-admin's right password is refused, saying why.
    expect(await signIn.signIn('viewer', E2E_PASSWORD)).toBe(403);
    await expect(signIn.alert).toHaveText(/^Password sign-in is turned off/);
    await expect(signIn.alert).toContainText(OIDC_PROVIDER_NAME);
    expect((await theirs.request.get('/api/session')).status()).toBe(401);

    // The break-glass admin gets in.
    expect(await signIn.signIn('admin', E2E_PASSWORD)).toBe(200);
    await new AppHeader(theirs).expectSignedInAs('admin', 'admin');

    // Turned back on by the admin.
    await settings.everyone.check();
    await settings.save.click();
    await expect(settings.notice).toHaveText('Saved: everyone may use a password.');
  } finally {
    // Whatever happened above, the other specs sign in with passwords.
    await putSignInSettings(bffApi, { passwordSignIn: 'everyone', breakGlassAdmins: [] });
  }
});
