// The fleet appears: every VM as a card with its status, the header says how fresh the data is, the capacity
// strip shows each node, and the search narrows the grid and lives in the URL.
import { expect, test } from '../fixtures';
import { VM } from '../support/seed';

test.describe('the fleet', () => {
  test('appears: cards with status, node, cores and RAM; a fresh header; capacity per node', async ({
    fleetPage,
  }) => {
    await fleetPage.goto();
    await expect(fleetPage.updated).toHaveText(/updated \d+ s ago/);
    await expect(fleetPage.staleBanner).toHaveCount(0);
    await expect(fleetPage.cards.first()).toBeVisible();

    // A running VM: its status, node, cores and RAM (seeded: web-01 runs on node1 with 16 cores and 32 GB).
    await fleetPage.searchFor(VM.web01.name);
    const web = fleetPage.vmCard(VM.web01.name);
    await fleetPage.expectStatus(web, 'Running');
    await expect(web).toContainText('node1');
    await expect(web).toContainText('16');
    await expect(web).toContainText('32 GB');

    // A stopped VM and a VM in error, with VergeOS's status_info.
    await fleetPage.searchFor(VM.db01.name);
    await fleetPage.expectStatus(fleetPage.vmCard(VM.db01.name), 'Stopped');
    await fleetPage.searchFor(VM.api01.name);
    const api = fleetPage.vmCard(VM.api01.name);
    await fleetPage.expectStatus(api, 'Error');
    await expect(api).toContainText('Error starting machine');

    // The capacity strip: one group per node with cores and RAM used/total (node1: 24 of 40 cores).
    for (const node of ['node1', 'node2', 'node3', 'node4']) {
      const group = fleetPage.capacity.getByRole('group', { name: node, exact: true });
      await expect(group).toContainText(/cores/i);
      await expect(group).toContainText(/RAM/);
    }
    await expect(fleetPage.capacity.getByRole('group', { name: 'node1', exact: true })).toContainText(
      /24\s*\/\s*40/,
    );
  });

  test('search: "/" focuses it, it narrows the grid to matching VMs, and it lives in the URL', async ({
    page,
    fleetPage,
  }) => {
    await fleetPage.goto();
    await page.locator('body').press('/');
    await expect(fleetPage.search).toBeFocused();
    await page.keyboard.type(VM.web02.name);
    await expect(fleetPage.vmCard(VM.web02.name)).toBeVisible();
    await expect(fleetPage.cards).toHaveCount(1);
    await expect(page).toHaveURL(/[?&]q=web-02(&|$)/);

    // A shared link opens the same view.
    await fleetPage.goto({ q: VM.db01.name });
    await expect(fleetPage.search).toHaveValue(VM.db01.name);
    await expect(fleetPage.vmCard(VM.db01.name)).toBeVisible();
    await expect(fleetPage.cards).toHaveCount(1);
  });

  test('filters, sort and grouping narrow the grid and live in the URL', async ({ page, fleetPage }) => {
    await fleetPage.goto();

    await fleetPage.statusFilter.selectOption('stopped');
    await expect(page).toHaveURL(/[?&]status=stopped(&|$)/);
    await expect(fleetPage.vmCard(VM.db01.name)).toBeVisible();
    await expect(fleetPage.vmCard(VM.web01.name)).toHaveCount(0);
    for (const card of await fleetPage.cards.all()) await fleetPage.expectStatus(card, 'Stopped');

    await fleetPage.statusFilter.selectOption('');
    await fleetPage.nodeFilter.selectOption('node3');
    await expect(page).toHaveURL(/[?&]node=node3(&|$)/);
    await expect(page).not.toHaveURL(/[?&]status=/);
    await expect(fleetPage.vmCard(VM.web02.name)).toBeVisible();
    await expect(fleetPage.vmCard(VM.web01.name)).toHaveCount(0);
    for (const card of await fleetPage.cards.all()) await expect(card).toContainText('node3');

    await fleetPage.sortBy.selectOption('status');
    await expect(page).toHaveURL(/[?&]sort=status(&|$)/);
    await fleetPage.groupByNode.check();
    await expect(page).toHaveURL(/[?&]group=node(&|$)/);

    // The same URL opened afresh shows the same choices.
    await page.reload();
    await expect(fleetPage.nodeFilter).toHaveValue('node3');
    await expect(fleetPage.sortBy).toHaveValue('status');
    await expect(fleetPage.groupByNode).toBeChecked();
    await expect(fleetPage.vmCard(VM.web02.name)).toBeVisible();
  });

  test('the header stays fresh while the BFF keeps polling, also when nothing changes', async ({
    sim,
    fleetPage,
  }) => {
    await fleetPage.goto();
    await expect(fleetPage.updated).toHaveText(/updated \d+ s ago/);
    // Ten polls (every 500 ms here) of a fleet where nothing moves: the data on screen is current all along.
    await sim.afterBffPolls(10);
    await expect(fleetPage.updated).toHaveText(/updated [0-2] s ago/);
    await expect(fleetPage.staleBanner).toHaveCount(0);
  });
});
