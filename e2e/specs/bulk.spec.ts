// Bulk actions: select VMs in the fleet view (checkboxes, shift-click ranges, "Select all N matching"), confirm
// once (the VMs the action does not apply to are listed apart and never sent), and a per-VM report stays on the
// page. The simulator counts what reached "VergeOS"; the audit log has each step with the operation's id.
import type { Bff, Sim } from '../support/sim';
import { expect, test } from '../fixtures';
import { SelectionBar } from '../pages/bulk-actions';
import { OperationReport, OperationsPage } from '../pages/operations-page';
import { unique } from '../support/names';
import { CACHE, RDS, type SeedVm } from '../support/seed';

const [rds01, rds02, rds03, rds04] = RDS;
const [cache01, cache02, cache03] = CACHE;

/** Puts VMs running, with guests that honour a shut down within 4 s (agent reporting). */
async function runningPolitely(sim: Sim, vms: readonly SeedVm[]): Promise<void> {
  for (const vm of vms) {
    await sim.setVm(vm.key, {
      status: 'running',
      ignores_acpi: false,
      shutdown_seconds: 4,
      guest_agent: true,
    });
  }
}

/** The power steps audited for an operation's VMs since a time: `name action outcome`, sorted. */
async function stepsSince(bff: Bff, from: string, operationId: string): Promise<string[]> {
  const rows = await bff.auditRows({ kind: 'power', from });
  return rows
    .filter((r) => r.operationId === operationId && r.vmName !== null)
    .map((r) => `${r.vmName} ${r.action} ${r.outcome}`)
    .sort();
}

