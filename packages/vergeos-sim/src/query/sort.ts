// `sort`: a comma list of `+field`, `-field` or `field` (ascending). Stable, nulls first ascending (last
// descending), ties broken by $key ascending.

import { QueryError } from './errors';
import { type Accessor, splitPath } from './paths';
import type { Row } from './types';

export interface SortKey {
  readonly field: string;
  readonly segments: readonly string[];
  readonly descending: boolean;
}

/**
 * Parses `sort`. Blank text or empty items are skipped. A URL-decoded `+name` arrives as ` name`, which is why a bare
 * field sorts ascending.
 */
export function parseSort(text: string | undefined): readonly SortKey[] {
  const keys: SortKey[] = [];
  for (const raw of (text ?? '').split(',')) {
    let item = raw.trim();
    if (item === '') continue;
    let descending = false;
    if (item.startsWith('+') || item.startsWith('-')) {
      descending = item.startsWith('-');
      item = item.slice(1);
    }
    const segments = splitPath(item);
    if (segments === undefined) throw new QueryError(`invalid sort field '${raw.trim()}'`);
    keys.push({ field: item, segments, descending });
  }
  return keys;
}

/** Rank of a value's type in the sort order: null, booleans, numbers, strings, anything else. */
function rank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    default:
      return 4;
  }
}

/** Total order over column values: nulls first, then by type, then by value (numbers numerically, NaN last). */
function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1 || ra === 2 || ra === 3) {
    const x = a as number | string | boolean;
    const y = b as number | string | boolean;
    if (x < y) return -1;
    if (x > y) return 1;
    if (x === y) return 0;
    // Only NaN is left: put it after every other number.
    const xNaN = Number.isNaN(x);
    return xNaN === Number.isNaN(y) ? 0 : xNaN ? 1 : -1;
  }
  return 0;
}

export type Sorter = (rows: Row[]) => Row[];

interface Decorated {
  readonly row: Row;
  readonly values: unknown[];
}

/** A sorter over resolved sort keys: reads each key once per row, then sorts. */
export function compileSort(
  keys: readonly { readonly get: Accessor; readonly descending: boolean }[],
): Sorter {
  const getters = keys.map((k) => k.get);
  const signs = keys.map((k) => (k.descending ? -1 : 1));
  return (rows) => {
    const decorated: Decorated[] = rows.map((row) => ({ row, values: getters.map((get) => get(row)) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < signs.length; i++) {
        const c = compareValues(a.values[i], b.values[i]);
        if (c !== 0) return c * signs[i]!;
      }
      return compareValues(a.row.$key, b.row.$key);
    });
    return decorated.map((d) => d.row);
  };
}
