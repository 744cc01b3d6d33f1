import { describe, expect, it } from 'vitest';
import {
  compileQuery,
  QueryError,
  type Catalog,
  type QueryParams,
  type Row,
  type TableSource,
} from '../src/query/index';

// ---- a small in-memory catalog: vms -> machines -> machine_status -> nodes ----

function table(
  name: string,
  rows: Row[],
  fieldSets: TableSource['fieldSets'],
  references: Record<string, string> = {},
): TableSource {
  const byKey = new Map<number, Row>();
  for (const row of [...rows].sort((a, b) => (a.$key as number) - (b.$key as number))) {
    byKey.set(row.$key as number, row);
  }
  return { name, get: (key) => byKey.get(key), rows: () => byKey.values(), fieldSets, references };
}

const nodes = table(
  'nodes',
  [
    { $key: 1, name: 'node1' },
    { $key: 2, name: 'node2' },
  ],
  { summary: ['$key', 'name'], most: ['$key', 'name'], all: ['$key', 'name'] },
);

const statusColumns = ['$key', 'machine', 'status', 'running', 'node', 'status_info', 'running_ram'];
const machineStatus = table(
  'machine_status',
  [
    { $key: 54, machine: 54, status: 'running', running: true, node: 1, status_info: '', running_ram: 2048 },
    {
      $key: 55,
      machine: 55,
      status: 'stopped',
      running: false,
      node: null,
      status_info: '',
      running_ram: 4096,
    },
    { $key: 56, machine: 56, status: 'starting', running: true, node: 2, status_info: '', running_ram: 0 },
    { $key: 57, machine: 57, status: 'error', running: false, node: null, status_info: 'Not enough RAM' },
  ],
  { summary: ['$key', 'machine', 'status', 'running'], most: statusColumns, all: statusColumns },
  { machine: 'machines', node: 'nodes' },
);

const machines = table(
  'machines',
  [
    { $key: 54, name: 'web-01', status: 54 },
    { $key: 55, name: 'web-02', status: 55 },
    { $key: 56, name: 'db-01', status: 56 },
    { $key: 57, name: "O'Brien {x}", status: 57 },
    { $key: 58, name: 'web-01 snap', status: null },
    { $key: 59, name: 'dangling', status: 999 },
  ],
  { summary: ['$key', 'name'], most: ['$key', 'name', 'status'], all: ['$key', 'name', 'status'] },
  { status: 'machine_status' },
);

const vmRows: Row[] = [
  {
    $key: 42,
    name: 'web-01',
    machine: 54,
    is_snapshot: false,
    description: 'Front end',
    cpu_cores: 2,
    ram: 2048,
    ratio: 0.5,
    tags: ['web', 'prod'],
    meta: { owner: 'ops', nested: { level: 1 } },
  },
  {
    $key: 43,
    name: 'web-02',
    machine: 55,
    is_snapshot: false,
    description: null,
    cpu_cores: 4,
    ram: 4096,
    ratio: -1.25,
    tags: [],
    meta: null,
  },
  {
    $key: 44,
    name: 'db-01',
    machine: 56,
    is_snapshot: false,
    description: 'Primary DB',
    cpu_cores: 8,
    ram: 16384,
    ratio: 2,
    tags: ['db'],
    meta: null,
  },
  {
    $key: 45,
    name: "O'Brien {x}",
    machine: 57,
    is_snapshot: false,
    description: 'back\\slash',
    cpu_cores: 1,
    ram: 1024,
    ratio: 0,
    tags: [],
    meta: null,
  },
  {
    $key: 46,
    name: 'web-01 snap',
    machine: 58,
    is_snapshot: true,
    description: 'Front end',
    cpu_cores: 2,
    ram: 2048,
    ratio: 0.5,
    tags: [],
    meta: null,
  },
  {
    $key: 47,
    name: 'orphan',
    machine: null,
    is_snapshot: false,
    description: 'no machine',
    cpu_cores: 2,
    ram: 512,
    ratio: 1,
    tags: [],
    meta: null,
  },
];
const vmMost = ['$key', 'name', 'machine', 'is_snapshot', 'description', 'cpu_cores', 'ram'];
const vms = table(
  'vms',
  vmRows,
  { summary: ['$key', 'name', 'machine'], most: vmMost, all: [...vmMost, 'ratio', 'tags', 'meta'] },
  { machine: 'machines' },
);

