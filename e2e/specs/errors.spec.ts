// What VergeOS refuses shows in the VM's card, names the VM and says what to do; the view stays true.
import { expect, test } from '../fixtures';
import { NODE_KEYS, VM } from '../support/seed';

test.describe('refused actions', () => {
  test('conflict: the VM changed elsewhere while the dialog was open → 409 shown, the view refreshes', async ({
    sim,
    fleetPage,
  }) => {
    const name = VM.web02.name;
    await sim.setVm(VM.web02.key, { status: 'running' });
    const card = await fleetPage.open(name);
    await fleetPage.expectStatus(card, 'Running');

    await fleetPage.button(card, 'Shut down').click();
    const dialog = fleetPage.dialog(`Shut down ${name}?`);
    await expect(dialog).toBeVisible();
    // This page has not seen the change yet when VergeOS answers (its fleet polls wait until then): had a poll
    // shown the VM stopped first, the card would rightly call the shut down done, and nothing would be refused.
    const { page } = fleetPage;
    let answered = (): void => undefined;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    await page.route('**/api/fleet', async (route) => {
      await answer;
      await route.continue();
    });
    const posted = page.waitForResponse((res) => res.url().endsWith('/api/v4/vm_actions'));
    // Someone else stops it (the VergeOS UI, a script) before this user confirms.
    await sim.setVm(VM.web02.key, { status: 'stopped' }, { waitForBff: false });
    await fleetPage.dialogButton(dialog, 'Shut down').click();
    expect((await posted).status()).toBe(409);
    answered(); // the held polls go on, and every later one passes straight through

    const alert = fleetPage.alert(card);
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(name);
    await fleetPage.expectStatus(card, 'Stopped');

    const stats = await sim.stats();
    expect(stats.requests['POST /api/v4/vm_actions']).toBe(1);
    expect(stats.actions.poweroff ?? 0).toBe(0);
    expect(stats.log.filter((e) => e.route === '/api/v4/vm_actions').map((e) => e.status)).toEqual([409]);
  });

  test('507: no node has the RAM → asked to start anyway, the message says what is short', async ({
    sim,
    fleetPage,
  }) => {
    const name = VM.db01.name;
    await sim.setVm(VM.db01.key, { status: 'stopped' });
    // Shrink every node's VM RAM to nothing: running VMs keep running, nothing new fits.
    for (const key of NODE_KEYS) await sim.setNode(key, { vm_ram: 0 });
    const card = await fleetPage.open(name);
    await fleetPage.expectStatus(card, 'Stopped');

    // The snapshot already shows no room, so the UI asks first (not in docs/ui-contract.md yet).
    await fleetPage.button(card, 'Start').click();
    const dialog = fleetPage.dialog(`Start ${name} anyway?`);
    await expect(dialog).toContainText(/RAM/);
    expect(await sim.actionPosts(), 'nothing is sent before confirming').toBe(0);
    await fleetPage.dialogButton(dialog, 'Start anyway').click();

    const alert = fleetPage.alert(card);
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(name);
    await expect(alert).toContainText(/RAM/);
    await fleetPage.expectStatus(card, 'Stopped');
    expect(await sim.status(VM.db01.key)).toBe('stopped');
    expect(await sim.actionPosts()).toBe(1);
    expect(await sim.accepted('poweron')).toBe(0);
  });

  test('507 under the no-capacity scenario: cores and RAM are both named', async ({ sim, fleetPage }) => {
    const name = VM.sql01.name;
    await sim.setVm(VM.sql01.key, { status: 'stopped' });
    await sim.scenario('no-capacity');
    const card = await fleetPage.open(name);
    await fleetPage.expectStatus(card, 'Stopped');

    await fleetPage.button(card, 'Start').click();

    const alert = fleetPage.alert(card);
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(name);
    await expect(alert).toContainText(/cores/i);
    await expect(alert).toContainText(/RAM/);
    expect(await sim.actionPosts()).toBe(1);
    expect(await sim.accepted('poweron')).toBe(0);
  });
});
