// Column paths: `name`, `$key`, and joins through references with `#` (`machine#status#node#name`).
// A path is parsed once (text -> segments) and resolved once per query against the catalog (segments -> a chain of
// table lookups), so that reading it from a row costs a few property reads and Map lookups, never a string split.

import type { Catalog, Row, TableSource } from './types';

/** Reads a path's value from a row of the table it was resolved against: `null` when absent or through a null reference. */
export type Accessor = (row: Row) => unknown;

const SEGMENT = '[A-Za-z_$][A-Za-z0-9_$]*';
const PATH_RE = new RegExp(`^${SEGMENT}(?:#${SEGMENT})*$`);

/** The segments of a syntactically valid path, or undefined when `text` is not one. */
export function splitPath(text: string): readonly string[] | undefined {
  return PATH_RE.test(text) ? text.split('#') : undefined;
}

/** Whether `column` is a column of `table`: `$key`, any column of its field sets, or a reference. */
function hasColumn(table: TableSource, column: string): boolean {
  return (
    column === '$key' ||
    table.fieldSets.all.includes(column) ||
    table.fieldSets.most.includes(column) ||
    table.fieldSets.summary.includes(column) ||
    Object.hasOwn(table.references, column)
  );
}

interface Hop {
  readonly column: string;
  readonly target: TableSource;
}

/**
 * Resolves a path against `table`: every segment but the last must be a reference to a table the catalog knows, and
 * the last must be a column of the table reached. Returns undefined when the path names anything unknown.
 */
export function resolvePath(
  catalog: Catalog,
  table: TableSource,
  segments: readonly string[],
): Accessor | undefined {
  const hops: Hop[] = [];
  let current = table;
  for (let i = 0; i < segments.length - 1; i++) {
    const column = segments[i]!;
    const targetName = Object.hasOwn(current.references, column) ? current.references[column] : undefined;
    if (targetName === undefined) return undefined;
    const target = catalog(targetName);
    if (target === undefined) return undefined;
    hops.push({ column, target });
    current = target;
  }
  const last = segments[segments.length - 1];
  if (last === undefined || !hasColumn(current, last)) return undefined;

  if (hops.length === 0) return (row) => row[last] ?? null;
  return (row) => {
    let r: Row | undefined = row;
    for (const hop of hops) {
      const ref: unknown = r[hop.column];
      if (ref === null || ref === undefined) return null;
      r = hop.target.get(typeof ref === 'number' ? ref : Number(ref));
      if (r === undefined) return null; // a dangling reference reads like a null one
    }
    return r[last] ?? null;
  };
}
