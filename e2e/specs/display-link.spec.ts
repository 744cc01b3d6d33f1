// A wall display: an admin makes a display link in the UI; a screen with no session opens it and lands on the wall
// view, signed in as the display, read-only (no button at all). Revoking the link ends the display at its next
// request, with no reload.
import { expect, test } from '../fixtures';
import { DisplayLinksPage } from '../pages/display-links-page';
import { DISPLAY_ENDED, SignInPage } from '../pages/sign-in-page';
import { unique } from '../support/names';
import { VM } from '../support/seed';
import { BFF_URL } from '../support/servers';

test('a display link opens the fleet read-only on a screen; revoking it ends the display at once', async ({
  page,
  sim,
  header,
  newBrowser,
}) => {
  await sim.setVm(VM.web01.key, { status: 'running' });
  await sim.setVm(VM.db01.key, { status: 'stopped' });
  const name = unique('Ops room wall');

  // The admin makes the link.
  await page.goto('/');
  await header.open('Display links');
  const links = new DisplayLinksPage(page);
  const url = await links.create(name);
  expect(url).toMatch(new RegExp(`^${BFF_URL}/display#`));
  await expect(links.row(name)).toContainText('Active');

  // A screen with no session opens it: the wall view, as the display, with no button at all.
  const wall = await newBrowser();
  await wall.goto(url);
  await expect(wall).toHaveURL(`${BFF_URL}/wall`);
  const wallView = wall.getByRole('main', { name: 'Wall display' });
  await expect(wallView).toBeVisible();
  await expect(wallView.getByRole('listitem', { name: `${VM.web01.name}: Running` })).toBeVisible();
  await expect(wallView.getByRole('listitem', { name: `${VM.db01.name}: Stopped` })).toBeVisible();
  await expect(wall.getByRole('list', { name: 'Fleet totals' })).toBeVisible();
  await expect(wall.getByRole('button')).toHaveCount(0);
  await expect(wall.getByRole('banner')).toHaveCount(0);
  await expect(wall.getByRole('navigation')).toHaveCount(0);
  await expect(links.row(name)).toBeVisible();

  // The admin revokes it; the display notices at its next request, with nobody touching it.
  await links.revoke(name);
  await expect(links.row(name)).toContainText('Revoked');
  await expect(links.table.getByRole('button', { name: `Revoke ${name}` })).toHaveCount(0);

  const signIn = new SignInPage(wall);
  await signIn.expectShown();
  await expect(signIn.alert).toHaveText(DISPLAY_ENDED);
  await expect(wallView).toHaveCount(0);
  expect((await wall.request.get('/api/fleet')).status(), 'the display cookie after revoking').toBe(401);

  // The link itself no longer opens anything.
  await wall.goto(url);
  await expect(wall.getByRole('alert')).toHaveText('This display link is not valid or was revoked');
  await expect(wall.getByRole('link', { name: 'sign in with a user name' })).toBeVisible();
});
