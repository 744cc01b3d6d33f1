// A 10,000-VM fleet: the grid is virtualized, so the page stays under 1,500 DOM nodes however far one scrolls.
// This spec runs its own simulator and BFF (10,000 VMs, normal poll cadence), stopped when its worker ends.
import { expect, signInAs, test as base } from '../fixtures';
import { FleetPage } from '../pages/fleet-page';
import { startPair, type RunningPair } from '../support/servers';

const DOM_BUDGET = 1500;

const test = base.extend<object, { bigFleet: RunningPair }>({
  bigFleet: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take an object pattern
    async ({}, use) => {
      const pair = await startPair({ vms: 10_000 });
      await use(pair);
      await pair.stop();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

test('a 10,000-VM fleet stays under 1,500 DOM nodes, also scrolled', async ({ page, context, bigFleet }) => {
  test.setTimeout(90_000);
  // The pair's BFF has its own users and sessions (the same seeded people).
  await signInAs(context.request, 'admin', bigFleet.bffUrl);
  const fleet = new FleetPage(page);
  await page.goto(`${bigFleet.bffUrl}/`);
  await expect(fleet.heading).toBeVisible();
  await expect(fleet.cards.first()).toBeVisible({ timeout: 30_000 });
  expect(await fleet.domSize()).toBeLessThan(DOM_BUDGET);

  // Scroll far down the grid: cards come and go, the document does not grow.
  await fleet.grid.hover();
  for (let i = 0; i < 5; i += 1) await page.mouse.wheel(0, 20_000);
  await expect(fleet.cards.first()).toBeVisible();
  expect(await fleet.domSize()).toBeLessThan(DOM_BUDGET);

  // A VM far down the list is one search away.
  await fleet.searchFor('test');
  await expect(fleet.vmCard('test')).toBeVisible();
  expect(await fleet.domSize()).toBeLessThan(DOM_BUDGET);
});
