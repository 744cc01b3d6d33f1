// "Shut down, force off after N s" on one VM: an operation the BFF runs. The card counts down to the force off and
// offers "Force now" and "Cancel"; a guest that ignores the shut down is forced off at the deadline, and a cancel
// before it means no kill ever reaches VergeOS. The BFF talks to the simulator as to a remote VergeOS, so these
// waits are real seconds (10 s, the shortest escalation).
import type { Bff } from '../support/sim';
import { expect, test } from '../fixtures';
import { CardOperation } from '../pages/operations-page';
import { VM } from '../support/seed';

const { key, name } = VM.web02;

/** The power steps audited for one operation: `action outcome`, oldest first. */
async function operationSteps(bff: Bff, operationId: string): Promise<string[]> {
  const rows = await bff.auditRows({ kind: 'power', vm: String(key) });
  return rows
    .filter((r) => r.operationId === operationId)
    .sort((a, b) => a.id - b.id)
    .map((r) => `${r.action} ${r.outcome}`);
}

test.describe('escalating shut down (admin)', () => {
  /** When the test began: the operations it finds are the ones it started. */
  let since = '';

  test.beforeEach(async ({ sim }) => {
    since = new Date().toISOString();
    // Seeded web-02 has a reporting agent; its guest ignores ACPI here, so only a force off stops it.
    await sim.setVm(key, { status: 'running', ignores_acpi: true, guest_agent: true });
  });

  test('a guest that ignores the shut down is forced off when the countdown ends', async ({
    sim,
    bff,
    fleetPage,
  }) => {
    test.setTimeout(60_000);
    const card = await fleetPage.open(name);
    await fleetPage.expectStatus(card, 'Running');

    await fleetPage.button(card, 'Shut down').click();
    const dialog = fleetPage.dialog(`Shut down ${name}?`);
    const escalate = fleetPage.forceAfter(dialog);
    const seconds = fleetPage.forceAfterSeconds(dialog);
    const confirm = fleetPage.dialogButton(dialog, 'Shut down');
    // The agent reports, so the escalation is offered but not proposed.
    await expect(dialog.getByText('Guest agent is reporting')).toBeVisible();
    await expect(escalate).not.toBeChecked();
    await expect(seconds).toBeDisabled();
    await expect(seconds).toHaveValue('120');

    await escalate.check();
    await expect(seconds).toBeEnabled();
    await seconds.fill('9');
    await expect(dialog.getByText('Between 10 and 1800 s')).toBeVisible();
    await expect(confirm).toBeDisabled();
    await seconds.fill('10');
    await expect(confirm).toBeEnabled();
    await confirm.click();
    await expect(dialog).toBeHidden();

    // The card counts down to the force off.
    const op = new CardOperation(card);
    await expect(op.group).toContainText('Shut down, force off after 10 s');
    await expect(op.timer).toHaveText(/^Forcing off in 0:(10|0\d)$/);
    await expect(op.forceNow).toBeVisible();
    await expect(op.cancel).toBeVisible();
    const first = await op.secondsLeft();
    await expect.poll(() => op.secondsLeft(), { message: 'the countdown goes down' }).toBeLessThan(first);

    // The shut down was accepted and the guest ignores it: no kill yet.
    await expect.poll(() => sim.accepted('poweroff')).toBe(1);
    expect(await sim.accepted('kill')).toBe(0);
    expect(await sim.status(key)).toBe('running');

    // At the deadline: the force off, and the VM stops.
    await expect.poll(() => sim.status(key), { timeout: 20_000 }).toBe('stopped');
    await fleetPage.expectStatus(card, 'Stopped');
    await expect(op.outcome('Shut down, force off after 10 s: Forced off after 10 s')).toBeVisible();
    await expect(op.group).toBeHidden();

    const stats = await sim.stats();
    expect(stats.actions).toEqual({ poweroff: 1, kill: 1 });
    expect(await sim.actionPosts()).toBe(2);

    // The BFF's record: one operation, both steps audited with its id, the kill no earlier than the deadline.
    const operation = await bff.operationFor(key, since);
    expect(operation).toMatchObject({ action: 'shutdown', forceAfterS: 10, owner: 'admin' });
    await expect.poll(async () => (await bff.operation(operation!.id)).status).toBe('finished');
    await expect
      .poll(() => operationSteps(bff, operation!.id))
      .toEqual(['poweroff requested', 'poweroff accepted', 'kill requested', 'kill accepted']);
    const rows = await bff.auditRows({ kind: 'power', vm: String(key) });
    const at = (action: string) =>
      Date.parse(rows.find((r) => r.operationId === operation!.id && r.action === action)!.at);
    expect(at('kill') - at('poweroff'), 'the kill waited for the deadline').toBeGreaterThanOrEqual(9_500);
  });

  test('Cancel before the deadline: no kill is ever sent and the VM keeps running', async ({
    sim,
    bff,
    fleetPage,
  }) => {
    test.setTimeout(60_000);
    const card = await fleetPage.open(name);
    await fleetPage.button(card, 'Shut down').click();
    const dialog = fleetPage.dialog(`Shut down ${name}?`);
    await fleetPage.forceAfter(dialog).check();
    await fleetPage.forceAfterSeconds(dialog).fill('10');
    await fleetPage.dialogButton(dialog, 'Shut down').click();

    const op = new CardOperation(card);
    await expect(op.timer).toHaveText(/^Forcing off in 0:\d\d$/);
    await expect.poll(() => sim.accepted('poweroff')).toBe(1);
    await op.cancel.click();
    await expect(op.group).toBeHidden();
    await expect(
      op.outcome(
        'Shut down, force off after 10 s: Cancelled after the shut down was sent: nothing more was sent',
      ),
    ).toBeVisible();

    const operation = await bff.operationFor(key, since);
    expect(operation).toMatchObject({ status: 'cancelled', cancelledBy: 'admin' });
    const vm = operation!.vms[0]!;
    const deadline = Date.parse(vm.stepAt!) + 10_000;
    expect(Date.now(), 'cancelled before the deadline').toBeLessThan(deadline);

    // Past the deadline (and a few BFF polls more), nothing followed.
    await expect
      .poll(() => Date.now(), { message: 'the force-off moment has passed', timeout: 20_000 })
      .toBeGreaterThan(deadline + 1_000);
    await sim.afterBffPolls(3);
    expect(await sim.accepted('kill'), 'no kill').toBe(0);
    expect(await sim.actionPosts(), 'the shut down alone').toBe(1);
    expect(await sim.status(key)).toBe('running');
    await fleetPage.expectStatus(card, 'Running');
    expect(await bff.operation(operation!.id)).toMatchObject({
      status: 'cancelled',
      vms: [{ state: 'cancelled', escalated: false }],
    });
    expect(await operationSteps(bff, operation!.id)).toEqual(['poweroff requested', 'poweroff accepted']);
  });

  test('Force now: the kill goes at once, long before the deadline', async ({ sim, bff, fleetPage }) => {
    const card = await fleetPage.open(name);
    await fleetPage.button(card, 'Shut down').click();
    const dialog = fleetPage.dialog(`Shut down ${name}?`);
    await fleetPage.forceAfter(dialog).check();
    // The default: two minutes.
    await expect(fleetPage.forceAfterSeconds(dialog)).toHaveValue('120');
    await fleetPage.dialogButton(dialog, 'Shut down').click();

    const op = new CardOperation(card);
    await expect(op.group).toContainText('Shut down, force off after 120 s');
    await expect(op.timer).toHaveText(/^Forcing off in (2:00|1:\d\d)$/);
    // The BFF is waiting for the guest (the shut down was sent and answered).
    await expect
      .poll(async () => (await bff.operationFor(key, since))?.vms[0]?.detail)
      .toBe('Shutting down: forced off if not stopped within 120 s');
    const sentAt = Date.now();

    await op.forceNow.click();
    await expect.poll(() => sim.status(key)).toBe('stopped');
    expect(Date.now() - sentAt, 'stopped well before the 120 s deadline').toBeLessThan(30_000);
    await fleetPage.expectStatus(card, 'Stopped');
    await expect(op.outcome(/^Shut down, force off after 120 s: Forced off after \d+ s$/)).toBeVisible();
    expect((await sim.stats()).actions).toEqual({ poweroff: 1, kill: 1 });
    expect(await sim.actionPosts()).toBe(2);

    const operation = await bff.operationFor(key, since);
    await expect
      .poll(() => operationSteps(bff, operation!.id))
      .toEqual(['poweroff requested', 'poweroff accepted', 'kill requested', 'kill accepted']);
    expect(await bff.operation(operation!.id)).toMatchObject({
      status: 'finished',
      vms: [{ state: 'done', escalated: true }],
    });
  });
});

