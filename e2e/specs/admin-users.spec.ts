// Users as an admin manages them: a user added in the UI signs in through the sign-in page in their own browser;
// disabling them ends their open session at once (their page's next request is refused and it shows the sign-in
// page), and they cannot sign in again. Setting a password in the UI revokes the user's personal tokens unless the
// admin unticks the box, and a script's next call with a revoked token is refused.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { expect, test } from '../fixtures';
import { AppHeader } from '../pages/app-header';
import { FleetPage } from '../pages/fleet-page';
import { SESSION_ENDED, SignInPage, WRONG_CREDENTIALS } from '../pages/sign-in-page';
import { UsersPage } from '../pages/users-page';
import { unique } from '../support/names';
import { BFF_URL } from '../support/servers';

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
    .toEqual([
      'create accepted {"role":"helpdesk"}',
      'disable accepted {"sessionsEnded":1,"tokensRevoked":0}',
    ]);
});

test("setting a user's password in the UI revokes their token (unless kept): their script is refused", async ({
  page,
  header,
  bff,
  playwright,
}) => {
  const username = unique('dave');
  const password = 'a-long-enough-password-2';

  // Set up through the API: the user, and a personal token they make for their script.
  const created = await page.request.post('/api/users', {
    headers: { [CSRF_HEADER]: '1' },
    data: { username, role: 'helpdesk', password },
  });
  expect(created.status(), 'POST /api/users').toBe(201);
  const theirs = await playwright.request.newContext({ baseURL: BFF_URL });
  const script = await playwright.request.newContext({ baseURL: BFF_URL });
  try {
    expect(
      (
        await theirs.post('/api/session', { headers: { [CSRF_HEADER]: '1' }, data: { username, password } })
      ).status(),
    ).toBe(200);
    const made = await theirs.post('/api/tokens', {
      headers: { [CSRF_HEADER]: '1' },
      data: { name: 'nightly-report', role: 'helpdesk', expiresInDays: 7 },
    });
    expect(made.status(), 'POST /api/tokens').toBe(201);
    const { token, info } = (await made.json()) as { token: string; info: { id: number } };
    const vms = () =>
      script.get('/api/v4/vms', {
        params: { fields: '$key,name' },
        headers: { Authorization: `Bearer ${token}` },
      });
    expect((await vms()).status(), 'the script before any change').toBe(200);

    await page.goto('/');
    await header.open('Users');
    const users = new UsersPage(page);
    await expect(users.tokensCell(username)).toHaveText('1');

    // First the admin keeps the tokens: the box is ticked when the dialog opens, and they untick it.
    await users.setPasswordButton(username).click();
    let dialog = users.passwordDialog(username);
    let revoke = dialog.getByRole('checkbox', { name: 'Also revoke their active personal token' });
    await expect(revoke).toBeChecked();
    await dialog.getByRole('textbox', { name: 'New password' }).fill('a-long-enough-password-3');
    await revoke.uncheck();
    await expect(dialog).toContainText('Their tokens keep working with the new password.');
    await dialog.getByRole('button', { name: 'Set password', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(users.notice).toHaveText(`Password changed for ${username}; their 1 token keeps working.`);
    expect((await vms()).status(), 'the script after a password change that kept tokens').toBe(200);

    // Then with the box left as it opens: the token is revoked, and the script is refused.
    await users.setPasswordButton(username).click();
    dialog = users.passwordDialog(username);
    revoke = dialog.getByRole('checkbox', { name: 'Also revoke their active personal token' });
    await expect(revoke).toBeChecked();
    await dialog.getByRole('textbox', { name: 'New password' }).fill('a-long-enough-password-4');
    await dialog.getByRole('button', { name: 'Set password', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(users.notice).toHaveText(`Password changed for ${username}; 1 token revoked.`);
    await expect(users.tokensCell(username)).toHaveText('0');
    const refused = await vms();
    expect(refused.status(), 'the script after the token was revoked').toBe(401);

    // On record: the two password changes (kept, then revoked) and the token's revocation, with why.
    await expect
      .poll(async () =>
        (await bff.auditRows({ actor: 'admin' }))
          .filter((r) => r.target === `user:${username}` || r.target === `token:${info.id}`)
          .map((r) => `${r.kind} ${r.action} ${r.outcome} ${r.reason ?? '-'} ${r.params}`)
          .reverse(),
      )
      .toEqual([
        'user create accepted - {"role":"helpdesk"}',
        'user passwd accepted - {"revokeTokens":false,"sessionsEnded":1,"tokensKept":1}',
        `token revoke accepted password changed {"name":"nightly-report","owner":"${username}","prefix":"${token.slice(0, 11)}","role":"helpdesk"}`,
        'user passwd accepted - {"revokeTokens":true,"sessionsEnded":0,"tokensRevoked":1}',
      ]);
  } finally {
    await theirs.dispose();
    await script.dispose();
  }
});
