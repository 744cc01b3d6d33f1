import { describe, expect, it } from 'vitest';
import { isEmptyFilter, matchesFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { vm } from './fleet-fixtures';

const web = vm(1, { name: 'Web-01', nodeName: 'node1' });
const db = vm(2, { name: 'db-02', status: 'stopped', nodeName: null, node: null });
const bad = vm(3, { name: 'web-03', status: 'error', nodeName: 'node2' });
const moving = vm(4, { name: 'app-04', status: 'starting', nodeName: 'node2' });
const all = [web, db, bad, moving];
const names = (text: string, down: ReadonlySet<number> = new Set()) => {
  const f = parseFilter(text);
  return all.filter((v) => matchesFilter(v, f, down.has(v.key))).map((v) => v.name);
};

describe('the wall filter', () => {
  it('empty: everything', () => {
    expect(isEmptyFilter(parseFilter(''))).toBe(true);
    expect(isEmptyFilter(parseFilter('   '))).toBe(true);
    expect(names('')).toHaveLength(4);
  });
  it('a name substring, case-insensitive; several words must all match', () => {
    expect(names('web')).toEqual(['Web-01', 'web-03']);
    expect(names('WEB 03')).toEqual(['web-03']);
    expect(names('nothing')).toEqual([]);
  });
  it('status: a status, a group, a list; several add up', () => {
    expect(names('status:error')).toEqual(['web-03']);
    expect(names('status:running,stopped')).toEqual(['Web-01', 'db-02']);
    expect(names('status:attention')).toEqual(['web-03']);
    expect(names('status:transitional')).toEqual(['app-04']);
    expect(names('status:changing')).toEqual(['app-04']);
    expect(names('status:error status:starting')).toEqual(['web-03', 'app-04']);
  });
  it('status:down: the VMs marked down unexpectedly', () => {
    expect(names('status:down', new Set([2]))).toEqual(['db-02']);
    expect(names('status:down')).toEqual([]);
  });
  it('name and status together', () => {
    expect(names('web status:running')).toEqual(['Web-01']);
  });
  it('node:', () => {
    expect(names('node:NODE2')).toEqual(['web-03', 'app-04']);
    expect(names('node:node2 status:error')).toEqual(['web-03']);
  });
  it('ignores unknown statuses (a typo shows everything rather than nothing)', () => {
    const f = parseFilter('status:bogus');
    expect(isEmptyFilter(f)).toBe(true);
    expect(names('status:bogus')).toHaveLength(4);
    expect(names('status:bogus,error')).toEqual(['web-03']);
  });
});