test('the guest agent line: no agent warns and proposes the escalation to an admin; helpdesk gets no escalation', async ({
  page,
  sim,
  bff,
  fleetPage,
  loginAs,
}) => {
  const since = new Date().toISOString();
  const { key: fwKey, name: fwName } = VM.fw01;
  await sim.setVm(fwKey, { status: 'running', guest_agent: false });
  await expect.poll(() => bff.agentReporting(fwKey)).toBe(false);
  const warning = 'No guest agent is reporting: the guest may ignore the shut down request';

  // Admin: the warning, and the escalation ticked with its default seconds.
  let card = await fleetPage.open(fwName);
  await fleetPage.button(card, 'Shut down').click();
  let dialog = fleetPage.dialog(`Shut down ${fwName}?`);
  await expect(dialog.getByText(warning)).toBeVisible();
  await expect(fleetPage.forceAfter(dialog)).toBeChecked();
  await expect(fleetPage.forceAfterSeconds(dialog)).toBeEnabled();
  await expect(fleetPage.forceAfterSeconds(dialog)).toHaveValue('120');
  await fleetPage.dialogButton(dialog, 'Cancel').click();
  await expect(dialog).toBeHidden();

  // Helpdesk: the same warning, no escalation to choose.
  await loginAs('helpdesk');
  await page.reload();
  card = fleetPage.vmCard(fwName);
  await fleetPage.button(card, 'Shut down').click();
  dialog = fleetPage.dialog(`Shut down ${fwName}?`);
  await expect(dialog.getByText(warning)).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Reason' })).toBeVisible();
  await expect(fleetPage.forceAfter(dialog)).toHaveCount(0);
  await expect(fleetPage.forceAfterSeconds(dialog)).toHaveCount(0);
  await fleetPage.dialogButton(dialog, 'Cancel').click();
  await expect(dialog).toBeHidden();

  await sim.afterBffPolls();
  expect(await sim.actionPosts(), 'nothing was sent').toBe(0);
  expect(await bff.operationFor(fwKey, since), 'no operation was started').toBeUndefined();
});