const tables: Record<string, TableSource> = {
  vms,
  machines,
  machine_status: machineStatus,
  nodes,
};
const catalog: Catalog = (name) => tables[name];

function list(params: QueryParams, tableName = 'vms'): Record<string, unknown>[] {
  return compileQuery(catalog, tableName, params).list();
}

/** The $keys a filter selects on vms, in $key order. */
function keys(filter: string): unknown[] {
  return list({ filter, fields: '$key' }).map((r) => r.$key);
}

function expectInvalid(params: QueryParams): void {
  expect(() => compileQuery(catalog, 'vms', params)).toThrow(QueryError);
}

const POWER_FIELDS =
  '$key,name,machine,machine#status#status as status,machine#status#running as running,machine#status#node#name as node_name';

// ---- fields ----

describe('fields', () => {
  it('defaults to summary when absent, empty or blank', () => {
    const expected = vmRows.map((r) => ({ $key: r.$key, name: r.name, machine: r.machine }));
    expect(list({})).toEqual(expected);
    expect(list({ fields: '' })).toEqual(expected);
    expect(list({ fields: '  ' })).toEqual(expected);
    expect(list({ fields: 'summary' })).toEqual(expected);
  });

  it('answers most and all with their column sets, in their order', () => {
    const most = list({ fields: 'most', filter: '$key eq 42' });
    expect(most).toEqual([
      {
        $key: 42,
        name: 'web-01',
        machine: 54,
        is_snapshot: false,
        description: 'Front end',
        cpu_cores: 2,
        ram: 2048,
      },
    ]);
    expect(Object.keys(most[0]!)).toEqual(vmMost);
    const all = list({ fields: 'all', filter: '$key eq 42' });
    expect(Object.keys(all[0]!)).toEqual([...vmMost, 'ratio', 'tags', 'meta']);
    expect(all[0]!.tags).toEqual(['web', 'prod']);
    expect(all[0]!.meta).toEqual({ owner: 'ops', nested: { level: 1 } });
  });

  it('accepts set names case-insensitively and expands them inside a list', () => {
    expect(Object.keys(list({ fields: 'MOST' })[0]!)).toEqual(vmMost);
    const row = list({ fields: 'summary, machine#status#status as status', filter: '$key eq 42' });
    expect(row).toEqual([{ $key: 42, name: 'web-01', machine: 54, status: 'running' }]);
  });

  it('projects a comma list in the requested order', () => {
    const rows = list({ fields: 'ram,name,$key', filter: '$key le 43' });
    expect(rows).toEqual([
      { ram: 2048, name: 'web-01', $key: 42 },
      { ram: 4096, name: 'web-02', $key: 43 },
    ]);
    expect(Object.keys(rows[0]!)).toEqual(['ram', 'name', '$key']);
  });

  it('joins through references and renames with as', () => {
    expect(list({ fields: POWER_FIELDS })).toEqual([
      { $key: 42, name: 'web-01', machine: 54, status: 'running', running: true, node_name: 'node1' },
      { $key: 43, name: 'web-02', machine: 55, status: 'stopped', running: false, node_name: null },
      { $key: 44, name: 'db-01', machine: 56, status: 'starting', running: true, node_name: 'node2' },
      { $key: 45, name: "O'Brien {x}", machine: 57, status: 'error', running: false, node_name: null },
      { $key: 46, name: 'web-01 snap', machine: 58, status: null, running: null, node_name: null },
      { $key: 47, name: 'orphan', machine: null, status: null, running: null, node_name: null },
    ]);
  });

  it('names an unrenamed join by its full text', () => {
    expect(list({ fields: 'machine#status#status,machine#name', filter: '$key eq 44' })).toEqual([
      { 'machine#status#status': 'starting', 'machine#name': 'db-01' },
    ]);
  });

  it('is whitespace-insensitive around as and commas, and as is case-insensitive', () => {
    expect(
      list({ fields: '  $key ,  machine#status#status    AS   status ,name  ', filter: '$key eq 42' }),
    ).toEqual([{ $key: 42, status: 'running', name: 'web-01' }]);
  });

  it('renames plain columns too', () => {
    expect(list({ fields: '$key as id,name as vm_name', filter: '$key eq 43' })).toEqual([
      { id: 43, vm_name: 'web-02' },
    ]);
  });

  it('yields the referenced $key when a join ends on a reference column', () => {
    expect(list({ fields: 'machine#status,machine#status#node as node', filter: '$key le 43' })).toEqual([
      { 'machine#status': 54, node: 1 },
      { 'machine#status': 55, node: null },
    ]);
  });

  it('yields null through null and dangling references', () => {
    const dangling = compileQuery(catalog, 'machines', { fields: 'name,status#status' });
    expect(dangling.one(59)).toEqual({ name: 'dangling', 'status#status': null });
    expect(dangling.one(58)).toEqual({ name: 'web-01 snap', 'status#status': null });
  });

  it('yields null for unknown columns and unknown joins instead of failing', () => {
    expect(
      list({
        fields: '$key,nope,machine#nope as a,name#status as b,nope#status as c,machine#status#node#nope',
        filter: '$key eq 42',
      }),
    ).toEqual([{ $key: 42, nope: null, a: null, b: null, c: null, 'machine#status#node#nope': null }]);
  });

  it('yields null for a known column that a row lacks', () => {
    expect(compileQuery(catalog, 'machine_status', { fields: '$key,running_ram' }).one(57)).toEqual({
      $key: 57,
      running_ram: null,
    });
  });

  it('skips empty items', () => {
    expect(list({ fields: 'name,,$key,', filter: '$key eq 42' })).toEqual([{ name: 'web-01', $key: 42 }]);
  });

  it('rejects malformed items', () => {
    expectInvalid({ fields: 'machine#' });
    expectInvalid({ fields: '#name' });
    expectInvalid({ fields: 'name as' });
    expectInvalid({ fields: 'name as a b' });
    expectInvalid({ fields: 'na me' });
    expectInvalid({ fields: 'count(name)' });
    expectInvalid({ fields: 'name as __proto__' });
  });

  it('copies arrays and objects instead of sharing them with the stored row', () => {
    const q = compileQuery(catalog, 'vms', { fields: 'tags,meta' });
    const first = q.one(42)!;
    (first.tags as string[]).push('mutated');
    (first.meta as { nested: { level: number } }).nested.level = 99;
    expect(q.one(42)).toEqual({ tags: ['web', 'prod'], meta: { owner: 'ops', nested: { level: 1 } } });
    expect(vmRows[0]!.tags).toEqual(['web', 'prod']);
    expect(q.list()[0]!.tags).not.toBe(vmRows[0]!.tags);
  });
});

