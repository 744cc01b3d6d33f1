// Why a VM was shut down or rebooted is on record: help-desk staff must give a reason (the confirm button waits for
// one), admins may. The reason reaches the audit log with who gave it and how they signed in.
import { expect, test } from '../fixtures';
import { unique } from '../support/names';
import { VM } from '../support/seed';

test.describe('helpdesk', () => {
  test.use({ persona: 'helpdesk' });

  test('Shut down needs a reason; it is recorded with actor, role and how they signed in', async ({
    page,
    sim,
    bff,
    fleetPage,
  }) => {
    const { key, name } = VM.web02;
    await sim.setVm(key, { status: 'running', ignores_acpi: false, shutdown_seconds: 10 });
    const card = await fleetPage.open(name);
    await fleetPage.expectStatus(card, 'Running');

    await fleetPage.button(card, 'Shut down').click();
    const dialog = fleetPage.dialog(`Shut down ${name}?`);
    const reason = dialog.getByRole('textbox', { name: 'Reason' });
    const confirm = fleetPage.dialogButton(dialog, 'Shut down');
    await expect(reason).toBeVisible();
    await expect(reason).toHaveAccessibleDescription(/required, for the audit log/);
    await expect(reason).toHaveAttribute('required', '');
    await expect(confirm).toBeDisabled();

    // Blanks are no reason.
    await reason.fill('   ');
    await expect(confirm).toBeDisabled();
    await sim.afterBffPolls();
    expect(await sim.actionPosts(), 'nothing is sent without a reason').toBe(0);

    const why = `Ticket ${unique('T')}: the caller asked to stop it`;
    await reason.fill(why);
    await expect(confirm).toBeEnabled();
    await confirm.click();
    await expect(dialog).toBeHidden();

    await expect.poll(() => sim.status(key)).toBe('stopped');
    await fleetPage.expectStatus(card, 'Stopped');

    await expect
      .poll(async () =>
        (await bff.auditRows({ kind: 'power', vm: String(key) }))
          .filter((r) => r.reason === why)
          .map((r) => ({
            outcome: r.outcome,
            action: r.action,
            actor: r.actor,
            role: r.role,
            authKind: r.authKind,
            vmName: r.vmName,
          }))
          .sort((a, b) => a.outcome.localeCompare(b.outcome)),
      )
      .toEqual(
        (['accepted', 'requested'] as const).map((outcome) => ({
          outcome,
          action: 'poweroff',
          actor: 'helpdesk',
          role: 'helpdesk',
          authKind: 'session',
          vmName: name,
        })),
      );
    await expect(page.getByRole('dialog')).toHaveCount(0);
  });

  test('Reboot needs a reason too; Start asks for none', async ({ sim, fleetPage }) => {
    await sim.setVm(VM.file02.key, { status: 'running' });
    await sim.setVm(VM.db01.key, { status: 'stopped' });

    const running = await fleetPage.open(VM.file02.name);
    await fleetPage.button(running, 'Reboot').click();
    const dialog = fleetPage.dialog(`Reboot ${VM.file02.name}?`);
    const reason = dialog.getByRole('textbox', { name: 'Reason' });
    await expect(reason).toHaveAccessibleDescription(/required, for the audit log/);
    await expect(fleetPage.dialogButton(dialog, 'Reboot')).toBeDisabled();
    await reason.fill('Patch window');
    await expect(fleetPage.dialogButton(dialog, 'Reboot')).toBeEnabled();
    await fleetPage.dialogButton(dialog, 'Cancel').click();
    await expect(dialog).toBeHidden();

    // Start goes at once, with no dialog and no reason.
    const stopped = await fleetPage.open(VM.db01.name);
    await fleetPage.button(stopped, 'Start').click();
    await fleetPage.expectStatus(stopped, 'Running');
    await expect(fleetPage.anyDialog).toHaveCount(0);
    expect(await sim.accepted('reset'), 'the cancelled reboot was not sent').toBe(0);
  });
});

test.describe('admin', () => {
  test('the reason is optional: Shut down goes without one', async ({ sim, bff, fleetPage }) => {
    const { key, name } = VM.web02;
    await sim.setVm(key, { status: 'running', ignores_acpi: false, shutdown_seconds: 10 });
    const card = await fleetPage.open(name);

    await fleetPage.button(card, 'Shut down').click();
    const dialog = fleetPage.dialog(`Shut down ${name}?`);
    const reason = dialog.getByRole('textbox', { name: 'Reason' });
    await expect(reason).toHaveAccessibleDescription(/optional, for the audit log/);
    await expect(reason).not.toHaveAttribute('required');
    await expect(reason).toHaveValue('');
    const confirm = fleetPage.dialogButton(dialog, 'Shut down');
    await expect(confirm).toBeEnabled();
    const from = new Date(Date.now() - 1000).toISOString();
    await confirm.click();
    await expect(dialog).toBeHidden();

    await expect.poll(() => sim.status(key)).toBe('stopped');
    await expect
      .poll(async () =>
        (await bff.auditRows({ kind: 'power', vm: String(key), from }))
          .filter((r) => r.action === 'poweroff')
          .map((r) => `${r.outcome} by ${r.actor} (${r.role}, ${r.authKind}), reason ${r.reason}`)
          .sort(),
      )
      .toEqual([
        'accepted by admin (admin, session), reason null',
        'requested by admin (admin, session), reason null',
      ]);
  });
});
