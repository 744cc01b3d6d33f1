// CSV export of the audit log: RFC 4180 quoting and spreadsheet formula defusing; the export read page by page
// from the store on both backends.
import { beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS, csvCell, csvLine, exportAuditCsv } from '../src/stores/audit-csv';
import { BACKENDS, openTestStores, type TestStores } from './store-backends';

describe('csvCell', () => {
  it('quotes fields holding quotes, commas or line breaks', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell('')).toBe('');
    expect(csvCell(null)).toBe('');
  });

  it('defuses text that a spreadsheet would run as a formula', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('=HYPERLINK("http://evil","click")')).toBe(`"'=HYPERLINK(""http://evil"",""click"")"`);
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('writes numbers as numbers', () => {
    expect(csvCell(42)).toBe('42');
    expect(csvCell(-3)).toBe('-3');
    expect(csvLine([1, 'a', null, '=x'])).toBe("1,a,,'=x\r\n");
  });
});

describe.each(BACKENDS)('exportAuditCsv (%s)', (backend) => {
  let stores: TestStores;
  beforeEach(async () => {
    stores = await openTestStores(backend);
  });

  it('writes a header and every matching row, oldest first, across pages', async () => {
    for (let i = 1; i <= 7; i += 1) {
      await stores.audit.append({
        kind: 'power',
        outcome: 'requested',
        actor: 'hal',
        vmKey: i % 2,
        vmName: `vm, "${i}"`,
        action: 'poweron',
        reason: i === 3 ? '=cmd|" /C calc"!A0' : `line one\nline ${i}`,
        params: { force: i > 5 },
      });
    }
    let text = '';
    for await (const chunk of exportAuditCsv(stores.audit, { vmKey: 1 }, 2)) text += chunk;
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    expect(text.endsWith('\r\n')).toBe(true);
    const ids = [...text.matchAll(/\r\n(\d+),/g)].map((m) => Number(m[1]));
    expect(ids).toEqual([1, 3, 5, 7]);
    expect(text).toContain(`"vm, ""3"""`);
    expect(text).toContain(`"'=cmd|"" /C calc""!A0"`);
    expect(text).toContain('"line one\nline 5"');
    expect(text).toContain('"{""force"":false}"');
  });
});
