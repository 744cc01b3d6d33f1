// Actions are never retried automatically, at any layer: one click is at most one POST /api/v4/vm_actions
// reaching VergeOS, also when the browser goes offline and comes back.
import { expect, test } from '../fixtures';
import { VM } from '../support/seed';

test.describe('one click, one POST', () => {
  test('a click on Start sends exactly one POST, and nothing follows', async ({ sim, fleetPage }) => {
    await sim.setVm(VM.db01.key, { status: 'stopped' });
    const card = await fleetPage.open(VM.db01.name);
    await fleetPage.expectStatus(card, 'Stopped');

    await fleetPage.button(card, 'Start').click();

    await fleetPage.expectStatus(card, 'Running');
    await expect.poll(() => sim.actionPosts()).toBe(1);
    await sim.afterBffPolls(4);
    expect(await sim.actionPosts()).toBe(1);
  });

  test('offline: a click sends at most one POST, and nothing is replayed back online', async ({
    context,
    sim,
    fleetPage,
  }) => {
    await sim.setVm(VM.db01.key, { status: 'stopped' });
    const card = await fleetPage.open(VM.db01.name);
    await fleetPage.expectStatus(card, 'Stopped');

    await context.setOffline(true);
    await fleetPage.button(card, 'Start').click();
    // The failure is told in the card, naming the VM.
    await expect(fleetPage.alert(card)).toBeVisible();
    await expect(fleetPage.alert(card)).toContainText(VM.db01.name);
    await context.setOffline(false);

    // Back online: the view refreshes; a paused or queued action would have been replayed by now.
    await sim.afterBffPolls(4);
    await fleetPage.expectStatus(card, 'Stopped');
    await sim.afterBffPolls(4);
    const posts = await sim.actionPosts();
    expect(posts).toBeLessThanOrEqual(1);
    // Nothing reached VergeOS while offline, so the VM is as it was and Start can be clicked again on purpose.
    if (posts === 0) expect(await sim.status(VM.db01.key)).toBe('stopped');
    await expect(fleetPage.button(card, 'Start')).toBeEnabled();
  });
});