test.describe('bulk actions (admin)', () => {
  test('shut down a shift-clicked range: a stopped VM is skipped, each running one gets one shut down, the report stays', async ({
    page,
    sim,
    bff,
    fleetPage,
    header,
  }) => {
    const since = new Date().toISOString();
    await sim.setVm(rds01.key, { status: 'stopped' });
    await runningPolitely(sim, [rds02, rds03, rds04]);
    // One guest without an agent: the dialog warns and proposes the escalation (the guest still stops in time).
    await sim.setVm(rds04.key, { guest_agent: false });
    await expect.poll(() => bff.agentReporting(rds04.key)).toBe(false);
    await fleetPage.goto({ q: 'rds', sort: 'name' });
    const selection = new SelectionBar(page);
    await expect(fleetPage.cards).toHaveCount(4);

    // A click, a shift-click (the range in the grid's order), one more click.
    await selection.toggle(rds01.name);
    await selection.expectSelected(1);
    await selection.toggle(rds03.name, { shift: true });
    await selection.expectSelected(3);
    for (const vm of [rds01, rds02, rds03]) await expect(selection.box(vm.name)).toBeChecked();
    await expect(selection.box(rds04.name)).not.toBeChecked();
    await selection.toggle(rds04.name);
    await selection.expectSelected(4);
    // Everything the filter shows is selected: no more "Select all".
    await expect(selection.selectAll()).toHaveCount(0);

    const dialog = await selection.open('Shut down', 3, { [rds01.name]: 'already stopped' });
    await expect(dialog.cancel).toBeFocused();
    await dialog.expectToAct([rds02.name, rds03.name, rds04.name]);
    await expect(dialog.dialog.getByText('To shut down (3)')).toBeVisible();
    await expect(dialog.dialog.getByText('Skipped (1)')).toBeVisible();
    await expect(
      dialog.dialog.getByText(
        '1 of them have no guest agent reporting: the guests may ignore the shut down request',
      ),
    ).toBeVisible();
    // So the escalation is proposed, at its default. The reason is optional for an admin.
    await expect(dialog.forceAfter).toBeChecked();
    await expect(dialog.forceAfterSeconds).toHaveValue('120');
    await expect(dialog.atOnce).toHaveValue('4');
    await expect(dialog.reason).toHaveAccessibleDescription(/optional, for the audit log/);
    expect(await sim.actionPosts(), 'nothing is sent before confirming').toBe(0);

    await dialog.confirm.click();
    await expect(dialog.dialog).toBeHidden();
    // The selection is cleared once confirmed.
    await expect(selection.count).toHaveCount(0);
    await expect(selection.box(rds02.name)).not.toBeChecked();

    const report = new OperationReport(page);
    await expect(report.root).toBeVisible();
    await expect(report.heading).toHaveText('Shut down 4 VMs');
    await expect(report.outcome('Done')).toBeVisible();
    await expect(report.summary).toHaveText('3 done, 1 skipped of 4');
    await expect(report.progress).toHaveAttribute('aria-valuenow', '4');
    await expect(report.root).toContainText('force off after 120 s');
    await report.expectState('Done', {
      [rds02.name]: /Stopped after \d+ s/,
      [rds03.name]: /Stopped after \d+ s/,
      [rds04.name]: /Stopped after \d+ s/,
    });
    await report.expectState('Skipped', { [rds01.name]: 'Skipped: already stopped' });
    for (const vm of [rds02, rds03, rds04])
      await fleetPage.expectStatus(fleetPage.vmCard(vm.name), 'Stopped');

    // VergeOS got exactly one shut down per running VM, nothing for the skipped one, and nothing else (they all
    // stopped in time: no force off).
    for (const vm of [rds01, rds02, rds03, rds04]) expect(await sim.status(vm.key)).toBe('stopped');
    expect((await sim.stats()).actions).toEqual({ poweroff: 3 });
    expect(await sim.actionPosts()).toBe(3);
    const op = await bff.operationFor(rds02.key, since);
    expect(op).toMatchObject({ action: 'shutdown', status: 'finished', owner: 'admin', forceAfterS: 120 });
    expect(op!.vms.map((v) => v.name)).toEqual([rds02.name, rds03.name, rds04.name]);
    await expect
      .poll(() => stepsSince(bff, since, op!.id))
      .toEqual(
        [rds02, rds03, rds04]
          .flatMap((vm) => [`${vm.name} poweroff accepted`, `${vm.name} poweroff requested`])
          .sort(),
      );

    // The report stays: while the BFF keeps polling, and across pages, until dismissed.
    await sim.afterBffPolls();
    await expect(report.root).toBeVisible();
    await header.open('Operations');
    await header.open('Fleet');
    await expect(report.summary).toHaveText('3 done, 1 skipped of 4');
    await report.dismiss.click();
    await expect(report.root).toBeHidden();
  });

  test('select all matching a search, force off: the number of VMs typed out confirms; the Operations page lists it with owner and outcome', async ({
    page,
    sim,
    bff,
    fleetPage,
    header,
  }) => {
    const since = new Date().toISOString();
    await sim.setVm(cache01.key, { status: 'stopped' });
    for (const vm of [cache02, cache03]) await sim.setVm(vm.key, { status: 'running' });
    await fleetPage.goto({ sort: 'name' });
    const selection = new SelectionBar(page);
    await fleetPage.searchFor('cache');
    await expect(fleetPage.cards).toHaveCount(3);

    await selection.selectAll(3).click();
    await selection.expectSelected(3);
    const dialog = await selection.open('Force off', 2, { [cache01.name]: 'already stopped' });
    await dialog.expectToAct([cache02.name, cache03.name]);
    await expect(dialog.dialog).toContainText('Anything the guests have not written to disk is lost');

    // Only the number of VMs it acts on confirms, not the number selected.
    await expect(dialog.confirm).toBeDisabled();
    for (const wrong of ['3', 'two', '22', '1']) {
      await dialog.typedCount.fill(wrong);
      await expect(dialog.confirm, `"${wrong}" does not confirm`).toBeDisabled();
    }
    await dialog.typedCount.press('Enter');
    await expect(dialog.dialog).toBeVisible();
    await sim.afterBffPolls();
    expect(await sim.actionPosts(), 'a wrong number sends nothing').toBe(0);
    await dialog.typedCount.fill('2');
    await expect(dialog.confirm).toBeEnabled();
    await dialog.confirm.click();
    await expect(dialog.dialog).toBeHidden();

    const report = new OperationReport(page);
    await expect(report.heading).toHaveText('Force off 3 VMs');
    await expect(report.summary).toHaveText('2 done, 1 skipped of 3');
    await report.expectState('Done', {
      [cache02.name]: /Forced off: stopped after \d+ s/,
      [cache03.name]: /Forced off: stopped after \d+ s/,
    });
    await report.expectState('Skipped', { [cache01.name]: 'Skipped: already stopped' });
    expect((await sim.stats()).actions).toEqual({ kill: 2 });
    expect(await sim.actionPosts()).toBe(2);
    const op = await bff.operationFor(cache02.key, since);
    expect(op).toMatchObject({ action: 'forceOff', status: 'finished', owner: 'admin' });

    // The Operations page: the newest operation first, with what, how many, who, and how it ended.
    await header.open('Operations');
    const ops = new OperationsPage(page);
    await expect(ops.main).toBeVisible();
    await expect(ops.main.getByText('Live', { exact: true })).toBeVisible();
    const row = ops.rows.first();
    await expect(ops.cell(row, 'Action')).toHaveText('Force off');
    await expect(ops.cell(row, 'VMs')).toContainText('2 VMs');
    await expect(ops.cell(row, 'VMs')).toContainText('2 done of 2');
    await expect(ops.cell(row, 'Owner')).toHaveText(/^admin\s*admin$/);
    await expect(ops.cell(row, 'Status')).toHaveText('Done');
    await expect(
      ops.cell(row, 'Progress').getByRole('meter', { name: 'Force off progress' }),
    ).toHaveAttribute('aria-valuenow', '2');
    await expect(ops.cell(row, 'Progress')).toContainText('2/2');
    await expect(row.getByRole('button', { name: 'Cancel operation' })).toHaveCount(0);

    await ops.showVms(row).click();
    await expect(row.getByRole('button', { name: 'Hide VMs' })).toHaveAttribute('aria-expanded', 'true');
    await ops.report.expectState('Done', {
      [cache02.name]: /Forced off: stopped after \d+ s/,
      [cache03.name]: /Forced off: stopped after \d+ s/,
    });
  });
});

