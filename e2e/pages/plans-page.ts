// The Plans page (`/plans`), a plan's page, the plan editor and a run's view, by role and accessible name
// (docs/ui-contract.md, "Plans").
import { expect, type Locator, type Page } from '@playwright/test';

export class PlansPage {
  readonly main: Locator;
  readonly list: Locator;
  readonly newPlan: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Plans', exact: true });
    this.list = this.main.getByRole('list', { name: 'Plans', exact: true });
    this.newPlan = this.main.getByRole('button', { name: 'New plan', exact: true });
  }

  async goto(): Promise<void> {
    await this.page.goto('/plans');
    await expect(this.main).toBeVisible();
  }

  /** One plan's entry, by its name. */
  plan(name: string): Locator {
    return this.list.getByRole('listitem', { name, exact: true });
  }

  dialog(name: string | RegExp): Locator {
    return this.page.getByRole('dialog', { name });
  }
}

/** The editor (`/plans/new`, `/plans/:id/edit`). */
export class PlanEditor {
  readonly name: Locator;
  readonly tiers: Locator;
  readonly addTier: Locator;
  readonly create: Locator;
  readonly save: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByRole('textbox', { name: 'Plan name', exact: true });
    this.tiers = page.getByRole('list', { name: 'Tiers', exact: true });
    this.addTier = page.getByRole('button', { name: 'Add tier', exact: true });
    this.create = page.getByRole('button', { name: 'Create plan', exact: true });
    this.save = page.getByRole('button', { name: 'Save plan', exact: true });
  }

  tier(n: number): Locator {
    return this.tiers.getByRole('region', { name: `Tier ${n}`, exact: true });
  }

  /** The chips of tier n's VMs. */
  vmsOf(n: number): Locator {
    return this.tier(n).getByRole('list', { name: `VMs of tier ${n}`, exact: true });
  }

  /** Opens tier n's VM picker, ticks the VM, and closes it again. */
  async addVm(n: number, vm: string): Promise<void> {
    const tier = this.tier(n);
    await tier.getByRole('button', { name: 'Add VMs', exact: true }).click();
    await tier.getByRole('searchbox', { name: 'Search VMs' }).fill(vm);
    await tier
      .getByRole('list', { name: 'VMs', exact: true })
      .getByRole('checkbox', { name: new RegExp(`^${vm}\\b`) })
      .check();
    await tier.getByRole('button', { name: 'Done adding', exact: true }).click();
  }

  field(n: number, name: 'Tier name' | 'Timeout (s)' | 'Delay after (s)'): Locator {
    return this.tier(n).getByLabel(name, { exact: true });
  }
}

/** A plan's page (`/plans/:id`). */
export class PlanPage {
  readonly main: Locator;
  readonly dryRun: Locator;
  readonly dryRunTiers: Locator;
  readonly runs: Locator;

  constructor(
    readonly page: Page,
    name: string,
  ) {
    this.main = page.getByRole('main', { name, exact: true });
    this.dryRun = this.main.getByRole('region', { name: 'Dry run', exact: true });
    this.dryRunTiers = this.dryRun.getByRole('list', { name: 'What each tier would do', exact: true });
    this.runs = this.main.getByRole('table', { name: 'Runs' });
  }

  button(name: 'Start plan' | 'Shut down plan' | 'Edit' | 'Delete' | 'New plan'): Locator {
    return this.main.getByRole('button', { name, exact: true });
  }

  /** The dry run's entry for a tier, "<n>. <name>". */
  dryRunTier(n: number, name: string): Locator {
    return this.dryRunTiers.getByRole('listitem', { name: `${n}. ${name}`, exact: true });
  }
}

/** A run's view (`/plans/:id/runs/:operationId`). */
export class PlanRunView {
  readonly heading: Locator;
  readonly progress: Locator;
  readonly ladder: Locator;
  readonly cancel: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 2 });
    this.progress = page.getByRole('progressbar', { name: 'Run progress' });
    this.ladder = page
      .getByRole('region', { name: 'Progress ladder' })
      .getByRole('list', { name: 'Tiers in run order', exact: true });
    this.cancel = page.getByRole('button', { name: 'Cancel run', exact: true });
  }

  /** A tier's rung, "Tier N · <name>". */
  tier(n: number, name: string): Locator {
    return this.ladder.getByRole('listitem', { name: `Tier ${n} · ${name}`, exact: true });
  }
}
