import { describe, expect, it } from 'vitest';
import {
  auditApiQuery,
  auditCsvHref,
  hasFilters,
  isoToLocalInput,
  localInputToIso,
  NO_FILTERS,
  parseAuditFilters,
  serialiseAuditFilters,
  type AuditFilters,
} from '../src/features/audit/lib/audit-filters';

const ALL: AuditFilters = {
  vm: 42,
  actor: 'alice',
  action: 'reset',
  outcome: 'failed',
  kind: 'power',
  from: '2026-01-02T03:04:00.000Z',
  to: '2026-01-03T00:00:00.000Z',
};

describe('the audit filters in the URL', () => {
  it('parses every filter', () => {
    expect(
      parseAuditFilters(
        '?vm=42&actor=alice&action=reset&outcome=failed&kind=power&from=2026-01-02T03:04:00.000Z&to=2026-01-03T00:00:00Z',
      ),
    ).toEqual(ALL);
  });

  it('no query string is no filters', () => {
    expect(parseAuditFilters('')).toEqual(NO_FILTERS);
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, kind: 'user' })).toBe(true);
  });

  it('drops values the BFF would refuse', () => {
    expect(
      parseAuditFilters(
        '?vm=0&actor=%20%20&action=format_disk&outcome=maybe&kind=toString&from=yesterday&to=2026-01-03',
      ),
    ).toEqual(NO_FILTERS);
    expect(parseAuditFilters('?vm=-3').vm).toBeNull();
    expect(parseAuditFilters('?vm=4.5').vm).toBeNull();
    expect(parseAuditFilters('?vm=12345678901').vm).toBeNull();
    expect(parseAuditFilters('?vm=007').vm).toBeNull();
    expect(parseAuditFilters('?from=2026-13-45T99:00:00Z').from).toBeNull();
    expect(parseAuditFilters('?actor=' + 'x'.repeat(300)).actor).toHaveLength(200);
  });

  it('normalises times to UTC', () => {
    expect(parseAuditFilters('?from=2026-01-02T04:04:00%2B01:00').from).toBe('2026-01-02T03:04:00.000Z');
  });

  it('serialises in one order, without empty filters', () => {
    expect(serialiseAuditFilters(NO_FILTERS)).toBe('');
    expect(serialiseAuditFilters({ ...NO_FILTERS, kind: 'token', vm: 7 })).toBe('vm=7&kind=token');
    expect(serialiseAuditFilters({ ...NO_FILTERS, actor: '  ' })).toBe('');
    expect(serialiseAuditFilters(ALL)).toBe(
      'vm=42&actor=alice&action=reset&outcome=failed&kind=power&from=2026-01-02T03%3A04%3A00.000Z&to=2026-01-03T00%3A00%3A00.000Z',
    );
  });

  it('round-trips', () => {
    const cases: AuditFilters[] = [
      NO_FILTERS,
      ALL,
      { ...NO_FILTERS, actor: 'bob & co?', outcome: 'requested' },
      { ...NO_FILTERS, action: 'passwd', kind: 'user', to: '2025-12-31T23:59:00.000Z' },
    ];
    for (const f of cases) expect(parseAuditFilters(serialiseAuditFilters(f))).toEqual(f);
  });
});

describe('the audit filters as requests', () => {
  it('asks the API for a page, older than the cursor', () => {
    expect(auditApiQuery(NO_FILTERS)).toBe('limit=100');
    expect(auditApiQuery({ ...NO_FILTERS, vm: 3 }, 5150)).toBe('vm=3&cursor=5150&limit=100');
    expect(auditApiQuery({ ...NO_FILTERS, outcome: 'denied' }, null, 25)).toBe('outcome=denied&limit=25');
  });

  it('exports the same records as CSV', () => {
    expect(auditCsvHref(NO_FILTERS)).toBe('/api/audit.csv?');
    expect(auditCsvHref({ ...NO_FILTERS, vm: 42, actor: 'alice' })).toBe('/api/audit.csv?vm=42&actor=alice');
    const href = auditCsvHref(ALL);
    expect(href.startsWith('/api/audit.csv?')).toBe(true);
    expect(parseAuditFilters(href.slice(href.indexOf('?')))).toEqual(ALL);
    expect(href).not.toContain('cursor');
    expect(href).not.toContain('limit');
  });
});

describe('datetime-local inputs', () => {
  it('reads the local time as UTC', () => {
    expect(localInputToIso('2026-01-02T03:04')).toBe(new Date(2026, 0, 2, 3, 4).toISOString());
    expect(localInputToIso('2026-01-02T03:04:05')).toBe(new Date(2026, 0, 2, 3, 4, 5).toISOString());
    expect(localInputToIso('2026-01-02T03:04:05.5')).toBe(new Date(2026, 0, 2, 3, 4, 5, 500).toISOString());
  });

  it('an empty or impossible value is no time', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('2026-01-02')).toBeNull();
    expect(localInputToIso('2026-02-30T10:00')).toBeNull();
    expect(localInputToIso('2026-01-02T25:00')).toBeNull();
    expect(localInputToIso('soon')).toBeNull();
  });

  it('shows an ISO time in local time, to the minute, and round-trips', () => {
    expect(isoToLocalInput(null)).toBe('');
    expect(isoToLocalInput('nonsense')).toBe('');
    const iso = new Date(2026, 5, 7, 8, 9).toISOString();
    expect(isoToLocalInput(iso)).toBe('2026-06-07T08:09');
    expect(localInputToIso(isoToLocalInput(iso))).toBe(iso);
  });
});
