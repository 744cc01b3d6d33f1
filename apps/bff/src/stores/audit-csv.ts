// CSV export of the audit log (RFC 4180: comma-separated, CRLF line ends, fields quoted when they
// hold a quote, comma or line break). A text cell starting with = + - @ (or a tab or CR) is prefixed
// with ' so that a spreadsheet shows it as text instead of running it as a formula.
import { AUDIT_COLUMN_NAMES, AUDIT_FIELDS } from './audit-rows';
import type { AuditFilter, AuditRecord, AuditStore } from './types';

/** The CSV's columns: the table's (./audit-rows.ts), in its order, bar the chain's format; a row's cells follow them. */
export const AUDIT_CSV_COLUMNS = AUDIT_COLUMN_NAMES.filter(
  (c): c is Exclude<(typeof AUDIT_COLUMN_NAMES)[number], 'chain'> => c !== 'chain',
);

const FORMULA = /^[=+\-@\t\r]/;

/** One CSV field. Numbers are written as they are; text is defused and quoted as needed. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const s = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line, with its CRLF. */
export function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function auditCsvCells(r: AuditRecord): (string | number | null)[] {
  return AUDIT_CSV_COLUMNS.map((c) => r[AUDIT_FIELDS[c]]);
}

/** The matching rows as CSV, oldest first, header line first; read page by page. */
export async function* exportAuditCsv(
  store: AuditStore,
  filter: AuditFilter = {},
  pageSize = 500,
): AsyncGenerator<string> {
  yield csvLine(AUDIT_CSV_COLUMNS);
  let cursor: number | undefined;
  for (;;) {
    const page = await store.query({
      ...filter,
      order: 'asc',
      limit: pageSize,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    for (const row of page.rows) yield csvLine(auditCsvCells(row));
    if (page.next === null) return;
    cursor = page.next;
  }
}
