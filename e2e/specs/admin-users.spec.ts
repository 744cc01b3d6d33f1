// Users as an admin manages them: a user added in the UI signs in through the sign-in page in their own browser;
// disabling them ends their open session at once (their page's next request is refused and it shows the sign-in
// page), and they cannot sign in again.
import { expect, test } from '../fixtures';
import { AppHeader } from '../pages/app-header';
import { FleetPage } from '../pages/fleet-page';
import { SESSION_ENDED, SignInPage, WRONG_CREDENTIALS } from '../pages/sign-in-page';
import { UsersPage } from '../pages/users-page';
import { unique } from '../support/names';

test('an added user signs in; disabling them ends their open session', async ({
  page,
  header,
  bff,
  newBrowser,
}) => {
  const username = unique('carol');
  const password = 'a-long-enough-password-1';

  await page.goto('/');
  await header.open('Users');
  const users = new UsersPage(page);
  await expect(users.table).toBeVisible();
  await users.add({ username, role: 'helpdesk', password });
  await expect(users.notice).toHaveText(`${username} is added as helpdesk.`);
  const row = users.row(username);
  await expect(row).toContainText('Enabled');
  await expect(row.getByRole('combobox', { name: `Role for ${username}` })).toHaveValue('helpdesk');

  // They sign in through the sign-in page, in their own browser.
  const theirs = await newBrowser();
  await theirs.goto('/');
  const signIn = new SignInPage(theirs);
  expect(await signIn.signIn(username, password)).toBe(200);
  await new AppHeader(theirs).expectSignedInAs(username, 'helpdesk');
  const fleet = new FleetPage(theirs);
  await expect(fleet.cards.first()).toBeVisible();

  // The admin disables them: a confirmation that says their sessions end.
  await users.disableButton(username).click();
  const dialog = users.dialog(`Disable ${username}?`);
  await expect(dialog).toContainText('Their sessions end at once');
  await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(users.notice).toHaveText(`${username} is disabled.`);
  await expect(row).toContainText('Disabled');
  await expect(users.table.getByRole('button', { name: `Enable ${username}` })).toBeVisible();

  // Their open page loses its session by itself: the next request is refused and the sign-in page says why.
  await signIn.expectShown();
  await expect(signIn.alert).toHaveText(SESSION_ENDED);
  await expect(fleet.grid).toHaveCount(0);
  expect((await theirs.request.get('/api/session')).status()).toBe(401);

  // And they cannot sign in again (the same generic message as a wrong password).
  expect(await signIn.signIn(username, password)).toBe(401);
  await expect(signIn.alert).toHaveText(WRONG_CREDENTIALS);

  // On record: the admin created them and disabled them, which ended their one session.
  await expect
    .poll(async () =>
      (await bff.auditRows({ kind: 'user', actor: 'admin' }))
        .filter((r) => r.target === `user:${username}`)
        .map((r) => `${r.action} ${r.outcome} ${r.params}`)
        .sort(),
    )
    .toEqual(['create accepted {"role":"helpdesk"}', 'disable accepted {"sessionsEnded":1}']);
});
