// Scheduled power operations in the browser (issue 15): an admin creates a weekday schedule in the form and sees its
// next runs in the schedule's zone and their own; a help-desk user skips the next run, with a reason; a VM's card
// shows its next scheduled action. Schedules are set up and checked through the BFF's API and deleted after each
// test (one left behind would act on later specs' VMs); their times are hours away, so none runs meanwhile.
import type { ScheduleBody } from '@powerdeck/contracts/schedules';
import { expect, test } from '../fixtures';
import { ScheduleForm, SchedulesPage } from '../pages/schedules-page';
import { unique } from '../support/names';
import { createSchedule, deleteSchedules, schedules, utcTimeIn } from '../support/schedules';
import { VM } from '../support/seed';

const PREFIX = unique('e2e-schedule');

test.afterEach(async ({ bffApi }) => {
  await deleteSchedules(bffApi, PREFIX);
});

/** A schedule that shuts web-02 down, in UTC. */
const shutDownWeb02 = (name: string, when: ScheduleBody['when']): ScheduleBody => ({
  name,
  enabled: true,
  action: 'shutdown',
  targets: { kind: 'vms', vms: [VM.web02.key] },
  when,
  timeZone: 'UTC',
});

test('an admin creates a weekday schedule and sees its next runs', async ({ page, bffApi }) => {
  const schedulesPage = new SchedulesPage(page);
  const name = `${PREFIX} lab nights`;
  const time = utcTimeIn(6);
  await schedulesPage.goto();
  await schedulesPage.newSchedule.click();
  const form = new ScheduleForm(schedulesPage.dialog('New schedule'));

  await form.name.fill(name);
  await form.chooseVm(VM.web02.name);
  await expect(form.repeats('Weekdays')).toBeChecked();
  await form.time.fill(time);
  await form.timeZone.selectOption('UTC');

  // The next five runs, Monday to Friday at that time in UTC, and the same moments in the viewer's zone.
  await expect(form.runRows).toHaveCount(5);
  await expect(form.nextRuns.getByRole('columnheader').nth(0)).toHaveText('UTC');
  await expect(form.nextRuns.getByRole('columnheader').nth(1)).toHaveText(/^Your time \(.+\)$/);
  for (const row of await form.runRows.all()) {
    await expect(row.getByRole('cell').first()).toHaveText(
      new RegExp(`^(Mon|Tue|Wed|Thu|Fri) \\d{4}-\\d{2}-\\d{2} ${time}$`),
    );
  }

  await form.create.click();
  await expect(form.dialog).toBeHidden();
  const entry = schedulesPage.schedule(name);
  await expect(entry).toContainText(`Shut down · 1 chosen VM · Weekdays at ${time} (UTC)`);
  await expect(entry).toContainText(new RegExp(`Next run(Mon|Tue|Wed|Thu|Fri) \\S+ ${time} · in \\d+ (h|d)`));

  // The history of runs loads (empty, or a table of runs), not an error.
  const history = page.getByRole('region', { name: 'History of runs' });
  await expect(
    history.getByText('No runs yet').or(history.getByRole('table', { name: 'Runs' })),
  ).toBeVisible();

  const saved = (await schedules(bffApi)).find((s) => s.name === name);
  expect(saved).toMatchObject({
    action: 'shutdown',
    enabled: true,
    targets: { kind: 'vms', vms: [VM.web02.key] },
    when: { kind: 'weekdays', time },
    timeZone: 'UTC',
    owner: 'admin',
  });
});

test.describe('help-desk', () => {
  test.use({ persona: 'helpdesk' });

  test('skips the next run, with a reason', async ({ page, bffApi }) => {
    const name = `${PREFIX} office hours`;
    const created = await createSchedule(
      bffApi,
      shutDownWeb02(name, { kind: 'weekdays', time: utcTimeIn(6) }),
    );
    const next = created.next;
    expect(next, 'the schedule has a next run').not.toBeNull();

    const schedulesPage = new SchedulesPage(page);
    await schedulesPage.goto();
    const entry = schedulesPage.schedule(name);
    // Help-desk may skip and pause, not edit or delete.
    await expect(schedulesPage.button(entry, 'Edit')).toHaveCount(0);
    await expect(schedulesPage.button(entry, 'Delete')).toHaveCount(0);
    await schedulesPage.button(entry, 'Skip next run').click();

    const dialog = schedulesPage.dialog(new RegExp(`^Skip the run of “${name}” at `));
    const skip = dialog.getByRole('button', { name: 'Skip run', exact: true });
    await skip.click();
    await expect(dialog.getByText('Say why, for the audit log.')).toBeVisible();
    expect(
      (await schedules(bffApi)).find((s) => s.name === name)?.skips,
      'nothing skipped without a reason',
    ).toEqual([]);

    const why = `Patch freeze ${unique('CHG')}`;
    await dialog.getByRole('textbox', { name: 'Reason' }).fill(why);
    await skip.click();
    await expect(dialog).toBeHidden();
    await expect(entry).toContainText(`by helpdesk: “${why}”`);

    await expect
      .poll(async () =>
        (await schedules(bffApi)).find((s) => s.name === name)?.skips.map((k) => [k.at, k.by, k.reason]),
      )
      .toEqual([[next, 'helpdesk', why]]);
    const after = (await schedules(bffApi)).find((s) => s.name === name);
    expect(after?.next, 'the next run is now the one after the skipped one').not.toBe(next);
  });
});

test("a VM's card shows its next scheduled action", async ({ bffApi, fleetPage }) => {
  const name = `${PREFIX} nightly`;
  await createSchedule(bffApi, shutDownWeb02(name, { kind: 'daily', time: utcTimeIn(3) }));
  const card = await fleetPage.open(VM.web02.name);
  await expect(
    card.getByText(new RegExp(`^Shut down (tomorrow )?at \\d{2}:\\d{2} · ${name}$`)),
  ).toBeVisible();
  await expect(card.getByRole('button', { name: new RegExp(`^Skip ${name} at `) })).toBeVisible();
});
