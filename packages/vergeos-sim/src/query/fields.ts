// `fields`: `summary` (the default), `most`, `all`, or a comma list of columns, joined paths and renames
// (`$key,name,machine#status#status as status`).

import { QueryError } from './errors';
import { resolvePath, splitPath } from './paths';
import type { Catalog, Row, TableSource } from './types';

type FieldSetName = 'summary' | 'most' | 'all';

/** One parsed item of `fields`, independent of any table. */
export type FieldItem =
  | { readonly kind: 'set'; readonly set: FieldSetName }
  | { readonly kind: 'path'; readonly key: string; readonly segments: readonly string[] };

const SET_NAMES: ReadonlySet<string> = new Set<FieldSetName>(['summary', 'most', 'all']);
const RENAME_RE = /^(\S+)\s+as\s+(\S+)$/i;

/**
 * Parses `fields`. Absent or blank means `summary`; empty items (`name,,$key`, a trailing comma) are skipped; an item
 * `summary`, `most` or `all` inside a list expands to that set. Unknown columns are not an error here or later (they
 * read as null); malformed items are.
 */
export function parseFields(text: string | undefined): readonly FieldItem[] {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') return [{ kind: 'set', set: 'summary' }];
  const items: FieldItem[] = [];
  for (const raw of trimmed.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const lower = item.toLowerCase();
    if (SET_NAMES.has(lower)) {
      items.push({ kind: 'set', set: lower as FieldSetName });
      continue;
    }
    const rename = RENAME_RE.exec(item);
    const pathText = rename ? rename[1]! : item;
    const key = rename ? rename[2]! : item;
    const segments = splitPath(pathText);
    if (segments === undefined) throw new QueryError(`invalid field '${item}'`);
    if (key === '__proto__') throw new QueryError(`invalid field name '${key}'`);
    items.push({ kind: 'path', key, segments });
  }
  if (items.length === 0) return [{ kind: 'set', set: 'summary' }];
  return items;
}

/** Turns one row into the answer's object. */
type Projector = (row: Row) => Record<string, unknown>;

const readNull = (): null => null;

/** Resolves parsed fields against a table, once per query. */
export function compileFields(catalog: Catalog, table: TableSource, items: readonly FieldItem[]): Projector {
  const specs: { key: string; get: (row: Row) => unknown }[] = [];
  for (const item of items) {
    if (item.kind === 'set') {
      for (const column of table.fieldSets[item.set]) {
        if (column === '__proto__') continue;
        specs.push({ key: column, get: resolvePath(catalog, table, [column]) ?? readNull });
      }
    } else {
      specs.push({ key: item.key, get: resolvePath(catalog, table, item.segments) ?? readNull });
    }
  }
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const spec of specs) out[spec.key] = copyValue(spec.get(row));
    return out;
  };
}

/** A deep copy of a stored value, so that callers never share (or mutate) what the table holds. */
function copyValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyValue);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // fromEntries defines properties, so an own `__proto__` key stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyValue(v)]));
  }
  return structuredClone(value);
}
