// A wall display: an admin makes a display link in the UI; a screen with no session opens it and shows the fleet,
// signed in as the display, read-only. Revoking the link ends the display at its next request, with no reload.
import { expect, test } from '../fixtures';
import { AppHeader } from '../pages/app-header';
import { DisplayLinksPage } from '../pages/display-links-page';
import { FleetPage } from '../pages/fleet-page';
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

  // A screen with no session opens it: the fleet, as the display, with no power buttons and no Sign out.
  const wall = await newBrowser();
  await wall.goto(url);
  const wallHeader = new AppHeader(wall);
  const fleet = new FleetPage(wall);
  await expect(wallHeader.who(`Display: ${name}`)).toBeVisible();
  await expect(wall).toHaveURL(`${BFF_URL}/`);
  await expect(fleet.cards.first()).toBeVisible();
  await expect(fleet.grid.getByRole('button')).toHaveCount(0);
  await fleet.searchFor(VM.web01.name);
  await fleet.expectStatus(fleet.vmCard(VM.web01.name), 'Running');
  await expect(fleet.vmCard(VM.web01.name).getByRole('button')).toHaveCount(0);
  await fleet.searchFor(VM.db01.name);
  await fleet.expectStatus(fleet.vmCard(VM.db01.name), 'Stopped');
  await expect(fleet.vmCard(VM.db01.name).getByRole('button')).toHaveCount(0);
  await expect(wallHeader.signOut).toHaveCount(0);
  await wallHeader.expectNavLinks(['Fleet', 'Operations']);
  await expect(links.row(name)).toBeVisible();

  // The admin revokes it; the display notices at its next request, with nobody touching it.
  await links.revoke(name);
  await expect(links.row(name)).toContainText('Revoked');
  await expect(links.table.getByRole('button', { name: `Revoke ${name}` })).toHaveCount(0);

  const signIn = new SignInPage(wall);
  await signIn.expectShown();
  await expect(signIn.alert).toHaveText(DISPLAY_ENDED);
  await expect(fleet.grid).toHaveCount(0);
  expect((await wall.request.get('/api/fleet')).status(), 'the display cookie after revoking').toBe(401);

  // The link itself no longer opens anything.
  await wall.goto(url);
  await expect(wall.getByRole('alert')).toHaveText('This display link is not valid or was revoked');
  await expect(wall.getByRole('link', { name: 'sign in with a user name' })).toBeVisible();
});
