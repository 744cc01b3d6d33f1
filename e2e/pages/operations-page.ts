// Operations: the Operations page (`/operations`), the report of a bulk action on the fleet page, and what a VM's
// card shows of an operation acting on it (docs/ui-contract.md, "Operation on a card", "Selection and bulk
// actions", "Operations page").
import { expect, type Locator, type Page } from '@playwright/test';

/** Where one VM of an operation is, as the report's regions name it (`Done (2)`). */
export type VmStateLabel = 'Failed' | 'In progress' | 'Waiting' | 'Done' | 'Skipped' | 'Cancelled';

/** An operation's per-VM report: one `region` per state, named `<State> (N)`, listing VM names and details. */
export class VmReport {
  constructor(readonly root: Locator) {}

  /** The region of one state, e.g. `Done (2)`. */
  state(label: VmStateLabel, n: number): Locator {
    return this.root.getByRole('region', { name: `${label} (${n})`, exact: true });
  }

  /** Every state region, whatever its count (`Done (…)`). */
  anyState(label: VmStateLabel): Locator {
    return this.root.getByRole('region', { name: new RegExp(`^${label} \\(\\d+\\)$`) });
  }

  /** A VM's row inside a state's region. */
  vm(region: Locator, name: string): Locator {
    return region.getByRole('listitem').filter({ hasText: name });
  }

  /**
   * Exactly these VMs in this state, each with its detail (e.g. `Skipped: already stopped`, a RegExp for
   * `Stopped after N s`).
   */
  async expectState(label: VmStateLabel, vms: Record<string, string | RegExp>): Promise<void> {
    const region = this.state(label, Object.keys(vms).length);
    await expect(region, `the report lists ${Object.keys(vms).length} VMs as ${label}`).toBeVisible();
    await expect(region.getByRole('listitem')).toHaveCount(Object.keys(vms).length);
    for (const [name, detail] of Object.entries(vms)) {
      await expect(this.vm(region, name), `${name}: ${String(detail)}`).toContainText(detail);
    }
  }
}

/** The report of the last bulk action: a `region` named `Operation report`, above the grid, until dismissed. */
export class OperationReport extends VmReport {
  readonly heading: Locator;
  /** `2 done, 1 skipped of 3`. */
  readonly summary: Locator;
  readonly progress: Locator;
  readonly cancel: Locator;
  readonly dismiss: Locator;

  constructor(readonly page: Page) {
    super(page.getByRole('region', { name: 'Operation report', exact: true }));
    this.heading = this.root.getByRole('heading').first();
    this.summary = this.root.getByRole('status');
    this.progress = this.root.getByRole('progressbar', { name: 'Operation progress' });
    this.cancel = this.root.getByRole('button', { name: 'Cancel operation', exact: true });
    this.dismiss = this.root.getByRole('button', { name: 'Dismiss report', exact: true });
  }

  /** The outcome badge: `Running`, `Done`, `N failed`, `Cancelled`. */
  outcome(label: string): Locator {
    return this.root.getByText(label, { exact: true });
  }
}

/** What a VM's card shows of an operation acting on it: a `group` named `Operation`, and its outcome after. */
export class CardOperation {
  readonly group: Locator;
  /** `Forcing off in M:SS`, `Forcing off now`, `Rebooting · times out in M:SS`. */
  readonly timer: Locator;
  readonly forceNow: Locator;
  readonly cancel: Locator;

  constructor(readonly card: Locator) {
    this.group = card.getByRole('group', { name: 'Operation', exact: true });
    this.timer = this.group.getByRole('timer');
    this.forceNow = this.group.getByRole('button', { name: 'Force now', exact: true });
    this.cancel = this.group.getByRole('button', { name: 'Cancel', exact: true });
  }

  /** The seconds the countdown shows (`Forcing off in 0:08` -> 8; `Forcing off now` -> 0). */
  async secondsLeft(): Promise<number> {
    const text = (await this.timer.textContent()) ?? '';
    if (/Forcing off now/.test(text)) return 0;
    const m = /Forcing off in (?:(\d+):)?(\d+):(\d{2})/.exec(text);
    if (!m) throw new Error(`not a countdown: "${text}"`);
    return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  }

  /** Once over: `<what>: <detail>` as a `status` (done) or an `alert` (failed). */
  outcome(text: string | RegExp): Locator {
    return this.card.getByRole('status').filter({ hasText: text });
  }
}

export type OperationsColumn = 'Action' | 'VMs' | 'Owner' | 'Started' | 'Status' | 'Progress';
const COLUMNS: readonly OperationsColumn[] = ['Action', 'VMs', 'Owner', 'Started', 'Status', 'Progress'];

/** The Operations page (`/operations`). */
export class OperationsPage {
  readonly main: Locator;
  readonly table: Locator;
  /** The table's data rows (the header row and the expanded per-VM reports left out). */
  readonly rows: Locator;
  readonly empty: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Operations' });
    this.table = this.main.getByRole('table', { name: 'Operations' });
    this.rows = this.table
      .getByRole('row')
      .filter({ hasNot: page.getByRole('columnheader') })
      .filter({ has: page.getByRole('button', { name: /^(Show|Hide) VMs$/ }) });
    this.empty = this.main.getByText('No operations yet');
  }

  async goto(): Promise<void> {
    await this.page.goto('/operations');
    await expect(this.main).toBeVisible();
  }

  /** Rows that contain a text (e.g. a reason unique to the test). */
  rowsWith(text: string | RegExp): Locator {
    return this.rows.filter({ hasText: text });
  }

  cell(row: Locator, column: OperationsColumn): Locator {
    return row.getByRole('cell').nth(COLUMNS.indexOf(column));
  }

  showVms(row: Locator): Locator {
    return row.getByRole('button', { name: 'Show VMs', exact: true });
  }

  /** The per-VM report `Show VMs` opened (under its row; open one at a time). */
  get report(): VmReport {
    return new VmReport(this.table);
  }
}