test.describe('bulk actions (helpdesk)', () => {
  test.use({ persona: 'helpdesk' });

  test('no Force off selected; Shut down selected needs a reason, which is recorded with each step', async ({
    page,
    sim,
    bff,
    fleetPage,
  }) => {
    const since = new Date().toISOString();
    await sim.setVm(rds01.key, { status: 'stopped' });
    await runningPolitely(sim, [rds02, rds03, rds04]);
    await fleetPage.goto({ q: 'rds', sort: 'name' });
    const selection = new SelectionBar(page);
    await selection.selectAll(4).click();
    await selection.expectSelected(4);
    for (const action of ['Start', 'Shut down', 'Reboot'] as const) {
      await expect(selection.action(action), `${action} selected`).toBeVisible();
    }
    await expect(selection.action('Force off')).toHaveCount(0);

    const dialog = await selection.open('Shut down', 3, { [rds01.name]: 'already stopped' });
    // No escalation for a role that may not force off.
    await expect(dialog.forceAfter).toHaveCount(0);
    await expect(dialog.forceAfterSeconds).toHaveCount(0);
    await expect(dialog.reason).toHaveAccessibleDescription(/required, for the audit log/);
    await expect(dialog.confirm).toBeDisabled();
    await dialog.reason.fill('   ');
    await expect(dialog.confirm, 'blanks are no reason').toBeDisabled();
    await sim.afterBffPolls();
    expect(await sim.actionPosts(), 'nothing is sent without a reason').toBe(0);

    const why = `Ticket ${unique('T')}: patch window`;
    await dialog.reason.fill(why);
    await expect(dialog.confirm).toBeEnabled();
    await dialog.confirm.click();
    await expect(dialog.dialog).toBeHidden();

    const report = new OperationReport(page);
    await expect(report.summary).toHaveText('3 done, 1 skipped of 4');
    // The helpdesk owns the operation; it is over, so there is nothing to cancel.
    await expect(report.cancel).toHaveCount(0);
    expect((await sim.stats()).actions).toEqual({ poweroff: 3 });
    const op = await bff.operationFor(rds02.key, since);
    expect(op).toMatchObject({ action: 'shutdown', owner: 'helpdesk', ownerRole: 'helpdesk', reason: why });
    await expect
      .poll(async () =>
        (await bff.auditRows({ kind: 'power', from: since }))
          .filter((r) => r.operationId === op!.id)
          .map((r) => `${r.vmName} ${r.action} ${r.outcome} ${r.actor} ${r.role} ${r.reason}`)
          .sort(),
      )
      .toEqual(
        [rds02, rds03, rds04]
          .flatMap((vm) =>
            ['accepted', 'requested'].map((o) => `${vm.name} poweroff ${o} helpdesk helpdesk ${why}`),
          )
          .sort(),
      );
  });
});
