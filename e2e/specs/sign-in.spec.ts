// Signing in through the sign-in page: it replaces the page asked for (at the same address) until someone signs in,
// refuses a wrong password with one generic message whichever of the two was wrong, and then lands on the page
// asked for. Signing out ends the session on the server too (its cookie no longer works); a reload keeps it.
import { expect, test } from '../fixtures';
import { WRONG_CREDENTIALS } from '../pages/sign-in-page';
import { VM } from '../support/seed';
import { BFF_URL, E2E_PASSWORD } from '../support/servers';

test.use({ persona: 'nobody' });

test('a deep link asks to sign in first; a wrong password gets one generic alert; then it lands there', async ({
  page,
  signInPage,
  header,
}) => {
  await page.goto(`/vms/${VM.test.key}`);
  await signInPage.expectShown();
  await expect(page).toHaveURL(new RegExp(`/vms/${VM.test.key}$`));
  // Nothing of the app shows before someone signs in.
  await expect(header.nav).toHaveCount(0);
  await expect(page.getByRole('heading', { name: VM.test.name, exact: true })).toHaveCount(0);

  // A wrong password and an unknown user name get the same one message.
  expect(await signInPage.signIn('viewer', 'not-the-password')).toBe(401);
  await expect(signInPage.alert).toHaveText(WRONG_CREDENTIALS);
  await expect(signInPage.alert).toHaveCount(1);
  expect(await signInPage.signIn('no-such-user', E2E_PASSWORD)).toBe(401);
  await expect(signInPage.alert).toHaveText(WRONG_CREDENTIALS);
  await expect(signInPage.alert).toHaveCount(1);
  await expect(page).toHaveURL(new RegExp(`/vms/${VM.test.key}$`));
  await expect(signInPage.form).toBeVisible();

  expect(await signInPage.signIn('viewer', E2E_PASSWORD)).toBe(200);
  await header.expectSignedInAs('viewer', 'viewer');
  await expect(page).toHaveURL(new RegExp(`/vms/${VM.test.key}$`));
  await expect(page.getByRole('main', { name: VM.test.name })).toBeVisible();
  await expect(signInPage.form).toHaveCount(0);
});

test('Sign out shows the sign-in page at / and the old session cookie no longer works', async ({
  page,
  context,
  playwright,
  signInPage,
  header,
}) => {
  await page.goto('/audit');
  await signInPage.signIn('admin', E2E_PASSWORD);
  await header.expectSignedInAs('admin', 'admin');
  await expect(page.getByRole('main', { name: 'Audit log' })).toBeVisible();

  // The session cookie as a script could have copied it.
  const cookie = (await context.cookies(BFF_URL)).map((c) => `${c.name}=${c.value}`).join('; ');
  expect(cookie).not.toBe('');
  const old = await playwright.request.newContext({ baseURL: BFF_URL, extraHTTPHeaders: { cookie } });
  try {
    expect((await old.get('/api/session')).status(), 'the cookie works while signed in').toBe(200);

    await header.signOut.click();
    await signInPage.expectShown();
    await expect(page).toHaveURL(`${BFF_URL}/`);
    await expect(header.nav).toHaveCount(0);
    // Signing out is not an ended session: no "session ended" notice.
    await expect(signInPage.alert).toHaveCount(0);

    expect((await old.get('/api/session')).status(), 'the old cookie after Sign out').toBe(401);
    expect((await old.get('/api/fleet')).status(), 'the old cookie after Sign out').toBe(401);
  } finally {
    await old.dispose();
  }
});

test('a page reload keeps the session', async ({ page, signInPage, header, fleetPage }) => {
  await page.goto(`/?q=${VM.web01.name}`);
  await signInPage.signIn('helpdesk', E2E_PASSWORD);
  await header.expectSignedInAs('helpdesk', 'helpdesk');
  await expect(fleetPage.vmCard(VM.web01.name)).toBeVisible();

  await page.reload();
  await header.expectSignedInAs('helpdesk', 'helpdesk');
  await expect(fleetPage.vmCard(VM.web01.name)).toBeVisible();
  await expect(signInPage.form).toHaveCount(0);
});