describe('one', () => {
  it('projects one row by $key and ignores filter, sort, limit and offset', () => {
    const q = compileQuery(catalog, 'vms', {
      fields: POWER_FIELDS,
      filter: 'is_snapshot eq true',
      sort: '-name',
      limit: '1',
      offset: '3',
    });
    expect(q.one(42)).toEqual({
      $key: 42,
      name: 'web-01',
      machine: 54,
      status: 'running',
      running: true,
      node_name: 'node1',
    });
  });

  it('answers undefined for an unknown key', () => {
    expect(compileQuery(catalog, 'vms', {}).one(999)).toBeUndefined();
  });

  it('serves machine_status by machine key and by filter', () => {
    expect(compileQuery(catalog, 'machine_status', { fields: 'status,running' }).one(54)).toEqual({
      status: 'running',
      running: true,
    });
    expect(list({ filter: 'machine eq 54', fields: '$key,status' }, 'machine_status')).toEqual([
      { $key: 54, status: 'running' },
    ]);
  });
});

// ---- filter ----

describe('filter operators', () => {
  it('eq and ne on numbers, strings and booleans', () => {
    expect(keys('machine eq 54')).toEqual([42]);
    expect(keys('machine ne 54')).toEqual([43, 44, 45, 46, 47]);
    expect(keys("name eq 'web-02'")).toEqual([43]);
    expect(keys("name ne 'web-02'")).toEqual([42, 44, 45, 46, 47]);
    expect(keys('is_snapshot eq false')).toEqual([42, 43, 44, 45, 47]);
    expect(keys('is_snapshot eq true')).toEqual([46]);
    expect(keys('is_snapshot ne true')).toEqual([42, 43, 44, 45, 47]);
    expect(keys('$key eq 44')).toEqual([44]);
  });

  it('eq is case-sensitive on strings', () => {
    expect(keys("name eq 'WEB-01'")).toEqual([]);
  });

  it('gt ge lt le compare numbers numerically', () => {
    expect(keys('ram gt 2048')).toEqual([43, 44]);
    expect(keys('ram ge 2048')).toEqual([42, 43, 44, 46]);
    expect(keys('ram lt 2048')).toEqual([45, 47]);
    expect(keys('ram le 2048')).toEqual([42, 45, 46, 47]);
    // 16384 > 4096 numerically, though '16384' < '4096' as text
    expect(keys('ram gt 4096')).toEqual([44]);
  });

  it('accepts decimals and negative numbers', () => {
    expect(keys('ratio eq 0.5')).toEqual([42, 46]);
    expect(keys('ratio lt 0')).toEqual([43]);
    expect(keys('ratio eq -1.25')).toEqual([43]);
    expect(keys('ratio ge -1.25')).toEqual([42, 43, 44, 45, 46, 47]);
    expect(keys('ratio gt .75')).toEqual([44, 47]);
  });

  it('compares strings lexicographically', () => {
    expect(keys("name gt 'web'")).toEqual([42, 43, 46]);
    // code-unit order: upper case sorts before lower case
    expect(keys("name lt 'db-02'")).toEqual([44, 45]);
    expect(keys("name lt 'd'")).toEqual([45]);
    expect(keys("name le 'O'")).toEqual([]);
    expect(keys("name ge 'web-01'")).toEqual([42, 43, 46]);
  });

  it('compares a numeric column to a quoted numeric string numerically', () => {
    expect(keys("machine eq '54'")).toEqual([42]);
    expect(keys("ram gt '4096'")).toEqual([44]);
    expect(keys("machine eq 'abc'")).toEqual([]);
    expect(keys("machine ne 'abc'")).toEqual([42, 43, 44, 45, 46, 47]);
  });

  it('compares booleans to quoted true and false', () => {
    expect(keys("is_snapshot eq 'true'")).toEqual([46]);
  });

  it('eq null and ne null', () => {
    expect(keys('description eq null')).toEqual([43]);
    expect(keys('description ne null')).toEqual([42, 44, 45, 46, 47]);
    expect(keys('machine eq null')).toEqual([47]);
    expect(keys('machine#status#node eq null')).toEqual([43, 45, 46, 47]);
  });

  it('null column values match no ordering comparison and every ne', () => {
    expect(keys("description lt 'zzz'")).toEqual([42, 44, 45, 46, 47]);
    expect(keys("description ne 'Front end'")).toEqual([43, 44, 45, 47]);
  });

  it('bw and ew', () => {
    expect(keys("name bw 'web'")).toEqual([42, 43, 46]);
    expect(keys("name bw 'WEB'")).toEqual([]);
    expect(keys("name ew '01'")).toEqual([42, 44]);
    expect(keys("name ew 'snap'")).toEqual([46]);
    expect(keys('ram bw 16')).toEqual([44]);
    // a number literal keeps its text for string operators: 0.50 is not 0.5 here
    expect(keys('ratio bw 0.5')).toEqual([42, 46]);
    expect(keys('ratio bw 0.50')).toEqual([]);
  });

  it('cs is case-sensitive, ct is not', () => {
    expect(keys("description cs 'end'")).toEqual([42, 46]);
    expect(keys("description cs 'End'")).toEqual([]);
    expect(keys("description ct 'END'")).toEqual([42, 46]);
    expect(keys("description ct 'db'")).toEqual([44]);
    expect(keys("name ct 'B-0'")).toEqual([42, 43, 44, 46]);
  });

  it('keywords and operators are case-insensitive', () => {
    expect(keys('is_snapshot EQ FALSE AND ram GT 2048')).toEqual([43, 44]);
    expect(keys("name Eq 'web-01' Or machine eq NULL")).toEqual([42, 47]);
  });

  it('filters on joined paths', () => {
    expect(keys("machine#status#status eq 'running'")).toEqual([42]);
    expect(keys('machine#status#running eq true')).toEqual([42, 44]);
    expect(keys("machine#status#node#name eq 'node2'")).toEqual([44]);
    expect(keys("machine#name bw 'web'")).toEqual([42, 43, 46]);
    expect(keys("machine#status#status_info ct 'ram'")).toEqual([45]);
  });
});

