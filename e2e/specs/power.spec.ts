// Power actions through the UI: state set up through the simulator, side effects checked through it.
import { expect, test } from '../fixtures';
import { VM } from '../support/seed';

test.describe('power actions', () => {
  test('start: a stopped VM reaches Running', async ({ sim, fleetPage }) => {
    await sim.setVm(VM.db01.key, { status: 'stopped' });
    const card = await fleetPage.open(VM.db01.name);
    await fleetPage.expectStatus(card, 'Stopped');

    await fleetPage.button(card, 'Start').click();

    await fleetPage.expectStatus(card, 'Running');
    await expect.poll(() => sim.status(VM.db01.key)).toBe('running');
    expect(await sim.accepted('poweron')).toBe(1);
    expect(await sim.actionPosts()).toBe(1);
    // Running now: it offers Shut down, no longer Start.
    await expect(fleetPage.button(card, 'Shut down')).toBeVisible();
    await expect(fleetPage.button(card, 'Start')).toHaveCount(0);
  });

  test('graceful shut down: confirmed in a dialog, the VM stops', async ({ sim, fleetPage }) => {
    // 10 s of guest shutdown at time scale 0.05: half a second.
    await sim.setVm(VM.web02.key, { status: 'running', ignores_acpi: false, shutdown_seconds: 10 });
    const card = await fleetPage.open(VM.web02.name);
    await fleetPage.expectStatus(card, 'Running');

    await fleetPage.button(card, 'Shut down').click();
    const dialog = fleetPage.dialog(`Shut down ${VM.web02.name}?`);
    await expect(dialog).toBeVisible();
    const confirm = fleetPage.dialogButton(dialog, 'Shut down');
    await expect(fleetPage.dialogButton(dialog, 'Cancel')).toBeVisible();
    // Enter never confirms by default: the confirming button is not focused.
    await expect(confirm).not.toBeFocused();
    expect(await sim.actionPosts(), 'nothing is sent before confirming').toBe(0);

    await confirm.click();
    await expect(dialog).toBeHidden();

    await expect.poll(() => sim.status(VM.web02.key)).toBe('stopped');
    await fleetPage.expectStatus(card, 'Stopped');
    expect(await sim.accepted('poweroff')).toBe(1);
    expect(await sim.actionPosts()).toBe(1);
  });

  test('Escape and Cancel close a dialog without sending anything', async ({ page, sim, fleetPage }) => {
    const card = await fleetPage.open(VM.web02.name);
    await fleetPage.expectStatus(card, 'Running');

    await fleetPage.button(card, 'Shut down').click();
    const shutDown = fleetPage.dialog(`Shut down ${VM.web02.name}?`);
    await expect(shutDown).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(shutDown).toBeHidden();

    await fleetPage.button(card, 'Shut down').click();
    await expect(shutDown).toBeVisible();
    await fleetPage.dialogButton(shutDown, 'Cancel').click();
    await expect(shutDown).toBeHidden();

    // Enter never confirms: initial focus is on Cancel (Enter then cancels) or elsewhere, not on Shut down.
    await fleetPage.button(card, 'Shut down').click();
    await expect(shutDown).toBeVisible();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await expect(shutDown).toBeHidden();

    await sim.afterBffPolls();
    expect(await sim.actionPosts()).toBe(0);
    await fleetPage.expectStatus(card, 'Running');
  });

  test('reboot: confirmed in a dialog, the VM restarts and runs again', async ({ sim, fleetPage }) => {
    const before = await sim.setVm(VM.file02.key, {
      status: 'running',
      ignores_acpi: false,
      shutdown_seconds: 10,
    });
    const startedBefore = before.machine_status.started ?? 0;
    const card = await fleetPage.open(VM.file02.name);
    await fleetPage.expectStatus(card, 'Running');

    await fleetPage.button(card, 'Reboot').click();
    const dialog = fleetPage.dialog(`Reboot ${VM.file02.name}?`);
    await expect(dialog).toBeVisible();
    await fleetPage.dialogButton(dialog, 'Reboot').click();
    await expect(dialog).toBeHidden();

    await expect.poll(() => sim.accepted('reset')).toBe(1);
    // Back to running with a new start time.
    await expect
      .poll(async () => {
        const vm = await sim.vm(VM.file02.key);
        return vm.machine_status.status === 'running' && (vm.machine_status.started ?? 0) > startedBefore;
      })
      .toBe(true);
    await fleetPage.expectStatus(card, 'Running');
    expect(await sim.actionPosts()).toBe(1);
  });

  test('force off: only the exact VM name typed confirms it', async ({ page, sim, fleetPage }) => {
    const name = VM.web01.name;
    await sim.setVm(VM.web01.key, { status: 'running' });
    const card = await fleetPage.open(name);
    await fleetPage.expectStatus(card, 'Running');

    await fleetPage.button(card, 'Force off').click();
    const dialog = fleetPage.dialog(`Force off ${name}?`);
    await expect(dialog).toBeVisible();
    // It warns of data loss.
    await expect(dialog).toContainText(/\blos[st]\b/i);
    const input = fleetPage.confirmName(dialog);
    const confirm = fleetPage.dialogButton(dialog, 'Force off');
    await expect(input).toBeVisible();
    await expect(confirm).toBeDisabled();

    // A wrong name cannot confirm, not even with Enter.
    for (const wrong of ['web-0', 'WEB-01', 'web-011', 'web-02']) {
      await input.fill(wrong);
      await expect(confirm, `"${wrong}" does not confirm`).toBeDisabled();
    }
    await input.press('Enter');
    await expect(dialog).toBeVisible();
    await sim.afterBffPolls();
    expect(await sim.actionPosts(), 'a wrong name sends nothing').toBe(0);

    await input.fill(name);
    await expect(confirm).toBeEnabled();
    await confirm.click();
    await expect(dialog).toBeHidden();

    await expect.poll(() => sim.status(VM.web01.key)).toBe('stopped');
    await fleetPage.expectStatus(card, 'Stopped');
    expect(await sim.accepted('kill')).toBe(1);
    expect(await sim.actionPosts()).toBe(1);
    await expect(page.getByRole('dialog')).toHaveCount(0);
  });
});
