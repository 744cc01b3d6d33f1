// The simulator's query language: `fields`, `filter`, `sort`, `limit` and `offset` on every table, as VergeOS API v4
// and its SDKs use them. Pure: it reads tables through the `Catalog` contract in ./types and never changes them.

import { QueryError } from './errors';
import { compileFields, parseFields, type FieldItem } from './fields';
import { compileFilter, parseFilter, type FilterNode, type Predicate } from './filter';
import { resolvePath } from './paths';
import { compileSort, parseSort, type SortKey, type Sorter } from './sort';
import type { Catalog, QueryParams, Row } from './types';

export { QueryError } from './errors';
export type { Catalog, QueryParams, Row, TableSource } from './types';

interface CompiledQuery {
  /** The list answer: filter, sort, offset, limit, then project the fields. */
  list(): Record<string, unknown>[];
  /** One row by $key projected with `fields` (filter/sort/limit ignored), or undefined when no such key. */
  one(key: number): Record<string, unknown> | undefined;
}

/** A small LRU of parse results by parameter text: pollers repeat the same query every few seconds. */
class ParseCache<T> {
  private readonly map = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  get(text: string, parse: (text: string) => T): T {
    const hit = this.map.get(text);
    if (hit !== undefined) {
      this.map.delete(text);
      this.map.set(text, hit);
      return hit;
    }
    const value = parse(text); // a parse error throws and is not cached
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(text, value);
    return value;
  }
}

const CACHE_SIZE = 128;
const fieldsCache = new ParseCache<readonly FieldItem[]>(CACHE_SIZE);
const filterCache = new ParseCache<FilterNode>(CACHE_SIZE);
const sortCache = new ParseCache<readonly SortKey[]>(CACHE_SIZE);

/** `limit` and `offset`: absent or blank is 0; otherwise a non-negative integer in decimal digits. */
function parseCount(text: string | undefined, name: string): number {
  const t = text?.trim() ?? '';
  if (t === '') return 0;
  if (!/^\d+$/.test(t)) throw new QueryError(`invalid ${name} '${text}'`);
  return Math.min(Number(t), Number.MAX_SAFE_INTEGER);
}

/**
 * Compiles a query on `table` once: parses the parameters (or takes them from the cache), resolves every column path
 * to a chain of table lookups, and returns an object whose `list()` and `one()` read the tables' current rows.
 * Throws QueryError on any malformed or unknown input (the server answers 422).
 */
export function compileQuery(catalog: Catalog, table: string, params: QueryParams): CompiledQuery {
  const source = catalog(table);
  if (source === undefined) throw new QueryError(`unknown table '${table}'`);

  const project = compileFields(catalog, source, fieldsCache.get(params.fields ?? '', parseFields));

  const resolveKnown = (segments: readonly string[], field: string) => {
    const get = resolvePath(catalog, source, segments);
    if (get === undefined) throw new QueryError(`unknown field '${field}'`);
    return get;
  };

  const filterText = params.filter ?? '';
  let predicate: Predicate | undefined;
  if (filterText.trim() !== '')
    predicate = compileFilter(filterCache.get(filterText, parseFilter), resolveKnown);

  const sortKeys = sortCache.get(params.sort ?? '', parseSort);
  let sorter: Sorter | undefined;
  if (sortKeys.length > 0) {
    sorter = compileSort(
      sortKeys.map((k) => ({ get: resolveKnown(k.segments, k.field), descending: k.descending })),
    );
  }

  const limit = parseCount(params.limit, 'limit');
  const offset = parseCount(params.offset, 'offset');

  return {
    list() {
      // Without a sort the rows come in $key order, so the scan can stop once offset + limit rows matched.
      const stopAt = sorter === undefined && limit > 0 ? offset + limit : Infinity;
      let matched: Row[] = [];
      for (const row of source.rows()) {
        if (predicate === undefined || predicate(row)) {
          matched.push(row);
          if (matched.length >= stopAt) break;
        }
      }
      if (sorter !== undefined) matched = sorter(matched);
      const end = limit > 0 ? Math.min(offset + limit, matched.length) : matched.length;
      const out: Record<string, unknown>[] = [];
      for (let i = offset; i < end; i++) out.push(project(matched[i]!));
      return out;
    },
    one(key) {
      const row = source.get(key);
      return row === undefined ? undefined : project(row);
    },
  };
}