describe('filter combinations', () => {
  it('and / or', () => {
    expect(keys('is_snapshot eq false and cpu_cores eq 2')).toEqual([42, 47]);
    expect(keys("name eq 'web-01' or name eq 'db-01'")).toEqual([42, 44]);
  });

  it('evaluates left to right with no precedence', () => {
    // (name eq 'db-01' or cpu_cores eq 2) and is_snapshot eq true -> only the snapshot (2 cores)
    expect(keys("name eq 'db-01' or cpu_cores eq 2 and is_snapshot eq true")).toEqual([46]);
    // with and-before-or precedence this would be db-01 or the snapshot: [44, 46]
    expect(keys("name eq 'db-01' or (cpu_cores eq 2 and is_snapshot eq true)")).toEqual([44, 46]);
    // (a and b) or c
    expect(keys("is_snapshot eq true and ram eq 2048 or name eq 'orphan'")).toEqual([46, 47]);
    // ((a or b) and c) or d
    expect(keys("ram eq 512 or ram eq 1024 and cpu_cores eq 1 or name eq 'web-02'")).toEqual([43, 45]);
  });

  it('parentheses group, nest and need no surrounding spaces', () => {
    expect(keys("(name eq 'web-01' or name eq 'web-02') and (ram ge 4096)")).toEqual([43]);
    expect(keys("((name bw 'web'))")).toEqual([42, 43, 46]);
    expect(keys("(is_snapshot eq false and (machine#status#running eq true or name eq'orphan'))")).toEqual([
      42, 44, 47,
    ]);
  });
});

