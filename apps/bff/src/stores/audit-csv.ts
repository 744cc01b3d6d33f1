// CSV export of the audit log (RFC 4180: comma-separated, CRLF line ends, fields quoted when they
// hold a quote, comma or line break). A text cell starting with = + - @ (or a tab or CR) is prefixed
// with ' so that a spreadsheet shows it as text instead of running it as a formula.
import type { AuditFilter, AuditRecord, AuditStore } from './types';

export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'kind',
  'outcome',
  'actor',
  'role',
  'auth_kind',
  'source',
  'user_agent',
  'vm_key',
  'vm_name',
  'action',
  'params',
  'reason',
  'target',
  'request_id',
  'operation_id',
  'schedule_id',
  'schedule_name',
  'ref_id',
  'vergeos_status',
  'vergeos_message',
  'latency_ms',
  'prev_hash',
  'hash',
] as const;

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
  return [
    r.id,
    r.at,
    r.kind,
    r.outcome,
    r.actor,
    r.role,
    r.authKind,
    r.source,
    r.userAgent,
    r.vmKey,
    r.vmName,
    r.action,
    r.params,
    r.reason,
    r.target,
    r.requestId,
    r.operationId,
    r.scheduleId,
    r.scheduleName,
    r.refId,
    r.vergeosStatus,
    r.vergeosMessage,
    r.latencyMs,
    r.prevHash,
    r.hash,
  ];
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
