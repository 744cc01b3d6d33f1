// Columns of the read-only tables scripts and SDKs read to connect (`/api/v4/nodes`, `/api/v4/system`): an allow-list.
// A node row also carries its management network and hardware identity (IPMI address and status, asset tag, vSAN
// node id), and a real VergeOS may have more columns than the simulator knows; Powerdeck passes only the columns
// below. `fields` may name them (renamed with `as`), or the sets `summary`, `most` and `all`, which Powerdeck spells
// out as the allowed columns of that set before forwarding (no `fields` is `summary`, as on VergeOS); `filter` and
// `sort` may refer to them only, and to the joins proxy/joins.ts allows on the table (a node's `cluster#name`; every
// other join is refused before this check).
import { HttpError, VergeosRefusal } from '../plugins/errors';
import { ALLOWED_JOINS } from './joins';

type ColumnTable = 'nodes' | 'system';
type FieldSet = 'summary' | 'most' | 'all';

const NODE_SUMMARY = [
  '$key',
  'name',
  'description',
  'cores',
  'ram',
  'vm_ram',
  'physical',
  'maintenance',
  'cluster',
  'machine',
] as const;

/** VergeOS's `most` of nodes without ipmi_address, ipmi_status, asset_tag, vsan_nodeid and vsan_connected. */
const NODE_MOST = [
  '$key',
  'name',
  'description',
  'model',
  'cpu',
  'cpu_speed',
  'ram',
  'vm_ram',
  'overcommit',
  'failover_ram',
  'cores',
  'physical',
  'maintenance',
  'iommu',
  'need_restart',
  'restart_reason',
  'yb_version',
  'os_version',
  'kernel_version',
  'appserver_version',
  'vsan_version',
  'qemu_version',
  'cluster',
  'machine',
] as const;

const SYSTEM_COLUMNS = ['$key', 'name', 'cloud_name', 'yb_version', 'os_version', 'uuid', 'created'] as const;

const ALLOWED_COLUMNS: Readonly<Record<ColumnTable, Readonly<Record<FieldSet, readonly string[]>>>> = {
  nodes: { summary: NODE_SUMMARY, most: NODE_MOST, all: [...NODE_MOST, 'created', 'modified'] },
  system: { summary: SYSTEM_COLUMNS, most: SYSTEM_COLUMNS, all: SYSTEM_COLUMNS },
};

/** What `fields`, `filter` and `sort` may name: the table's columns and its allowed joins. */
const COLUMNS: Readonly<Record<ColumnTable, ReadonlySet<string>>> = {
  nodes: new Set([...ALLOWED_COLUMNS.nodes.all, ...ALLOWED_JOINS.nodes]),
  system: new Set([...ALLOWED_COLUMNS.system.all, ...ALLOWED_JOINS.system]),
};

const FIELD_SETS: ReadonlySet<string> = new Set<FieldSet>(['summary', 'most', 'all']);
const RENAME = /^(\S+)\s+as\s+(\S+)$/i;
/** Words of a filter that are not columns: operators, `and`/`or`, and literals. */
const FILTER_WORDS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'bw',
  'ew',
  'cs',
  'ct',
  'and',
  'or',
  'true',
  'false',
  'null',
]);
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function refuse(table: ColumnTable, parameter: string, column: string): HttpError {
  return new HttpError(
    422,
    `Invalid argument: the field '${column}' in ${parameter} is not allowed on /api/v4/${table} (the fields allowed are ${[...COLUMNS[table]].join(', ')})`,
    'field_not_allowed',
  );
}

/** `fields` as forwarded: each item an allowed column (renamed or not); a set spelled out as its allowed columns. */
export function checkFields(table: ColumnTable, text: string | undefined): string {
  const items: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const lower = item.toLowerCase();
    if (FIELD_SETS.has(lower)) {
      items.push(...ALLOWED_COLUMNS[table][lower as FieldSet]);
      continue;
    }
    const column = RENAME.exec(item)?.[1] ?? item;
    if (!COLUMNS[table].has(column)) throw refuse(table, 'fields', column);
    items.push(item);
  }
  return (items.length === 0 ? ALLOWED_COLUMNS[table].summary : items).join(',');
}

/**
 * Refuses a `filter` that names a column not on the allow-list. Read as VergeOS's tokeniser reads it (quoted strings
 * with backslash escapes, parentheses, words between spaces); every word that is not an operator, `and`/`or` or a
 * literal is a column. An unterminated string is VergeOS's own 422.
 */
export function checkFilter(table: ColumnTable, text: string): void {
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c) || c === '(' || c === ')') {
      i++;
    } else if (c === "'") {
      i++;
      for (;;) {
        if (i >= text.length) throw new VergeosRefusal(422, 'Invalid argument');
        const d = text.charAt(i++);
        if (d === "'") break;
        if (d === '\\') i++;
      }
    } else {
      const start = i;
      while (i < text.length && !/[\s()']/.test(text.charAt(i))) i++;
      const word = text.slice(start, i);
      if (FILTER_WORDS.has(word.toLowerCase()) || NUMBER.test(word)) continue;
      if (!COLUMNS[table].has(word)) throw refuse(table, 'filter', word);
    }
  }
}

/** Refuses a `sort` on a column not on the allow-list (`+name`, `-$key`; a decoded `+` arrives as a space). */
export function checkSort(table: ColumnTable, text: string): void {
  for (const raw of text.split(',')) {
    const item = raw.trim().replace(/^[+-]/, '');
    if (item === '') continue;
    if (!COLUMNS[table].has(item)) throw refuse(table, 'sort', item);
  }
}
