// A guest that ignores ACPI: a graceful shut down is accepted but the VM keeps running. The UI watches it
// against the guide's 120 s timeout, then says so and offers Force off. Playwright's clock fast-forwards the
// browser's timers; the simulator's state stays put (the guest really does ignore the request).
import { expect, test } from '../fixtures';
import { VM } from '../support/seed';

test('a guest that ignores ACPI: after 120 s the card says so and offers Force off', async ({
  page,
  sim,
  fleetPage,
}) => {
  const name = VM.web02.name;
  await sim.setVm(VM.web02.key, { status: 'running', ignores_acpi: true });
  await page.clock.install();
  const card = await fleetPage.open(name);
  await fleetPage.expectStatus(card, 'Running');

  await fleetPage.button(card, 'Shut down').click();
  const dialog = fleetPage.dialog(`Shut down ${name}?`);
  await fleetPage.dialogButton(dialog, 'Shut down').click();
  await expect(dialog).toBeHidden();

  // Accepted by VergeOS (201), watched by the card, and the guest keeps running.
  await expect.poll(() => sim.accepted('poweroff')).toBe(1);
  await expect(fleetPage.progress(card, 'Shut down')).toBeVisible();
  await expect(fleetPage.button(card, 'Shut down')).toBeDisabled();
  expect(await sim.status(VM.web02.key)).toBe('running');

  await page.clock.fastForward('02:01');

  await expect(card.getByText(/did not finish within 120 s/)).toBeVisible();
  await fleetPage.expectStatus(card, 'Running');
  expect(await sim.status(VM.web02.key)).toBe('running');
  expect(await sim.actionPosts(), 'nothing was retried or escalated on its own').toBe(1);

  // The offered next step: Force off, with its typed confirmation.
  await fleetPage.button(card, 'Force off').click();
  const force = fleetPage.dialog(`Force off ${name}?`);
  await fleetPage.confirmName(force).fill(name);
  await fleetPage.dialogButton(force, 'Force off').click();
  await expect(force).toBeHidden();

  await expect.poll(() => sim.status(VM.web02.key)).toBe('stopped');
  await fleetPage.expectStatus(card, 'Stopped');
  expect(await sim.accepted('kill')).toBe(1);
  expect(await sim.actionPosts()).toBe(2);
});
