// A builder for VergeOS filter expressions (`name eq 'web-01' and (status eq 'running' or status eq 'starting')`).
//
// - String literals are quoted with `'`; inside them `\`, `'` and `{` are escaped with a backslash (in that order:
//   the backslash first, so an escape is never escaped twice).
// - VergeOS evaluates `and`/`or` left to right, with no precedence, so `a or b and c` means `(a or b) and c`.
//   `and()`/`or()` therefore put every compound operand in parentheses: what you nest is what VergeOS evaluates.
// - Field names are checked (`name`, `$key`, joined paths like `machine#status#status`), so a field cannot smuggle
//   in an expression.

export const FILTER_OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'bw', 'ew', 'cs', 'ct'] as const;
/** `eq ne gt ge lt le`, `bw` (begins with), `ew` (ends with), `cs`/`ct` (contains). */
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** A literal a filter compares with. */
export type FilterValue = string | number | boolean | null;

/** A built filter expression. `String(f)` (or `f.text`) is what goes in `?filter=`. */
export class Filter {
  /** @param compound true when the text joins terms with and/or, so it needs parentheses when nested. */
  constructor(
    readonly text: string,
    readonly compound: boolean,
  ) {}

  toString(): string {
    return this.text;
  }

  /** `this and other...`, each compound operand parenthesised. */
  and(...others: FilterInput[]): Filter {
    return join('and', [this, ...others]);
  }

  /** `this or other...`, each compound operand parenthesised. */
  or(...others: FilterInput[]): Filter {
    return join('or', [this, ...others]);
  }
}

/** A `Filter`, or a filter written by hand (treated as compound: it is parenthesised when combined). */
export type FilterInput = Filter | string;

const FIELD = /^[A-Za-z_$][A-Za-z0-9_$]*(?:#[A-Za-z_$][A-Za-z0-9_$]*)*$/;

/** Escapes the inside of a string literal: `\` -> `\\`, `'` -> `\'`, `{` -> `\{`. */
export function escapeFilterString(value: string): string {
  return value.replace(/[\\'{]/g, (ch) => `\\${ch}`);
}

/** A literal as VergeOS reads it: `'quoted and escaped'`, `42`, `true`, `null`. */
export function filterLiteral(value: FilterValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return `'${escapeFilterString(value)}'`;
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`filter literal must be a finite number, got ${value}`);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      throw new TypeError(`unsupported filter literal type: ${typeof value}`);
  }
}

function checkField(field: string): string {
  if (!FIELD.test(field)) throw new TypeError(`invalid filter field name: ${JSON.stringify(field)}`);
  return field;
}

function term(op: FilterOperator, field: string, value: FilterValue): Filter {
  return new Filter(`${checkField(field)} ${op} ${filterLiteral(value)}`, false);
}

function toFilter(input: FilterInput): Filter {
  if (input instanceof Filter) return input;
  const text = input.trim();
  if (!text) throw new TypeError('empty filter expression');
  return new Filter(text, true);
}

function operand(f: Filter): string {
  return f.compound ? `(${f.text})` : f.text;
}

function join(op: 'and' | 'or', inputs: readonly FilterInput[]): Filter {
  const parts = inputs.map(toFilter);
  const [first] = parts;
  if (!first) throw new TypeError(`${op}() needs at least one operand`);
  if (parts.length === 1) return first;
  return new Filter(parts.map(operand).join(` ${op} `), true);
}

/** The filter builder: `filter.and(filter.eq('is_snapshot', false), filter.or(filter.bw('name', 'web'), ...))`. */
export const filter = {
  eq: (field: string, value: FilterValue): Filter => term('eq', field, value),
  ne: (field: string, value: FilterValue): Filter => term('ne', field, value),
  gt: (field: string, value: FilterValue): Filter => term('gt', field, value),
  ge: (field: string, value: FilterValue): Filter => term('ge', field, value),
  lt: (field: string, value: FilterValue): Filter => term('lt', field, value),
  le: (field: string, value: FilterValue): Filter => term('le', field, value),
  /** Begins with. */
  bw: (field: string, value: string): Filter => term('bw', field, value),
  /** Ends with. */
  ew: (field: string, value: string): Filter => term('ew', field, value),
  /** Contains (case-sensitive). */
  cs: (field: string, value: string): Filter => term('cs', field, value),
  /** Contains. */
  ct: (field: string, value: string): Filter => term('ct', field, value),
  /** Any operator by name. */
  op: (op: FilterOperator, field: string, value: FilterValue): Filter => {
    if (!(FILTER_OPERATORS as readonly string[]).includes(op)) {
      throw new TypeError(`unsupported filter operator: ${JSON.stringify(op)}`);
    }
    return term(op, field, value);
  },
  /** All of them; compound operands are parenthesised. */
  and: (...parts: FilterInput[]): Filter => join('and', parts),
  /** Any of them; compound operands are parenthesised. */
  or: (...parts: FilterInput[]): Filter => join('or', parts),
  /** A hand-written expression, used as is (and parenthesised when combined). */
  raw: (text: string): Filter => toFilter(text),
};

/** Text of a filter option (a `Filter` or a string). */
export function filterText(input: FilterInput): string {
  return (input instanceof Filter ? input.text : input).trim();
}
