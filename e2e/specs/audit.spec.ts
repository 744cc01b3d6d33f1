// The audit log as an admin reads it: an action done in the UI shows in "Audit log" (requested, then accepted), the
// filters narrow the table and live in the URL, "Export CSV" downloads the same search, and the VM's own page lists
// the action with who did it and why.
import { readFile } from 'node:fs/promises';
import { expect, test } from '../fixtures';
import { AuditPage, VmActivityRegion } from '../pages/audit-page';
import { csvRecords } from '../support/csv';
import { unique } from '../support/names';
import { VM } from '../support/seed';

test('an action done in the UI is in the audit log, filterable, exportable and on the VM page', async ({
  page,
  sim,
  fleetPage,
  header,
}) => {
  const { key, name } = VM.web02;
  const why = `Audit check ${unique('run')}`;
  await sim.setVm(key, { status: 'running', ignores_acpi: false, shutdown_seconds: 10 });
  const card = await fleetPage.open(name);
  await fleetPage.button(card, 'Shut down').click();
  const dialog = fleetPage.dialog(`Shut down ${name}?`);
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(why);
  await fleetPage.dialogButton(dialog, 'Shut down').click();
  await expect(dialog).toBeHidden();
  await expect.poll(() => sim.status(key)).toBe('stopped');
  await fleetPage.expectStatus(card, 'Stopped');

  // Open "Audit log" from the nav: the action is there, requested and accepted.
  await header.open('Audit log');
  await expect(page).toHaveURL(/\/audit$/);
  const audit = new AuditPage(page);
  await expect(audit.table).toBeVisible();
  const mine = audit.rowsWith(why);
  await expect(mine).toHaveCount(2);
  for (const outcome of ['Requested', 'Accepted'] as const) {
    const row = mine.filter({ has: page.getByRole('cell', { name: outcome, exact: true }) });
    await expect(row, `a ${outcome} record`).toHaveCount(1);
    await expect(audit.cell(row, 'User')).toContainText('admin');
    await expect(audit.cell(row, 'User')).toContainText('admin · session');
    await expect(audit.cell(row, 'VM')).toContainText(name);
    await expect(audit.cell(row, 'VM')).toContainText(`key ${key}`);
    await expect(audit.cell(row, 'Action')).toContainText('Shut down');
    await expect(audit.cell(row, 'Reason')).toHaveText(why);
  }
  // Unfiltered, the log holds more than this VM (sign-ins, at least this test's own).
  await expect(audit.rows.filter({ hasNotText: `key ${key}` }).first()).toBeVisible();

  // Filter by VM: the URL says so and the table narrows to that VM.
  await audit.vm.fill(String(key));
  await expect(page).toHaveURL(new RegExp(`/audit\\?vm=${key}$`));
  await expect(audit.rows.filter({ hasNotText: `key ${key}` })).toHaveCount(0);
  await expect(mine).toHaveCount(2);

  // And by outcome: only accepted records remain.
  await audit.outcome.selectOption({ label: 'Accepted' });
  await expect(page).toHaveURL(new RegExp(`/audit\\?vm=${key}&outcome=accepted$`));
  await expect(mine).toHaveCount(1);
  await expect(
    audit.rows.filter({ hasNot: page.getByRole('cell', { name: 'Accepted', exact: true }) }),
  ).toHaveCount(0);
  await expect(audit.rows.filter({ hasNotText: `key ${key}` })).toHaveCount(0);

  // Export CSV: the same search, as a file with a header row and the action's line.
  await expect(audit.exportCsv).toHaveAttribute('href', `/api/audit.csv?vm=${key}&outcome=accepted`);
  const downloading = page.waitForEvent('download');
  await audit.exportCsv.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const path = await download.path();
  const { header: columns, records } = csvRecords(await readFile(path, 'utf8'));
  expect(columns).toEqual(expect.arrayContaining(['at', 'outcome', 'actor', 'vm_key', 'action', 'reason']));
  expect(records.length).toBeGreaterThan(0);
  expect(records.every((r) => r.vm_key === String(key) && r.outcome === 'accepted')).toBe(true);
  expect(records.filter((r) => r.reason === why)).toEqual([
    expect.objectContaining({
      outcome: 'accepted',
      actor: 'admin',
      role: 'admin',
      vm_key: String(key),
      vm_name: name,
      action: 'poweroff',
      reason: why,
    }),
  ]);

  // The VM's own page: "Recent actions" lists it, with who and why.
  await header.open('Fleet');
  await fleetPage.searchFor(name);
  await fleetPage.vmCard(name).getByRole('link', { name, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/vms/${key}(\\?|$)`));
  const activity = new VmActivityRegion(page);
  const item = activity.items.filter({ hasText: why });
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('Shut down');
  await expect(item).toContainText('by admin (admin)');
  await expect(item).toContainText('Accepted');
  await expect(item.getByText(why, { exact: true })).toBeVisible();
});