describe('filter literals', () => {
  it('unescapes a quote', () => {
    expect(keys("name eq 'O\\'Brien {x}'")).toEqual([45]);
  });

  it('unescapes a brace', () => {
    expect(keys("name eq 'O\\'Brien \\{x}'")).toEqual([45]);
    expect(keys("name ct '\\{X\\}'")).toEqual([45]);
  });

  it('unescapes a backslash', () => {
    expect(keys("description eq 'back\\\\slash'")).toEqual([45]);
    expect(keys("description cs '\\\\'")).toEqual([45]);
  });

  it('takes any escaped character literally', () => {
    expect(keys("name eq '\\w\\e\\b-01'")).toEqual([42]);
  });

  it('keeps spaces and keywords inside strings', () => {
    expect(keys("name eq 'web-01 snap'")).toEqual([46]);
    expect(keys("name eq 'a and b or (c'")).toEqual([]);
  });

  it('accepts an empty string', () => {
    expect(list({ filter: "status_info eq ''", fields: '$key' }, 'machine_status')).toEqual([
      { $key: 54 },
      { $key: 55 },
      { $key: 56 },
    ]);
  });

  it('treats an absent, empty or blank filter as no filter', () => {
    expect(keys('')).toEqual([42, 43, 44, 45, 46, 47]);
    expect(keys('   ')).toEqual([42, 43, 44, 45, 46, 47]);
  });
});

