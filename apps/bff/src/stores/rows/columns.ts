// What the stores of both backends share about columns (./<store>.ts hold each store's rows): a record's ISO time
// stored as epoch ms (read back with ../secrets' `iso`), a boolean as each backend stores it, and the columns an
// update changes: only those of the fields its patch names.
import { StoreError } from '../errors';

/** A record's ISO time as stored (ms); throws 'invalid' for anything Date cannot read. */
export function ms(value: string, what: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new StoreError('invalid', `${what} is not an ISO 8601 time`);
  return t;
}

export function msOrNull(value: string | null, what: string): number | null {
  return value === null ? null : ms(value, what);
}

/**
 * A boolean column as it reads back: SQLite has no boolean type and stores 0 or 1; PostgreSQL's BOOLEAN reads as
 * true or false (json_agg writes it so too).
 */
export type Flag = boolean | 0 | 1;

/** How a backend stores a boolean: `sqliteFlag` or `pgFlag`. */
export type FlagOf<F extends Flag> = (value: boolean) => F;

export const sqliteFlag: FlagOf<0 | 1> = (value) => (value ? 1 : 0);
export const pgFlag: FlagOf<boolean> = (value) => value;

/** A boolean column as read from either backend. */
export function isSet(value: Flag): boolean {
  return value === true || value === 1;
}

/** Each field of a record that an update may change: its column and how its value is stored. */
export type Columns<F> = Readonly<Record<keyof F, readonly [string, (v: never) => unknown]>>;

/**
 * The column and the stored value of each field `patch` names (a field left undefined is not changed), in the order
 * of `columns`; each backend writes its own placeholders (`?`, `$n`).
 */
export function changedColumns<F>(columns: Columns<F>, patch: Partial<NoInfer<F>>): [string, unknown][] {
  const changed: [string, unknown][] = [];
  for (const [field, [column, store]] of Object.entries<Columns<F>[keyof F]>(columns)) {
    const value = patch[field as keyof F];
    if (value === undefined) continue;
    changed.push([column, store(value as never)]);
  }
  return changed;
}
