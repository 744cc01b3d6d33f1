// The audit log (`/audit`, docs/ui-contract.md, "Audit, users, tokens, display links") and a VM's "Recent actions".
import { expect, type Locator, type Page } from '@playwright/test';

/** Outcome labels, one per audit outcome. */
export type OutcomeLabel = 'Requested' | 'Accepted' | 'Denied' | 'Conflict' | 'Failed' | 'Timed out';

export class AuditPage {
  readonly main: Locator;
  readonly filters: Locator;
  readonly vm: Locator;
  readonly user: Locator;
  readonly action: Locator;
  readonly outcome: Locator;
  readonly kind: Locator;
  readonly clearFilters: Locator;
  readonly table: Locator;
  /** The table's data rows (the header row left out). */
  readonly rows: Locator;
  readonly exportCsv: Locator;

  constructor(readonly page: Page) {
    this.main = page.getByRole('main', { name: 'Audit log' });
    this.filters = this.main.getByRole('search', { name: 'Filter the audit log' });
    this.vm = this.filters.getByRole('textbox', { name: 'VM', exact: true });
    this.user = this.filters.getByRole('textbox', { name: 'User', exact: true });
    this.action = this.filters.getByRole('combobox', { name: 'Action', exact: true });
    this.outcome = this.filters.getByRole('combobox', { name: 'Outcome', exact: true });
    this.kind = this.filters.getByRole('combobox', { name: 'Kind', exact: true });
    this.clearFilters = this.filters.getByRole('button', { name: 'Clear filters' });
    this.table = this.main.getByRole('table', { name: 'Audit records' });
    this.rows = this.table.getByRole('row').filter({ hasNot: page.getByRole('columnheader') });
    this.exportCsv = this.main.getByRole('link', { name: 'Export CSV' });
  }

  async goto(query = ''): Promise<void> {
    await this.page.goto(query ? `/audit?${query}` : '/audit');
    await expect(this.main).toBeVisible();
  }

  /** Rows that contain a text (e.g. a reason unique to the test). */
  rowsWith(text: string): Locator {
    return this.rows.filter({ hasText: text });
  }

  /** A row's cell under a column, by the column's position in the table. */
  cell(row: Locator, column: AuditColumn): Locator {
    return row.getByRole('cell').nth(AUDIT_COLUMNS.indexOf(column));
  }
}

export const AUDIT_COLUMNS = [
  'Time',
  'User',
  'Source',
  'VM',
  'Action',
  'Reason',
  'Outcome',
  'VergeOS',
  'Latency',
  'Request id',
] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/** A VM's page (`/vms/:key`): its "Recent actions" region. */
export class VmActivityRegion {
  readonly region: Locator;
  readonly items: Locator;

  constructor(readonly page: Page) {
    this.region = page.getByRole('region', { name: 'Recent actions' });
    this.items = this.region.getByRole('listitem');
  }
}
