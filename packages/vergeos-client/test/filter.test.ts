import { describe, expect, it } from 'vitest';
import { FILTER_OPERATORS, Filter, escapeFilterString, filter, filterLiteral } from '../src/index';

describe('filter literals', () => {
  it('escapes backslash, quote and brace with a backslash, backslash first', () => {
    expect(escapeFilterString("o'brien")).toBe("o\\'brien");
    expect(escapeFilterString('grp{x}')).toBe('grp\\{x}');
    expect(escapeFilterString('back\\slash')).toBe('back\\\\slash');
    expect(escapeFilterString("o'brien{x}\\z")).toBe("o\\'brien\\{x}\\\\z");
    // An escape in the input is escaped once, never twice.
    expect(escapeFilterString("\\'")).toBe("\\\\\\'");
  });

  it('quotes strings and writes numbers, booleans and null bare', () => {
    expect(filterLiteral("web'01")).toBe("'web\\'01'");
    expect(filterLiteral(54)).toBe('54');
    expect(filterLiteral(-1.5)).toBe('-1.5');
    expect(filterLiteral(false)).toBe('false');
    expect(filterLiteral(true)).toBe('true');
    expect(filterLiteral(null)).toBe('null');
    expect(() => filterLiteral(Number.NaN)).toThrow(TypeError);
    expect(() => filterLiteral(Infinity)).toThrow(TypeError);
  });

  it('a hostile value stays one literal', () => {
    const f = filter.eq('name', "x' or name ne 'y");
    expect(f.text).toBe("name eq 'x\\' or name ne \\'y'");
  });
});

describe('filter terms', () => {
  it('has every VergeOS operator', () => {
    expect(FILTER_OPERATORS).toEqual(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'bw', 'ew', 'cs', 'ct']);
    expect(filter.eq('machine', 54).text).toBe('machine eq 54');
    expect(filter.ne('status', 'running').text).toBe("status ne 'running'");
    expect(filter.gt('ram', 1024).text).toBe('ram gt 1024');
    expect(filter.ge('ram', 1024).text).toBe('ram ge 1024');
    expect(filter.lt('cpu_cores', 4).text).toBe('cpu_cores lt 4');
    expect(filter.le('cpu_cores', 4).text).toBe('cpu_cores le 4');
    expect(filter.bw('name', 'web').text).toBe("name bw 'web'");
    expect(filter.ew('name', '-01').text).toBe("name ew '-01'");
    expect(filter.cs('name', 'Db').text).toBe("name cs 'Db'");
    expect(filter.ct('name', 'db').text).toBe("name ct 'db'");
    expect(filter.op('le', 'ram', 2048).text).toBe('ram le 2048');
    expect(String(filter.eq('is_snapshot', false))).toBe('is_snapshot eq false');
  });

  it('accepts $key and joined fields, rejects anything else as a field', () => {
    expect(filter.eq('$key', 42).text).toBe('$key eq 42');
    expect(filter.eq('machine#status#status', 'running').text).toBe("machine#status#status eq 'running'");
    expect(() => filter.eq('name eq 1 or name', 'x')).toThrow(TypeError);
    expect(() => filter.eq('', 'x')).toThrow(TypeError);
    expect(() => filter.eq("na'me", 'x')).toThrow(TypeError);
    // @ts-expect-error: `like` is not a VergeOS operator
    expect(() => filter.op('like', 'name', 'x')).toThrow(TypeError);
  });
});

describe('filter grouping', () => {
  it('joins with and/or and parenthesises compound operands (VergeOS reads left to right)', () => {
    const f = filter.and(
      filter.eq('is_snapshot', false),
      filter.or(filter.eq('status', 'running'), filter.eq('status', 'starting')),
    );
    expect(f.text).toBe("is_snapshot eq false and (status eq 'running' or status eq 'starting')");

    const g = filter.or(filter.and(filter.eq('a', 1), filter.eq('b', 2)), filter.eq('c', 3));
    expect(g.text).toBe('(a eq 1 and b eq 2) or c eq 3');
  });

  it('keeps simple operands bare and nests deeply', () => {
    expect(filter.and(filter.eq('a', 1), filter.eq('b', 2), filter.eq('c', 3)).text).toBe(
      'a eq 1 and b eq 2 and c eq 3',
    );
    const deep = filter.and(
      filter.eq('a', 1),
      filter.or(filter.eq('b', 2), filter.and(filter.eq('c', 3), filter.eq('d', 4))),
    );
    expect(deep.text).toBe('a eq 1 and (b eq 2 or (c eq 3 and d eq 4))');
  });

  it('treats hand-written strings as compound, and one operand as itself', () => {
    expect(filter.and('a eq 1 or b eq 2', filter.eq('c', 3)).text).toBe('(a eq 1 or b eq 2) and c eq 3');
    expect(filter.and(filter.eq('a', 1)).text).toBe('a eq 1');
    expect(filter.eq('a', 1).or(filter.eq('b', 2)).and(filter.eq('c', 3)).text).toBe(
      '(a eq 1 or b eq 2) and c eq 3',
    );
    expect(filter.raw('  x eq 1 ')).toBeInstanceOf(Filter);
    expect(() => filter.and()).toThrow(TypeError);
    expect(() => filter.raw('  ')).toThrow(TypeError);
  });
});
