// The contract between the simulator's tables and its query language (fields, filter, sort, limit, offset).

/** One stored row, as the table holds it: plain column values, references as the referenced row's $key. */
export type Row = Readonly<Record<string, unknown>>;

/** What the query language needs from a table. */
export interface TableSource {
  readonly name: string;
  /** The row with this $key, or undefined. */
  get(key: number): Row | undefined;
  /** Every row, in $key order. */
  rows(): Iterable<Row>;
  /** Column lists for `fields=summary` (the default), `fields=most` and `fields=all`. */
  readonly fieldSets: {
    readonly summary: readonly string[];
    readonly most: readonly string[];
    readonly all: readonly string[];
  };
  /** Columns whose value is the $key of a row in another table: `{ machine: 'machines' }`. */
  readonly references: Readonly<Record<string, string>>;
}

/** Looks a table up by name (`vms`, `machines`, `machine_status`, `nodes`). */
export type Catalog = (table: string) => TableSource | undefined;

/** Query parameters as they arrive, already URL-decoded (`+` and `%20` are spaces, `%23` is `#`). */
export interface QueryParams {
  fields?: string | undefined;
  filter?: string | undefined;
  sort?: string | undefined;
  limit?: string | undefined;
  offset?: string | undefined;
}
