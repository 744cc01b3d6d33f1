// The audit log's filters as they live in the page's URL (`/audit?vm=&actor=&action=&outcome=&kind=&from=&to=`):
// the same names and values as the BFF's `GET /api/audit` and `GET /api/audit.csv`, so one query string serves the
// page, the API and the CSV export. Parsing is forgiving (a value the BFF would refuse is dropped); serialising
// keeps one order, so one set of filters has one URL.
import {
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  type AuditKind,
  type AuditOutcome,
} from '@powerdeck/contracts/audit-terms';

export interface AuditFilters {
  /** A VM's key. */
  vm: number | null;
  /** Who acted (a user name, `cli`, a display link's name). */
  actor: string | null;
  /** A raw action (`poweron`, `reset`, `create`, ...). */
  action: string | null;
  outcome: AuditOutcome | null;
  kind: AuditKind | null;
  /** ISO 8601 (UTC), inclusive. */
  from: string | null;
  /** ISO 8601 (UTC), exclusive. */
  to: string | null;
}

export const NO_FILTERS: AuditFilters = {
  vm: null,
  actor: null,
  action: null,
  outcome: null,
  kind: null,
  from: null,
  to: null,
};

/** VergeOS's power actions, then the account actions the BFF records (users, tokens, display links). */
export const AUDIT_ACTIONS = [
  'poweron',
  'poweroff',
  'kill',
  'reset',
  'hibernate',
  'create',
  'passwd',
  'role',
  'disable',
  'enable',
  'revoke',
] as const;

/** The most rows the BFF returns per page of the audit log. */
const AUDIT_PAGE_SIZE = 100;

const MAX_ACTOR = 200;
const VM_KEY = /^[1-9][0-9]{0,9}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

const oneOf = <T extends string>(list: readonly T[], v: string | null): T | null =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : null;

/** A VM key typed by a person ("42", " 42 "), or null when it is not one. */
export function parseVmKey(text: string | null): number | null {
  const t = text?.trim() ?? '';
  return VM_KEY.test(t) ? Number(t) : null;
}

/** An ISO 8601 date-time with an offset, normalised to UTC (`2026-01-02T03:04:00.000Z`); null otherwise. */
function normaliseIso(text: string | null): string | null {
  if (text === null || !ISO_DATE_TIME.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** A query string (with or without its `?`) as filters; what is not a valid value is left out. */
export function parseAuditFilters(search: string): AuditFilters {
  const p = new URLSearchParams(search);
  const actor = p.get('actor')?.trim() ?? '';
  return {
    vm: parseVmKey(p.get('vm')),
    actor: actor ? actor.slice(0, MAX_ACTOR) : null,
    action: oneOf(AUDIT_ACTIONS, p.get('action')),
    outcome: oneOf(AUDIT_OUTCOMES, p.get('outcome')),
    kind: oneOf(AUDIT_KINDS, p.get('kind')),
    from: normaliseIso(p.get('from')),
    to: normaliseIso(p.get('to')),
  };
}

/** Filters as a query string without its `?` ("" for no filters), in one order. */
export function serialiseAuditFilters(f: AuditFilters): string {
  const p = new URLSearchParams();
  if (f.vm !== null) p.set('vm', String(f.vm));
  if (f.actor !== null && f.actor.trim() !== '') p.set('actor', f.actor.trim().slice(0, MAX_ACTOR));
  if (f.action !== null) p.set('action', f.action);
  if (f.outcome !== null) p.set('outcome', f.outcome);
  if (f.kind !== null) p.set('kind', f.kind);
  if (f.from !== null) p.set('from', f.from);
  if (f.to !== null) p.set('to', f.to);
  return p.toString();
}

/** The query string of `GET /api/audit` for one page: the filters, then the cursor (older than) and the page size. */
export function auditApiQuery(
  f: AuditFilters,
  cursor: number | null = null,
  limit = AUDIT_PAGE_SIZE,
): string {
  const p = new URLSearchParams(serialiseAuditFilters(f));
  if (cursor !== null) p.set('cursor', String(cursor));
  p.set('limit', String(limit));
  return p.toString();
}

/** The CSV export of the same records: a plain download link. */
export function auditCsvHref(f: AuditFilters): string {
  return `/api/audit.csv?${serialiseAuditFilters(f)}`;
}

/** Whether any filter narrows the log. */
export function hasFilters(f: AuditFilters): boolean {
  return serialiseAuditFilters(f) !== '';
}

/** A `datetime-local` input's value (the browser's local time) as ISO 8601 UTC; null when empty or invalid. */
export function localInputToIso(value: string): string | null {
  const m = LOCAL_DATE_TIME.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number((m[7] ?? '').padEnd(3, '0'));
  const date = new Date(y, mo - 1, d, h, mi, s, ms);
  // A date that rolls over (February 30th) or a local time that does not exist (a DST gap) is no time at all.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || date.getHours() !== h)
    return null;
  return date.toISOString();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as a `datetime-local` input's value, in the browser's local time, to the minute ("" for null). */
export function isoToLocalInput(iso: string | null): string {
  if (iso === null) return '';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
