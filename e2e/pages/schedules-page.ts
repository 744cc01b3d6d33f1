// The Schedules page (`/schedules`), its form and its reason dialogs, by role and accessible name
// (docs/ui-contract.md, "Schedules page").
import { expect, type Locator, type Page } from '@playwright/test';

export class SchedulesPage {
  readonly main: Locator;
  readonly list: Locator;
  readonly newSchedule: Locator;
  readonly runs: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Schedules' });
    this.list = this.main.getByRole('list', { name: 'Schedules', exact: true });
    this.newSchedule = this.main.getByRole('button', { name: 'New schedule', exact: true });
    this.runs = this.main.getByRole('table', { name: 'Runs' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/schedules');
    await expect(this.main).toBeVisible();
  }

  /** One schedule's entry, by its name. */
  schedule(name: string): Locator {
    return this.list.getByRole('listitem', { name, exact: true });
  }

  button(schedule: Locator, name: 'Skip next run' | 'Pause' | 'Resume' | 'Edit' | 'Delete'): Locator {
    return schedule.getByRole('button', { name, exact: true });
  }

  dialog(name: string | RegExp): Locator {
    return this.page.getByRole('dialog', { name });
  }
}

/** The schedule form (`New schedule`, `Edit “…”`). */
export class ScheduleForm {
  readonly name: Locator;
  readonly action: Locator;
  readonly searchVms: Locator;
  readonly vms: Locator;
  readonly time: Locator;
  readonly timeZone: Locator;
  readonly preview: Locator;
  readonly nextRuns: Locator;
  readonly create: Locator;

  constructor(readonly dialog: Locator) {
    this.name = dialog.getByRole('textbox', { name: 'Name', exact: true });
    this.action = dialog.getByRole('combobox', { name: 'Action', exact: true });
    this.searchVms = dialog.getByRole('searchbox', { name: 'Search VMs' });
    this.vms = dialog.getByRole('list', { name: 'VMs', exact: true });
    this.time = dialog.getByLabel('Time', { exact: true });
    this.timeZone = dialog.getByRole('combobox', { name: 'Time zone' });
    this.preview = dialog.getByRole('region', { name: 'Preview' });
    this.nextRuns = this.preview.getByRole('table', { name: 'Next runs' });
    this.create = dialog.getByRole('button', { name: 'Create schedule', exact: true });
  }

  repeats(kind: 'Daily' | 'Weekdays' | 'Weekly' | 'Once' | 'Cron'): Locator {
    return this.dialog.getByRole('radio', { name: kind, exact: true });
  }

  async chooseVm(name: string): Promise<void> {
    await this.searchVms.fill(name);
    await this.vms.getByRole('checkbox', { name }).check();
  }

  /** The preview's data rows (its header row left out). */
  get runRows(): Locator {
    return this.nextRuns.getByRole('row').filter({ has: this.dialog.page().getByRole('cell') });
  }
}