describe('malformed filters throw QueryError', () => {
  const bad = [
    "name like 'x'",
    'name in (1,2)',
    "(name eq 'a'",
    "name eq 'a')",
    "((name eq 'a')",
    "name eq 'abc",
    "name eq 'abc\\'",
    "name eq 'abc\\",
    'name eq',
    'name',
    "eq 'a'",
    "name eq 'a' and",
    "name eq 'a' or",
    "and name eq 'a'",
    "name eq 'a' name eq 'b'",
    "name eq 'a' xor name eq 'b'",
    'foo eq 1',
    'machine#nope eq 1',
    'name#status eq 1',
    'machine#status#node#nope eq 1',
    '()',
    "name eq 'a' and ()",
    'name eq web',
    'ram eq 12abc',
    'ram eq 1,2',
    'ram eq --1',
    'name eq "a"',
    "name == 'a'",
    "name eq 'a' not",
    'machine# eq 1',
    'description gt null',
    'description bw null',
    '1 eq 1',
    `${'('.repeat(100)}ram eq 1${')'.repeat(100)}`,
  ];
  it.each(bad)('%s', (filter) => {
    expectInvalid({ filter });
  });

  it('reports the parse error in the message', () => {
    expect(() => compileQuery(catalog, 'vms', { filter: "name like 'x'" })).toThrow(/operator/);
    expect(() => compileQuery(catalog, 'vms', { filter: 'foo eq 1' })).toThrow(/unknown field 'foo'/);
  });

  it('is an Error named QueryError', () => {
    try {
      compileQuery(catalog, 'vms', { filter: 'name eq' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).name).toBe('QueryError');
    }
  });

  it('accepts moderate nesting and long chains', () => {
    expect(keys(`${'('.repeat(30)}ram eq 512${')'.repeat(30)}`)).toEqual([47]);
    const chain = Array.from({ length: 5000 }, (_, i) => `ram eq ${i + 100_000}`).join(' or ');
    expect(keys(`${chain} or ram eq 1024`)).toEqual([45]);
  });
});

// ---- sort ----

describe('sort', () => {
  const names = (sort: string, filter?: string) => list({ sort, fields: 'name', filter }).map((r) => r.name);

  it('sorts ascending with +, a bare field, or a URL-decoded + (a leading space)', () => {
    const asc = ["O'Brien {x}", 'db-01', 'orphan', 'web-01', 'web-01 snap', 'web-02'];
    expect(names('+name')).toEqual(asc);
    expect(names('name')).toEqual(asc);
    expect(names(' name')).toEqual(asc);
  });

  it('sorts descending with -', () => {
    expect(names('-name')).toEqual(['web-02', 'web-01 snap', 'web-01', 'orphan', 'db-01', "O'Brien {x}"]);
    expect(list({ sort: '-$key', fields: '$key' }).map((r) => r.$key)).toEqual([47, 46, 45, 44, 43, 42]);
  });

  it('sorts numbers numerically', () => {
    expect(list({ sort: '-ram', fields: 'ram' }).map((r) => r.ram)).toEqual([
      16384, 4096, 2048, 2048, 1024, 512,
    ]);
  });

  it('breaks ties with later keys, then $key ascending even when descending', () => {
    expect(list({ sort: 'cpu_cores,-ram', fields: '$key' }).map((r) => r.$key)).toEqual([
      45, 42, 46, 47, 43, 44,
    ]);
    expect(list({ sort: '-cpu_cores', fields: '$key' }).map((r) => r.$key)).toEqual([44, 43, 42, 46, 47, 45]);
  });

  it('puts nulls first ascending and last descending', () => {
    expect(list({ sort: 'description', fields: '$key' }).map((r) => r.$key)).toEqual([
      43, 42, 46, 44, 45, 47,
    ]);
    expect(list({ sort: '-machine', fields: '$key' }).map((r) => r.$key)).toEqual([46, 45, 44, 43, 42, 47]);
  });

  it('sorts by joined paths', () => {
    expect(list({ sort: 'machine#status#status', fields: '$key' }).map((r) => r.$key)).toEqual([
      46, 47, 45, 42, 44, 43,
    ]);
    expect(list({ sort: '-machine#status#node#name,$key', fields: '$key' }).map((r) => r.$key)).toEqual([
      44, 42, 43, 45, 46, 47,
    ]);
  });

  it('combines with filter, offset and limit (sort before paging)', () => {
    expect(names('-ram', 'is_snapshot eq false')).toEqual([
      'db-01',
      'web-02',
      'web-01',
      "O'Brien {x}",
      'orphan',
    ]);
    expect(
      list({ sort: '-ram', filter: 'is_snapshot eq false', offset: '1', limit: '2', fields: 'name' }),
    ).toEqual([{ name: 'web-02' }, { name: 'web-01' }]);
  });

  it('ignores blank and empty items', () => {
    expect(names('')).toEqual(vmRows.map((r) => r.name));
    expect(names('-ram,,')).toEqual(names('-ram'));
  });

  it.each(['+nope', 'nope', '-machine#nope', 'name#status', '++name', '-', 'na me', 'name,-'])(
    'rejects %s',
    (sort) => {
      expectInvalid({ sort });
    },
  );
});

