// What the SQLite stores share about columns: a record's ISO time stored as epoch ms (read back with ../secrets'
// `iso`), and the columns an update changes: only those of the fields its patch names.
import { StoreError } from '../errors';

/** A record's ISO time as stored (ms); throws 'invalid' for anything Date cannot read. */
export function ms(value: string, what: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new StoreError('invalid', `${what} is not an ISO 8601 time`);
  return t;
}

/** Each field of a record that an update may change: its column and how its value is stored. */
export type Columns<F> = Readonly<Record<keyof F, readonly [string, (v: never) => unknown]>>;

/** `<column> = ?` and the stored value for each field `patch` names (a field left undefined is not changed). */
export function changedColumns<F>(
  columns: Columns<F>,
  patch: Partial<NoInfer<F>>,
): { sets: string[]; values: unknown[] } {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [field, [column, store]] of Object.entries<Columns<F>[keyof F]>(columns)) {
    const value = patch[field as keyof F];
    if (value === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(store(value as never));
  }
  return { sets, values };
}