// ---- limit and offset ----

describe('limit and offset', () => {
  const all = [42, 43, 44, 45, 46, 47];
  const page = (limit?: string, offset?: string) =>
    list({ fields: '$key', limit, offset }).map((r) => r.$key);

  it('limit 0 or absent means no limit', () => {
    expect(page()).toEqual(all);
    expect(page('0')).toEqual(all);
    expect(page('')).toEqual(all);
  });

  it('limits and offsets', () => {
    expect(page('2')).toEqual([42, 43]);
    expect(page('2', '2')).toEqual([44, 45]);
    expect(page(undefined, '4')).toEqual([46, 47]);
    expect(page('10', '5')).toEqual([47]);
    expect(page('1', '6')).toEqual([]);
    expect(page('0', '100')).toEqual([]);
    expect(page(' 3 ')).toEqual([42, 43, 44]);
  });

  it('applies after the filter', () => {
    expect(list({ filter: 'is_snapshot eq false', fields: '$key', limit: '2', offset: '3' })).toEqual([
      { $key: 45 },
      { $key: 47 },
    ]);
  });

  it.each(['abc', '-1', '1.5', '1e3', '0x10', '2 3', '+'])('rejects %s as limit and as offset', (value) => {
    expectInvalid({ limit: value });
    expectInvalid({ offset: value });
  });
});

// ---- compilation ----

describe('compileQuery', () => {
  it('rejects an unknown table', () => {
    expect(() => compileQuery(catalog, 'nope', {})).toThrow(QueryError);
  });

  it('validates every parameter up front, even when only one() is used', () => {
    expect(() => compileQuery(catalog, 'vms', { filter: 'foo eq 1' })).toThrow(QueryError);
    expect(() => compileQuery(catalog, 'vms', { sort: '+nope' })).toThrow(QueryError);
  });

  it('gives the same answers from a cached parse, on other tables too', () => {
    const a = list({ filter: '$key eq 54', fields: '$key,name' }, 'machines');
    const b = list({ filter: '$key eq 54', fields: '$key,name' }, 'machines');
    expect(a).toEqual([{ $key: 54, name: 'web-01' }]);
    expect(b).toEqual(a);
    expect(list({ filter: '$key eq 54', fields: '$key,name' })).toEqual([]);
    expect(list({ filter: '$key eq 54', fields: '$key,name' }, 'machine_status')).toEqual([
      { $key: 54, name: null },
    ]);
  });

  it('reads the tables at list() time, not at compile time', () => {
    const rows: Row[] = [{ $key: 1, name: 'a' }];
    const t = table('things', [], {
      summary: ['$key', 'name'],
      most: ['$key', 'name'],
      all: ['$key', 'name'],
    });
    const live: TableSource = { ...t, get: (k) => rows.find((r) => r.$key === k), rows: () => rows };
    const q = compileQuery((n) => (n === 'things' ? live : undefined), 'things', { filter: "name bw 'a'" });
    expect(q.list()).toEqual([{ $key: 1, name: 'a' }]);
    rows.push({ $key: 2, name: 'ab' });
    expect(q.list()).toEqual([
      { $key: 1, name: 'a' },
      { $key: 2, name: 'ab' },
    ]);
  });
});
