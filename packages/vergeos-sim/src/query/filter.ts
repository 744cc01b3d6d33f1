// `filter`: an OData-like expression. `field op value`, combined with `and`/`or` evaluated left to right with no
// precedence (`a or b and c` is `(a or b) and c`), and parentheses. A hand-written tokenizer and recursive-descent
// parser produce a table-independent tree; `compileFilter` resolves its paths once and returns a row predicate.

import { QueryError } from './errors';
import { type Accessor, splitPath } from './paths';
import type { Row } from './types';

export type Literal = null | boolean | number | string;
type Operator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'bw' | 'ew' | 'cs' | 'ct';

interface Comparison {
  readonly kind: 'cmp';
  readonly field: string;
  readonly segments: readonly string[];
  readonly op: Operator;
  readonly value: Literal;
  /** The literal as written (unescaped for strings): what bw/ew/cs/ct look for, so `ct 007` keeps its zeros. */
  readonly text: string;
}

/** Terms joined left to right: `first (conn term)*`. Flat, so a long chain never nests the evaluator deeply. */
interface Chain {
  readonly kind: 'chain';
  readonly first: FilterNode;
  readonly rest: readonly { readonly conn: 'and' | 'or'; readonly node: FilterNode }[];
}

export type FilterNode = Comparison | Chain;

const OPERATORS: ReadonlySet<string> = new Set<Operator>([
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
]);
/** Deepest parenthesis nesting accepted (keeps a hostile filter from overflowing the stack). */
const MAX_DEPTH = 64;
const NUMBER_RE = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// ---- tokenizer ----

type Token =
  | { readonly type: '(' | ')' | 'end'; readonly pos: number }
  | { readonly type: 'string'; readonly value: string; readonly pos: number }
  | { readonly type: 'word'; readonly text: string; readonly pos: number };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c, pos: i });
      i++;
    } else if (c === "'") {
      // A backslash takes the next character literally: \' \\ \{ and any other.
      const start = i++;
      let value = '';
      for (;;) {
        if (i >= src.length) throw new QueryError(`unterminated string at ${start}`);
        const d = src.charAt(i++);
        if (d === "'") break;
        if (d === '\\') {
          if (i >= src.length) throw new QueryError(`unterminated string at ${start}`);
          value += src.charAt(i++);
        } else {
          value += d;
        }
      }
      tokens.push({ type: 'string', value, pos: start });
    } else {
      const start = i;
      while (i < src.length) {
        const d = src.charAt(i);
        if (isSpace(d) || d === '(' || d === ')' || d === "'") break;
        i++;
      }
      tokens.push({ type: 'word', text: src.slice(start, i), pos: start });
    }
  }
  tokens.push({ type: 'end', pos: src.length });
  return tokens;
}

// ---- parser ----

function describe(t: Token): string {
  switch (t.type) {
    case 'end':
      return 'end of filter';
    case 'string':
      return `string at ${t.pos}`;
    case 'word':
      return `'${t.text}' at ${t.pos}`;
    default:
      return `'${t.type}' at ${t.pos}`;
  }
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): FilterNode {
    const node = this.chain(0);
    const t = this.peek();
    if (t.type !== 'end') throw new QueryError(`unexpected ${describe(t)}`);
    return node;
  }

  private peek(): Token {
    // The token list always ends with 'end', and the parser never moves past it.
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== 'end') this.index++;
    return t;
  }

  private chain(depth: number): FilterNode {
    const first = this.term(depth);
    const rest: { conn: 'and' | 'or'; node: FilterNode }[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type !== 'word') break;
      const conn = t.text.toLowerCase();
      if (conn !== 'and' && conn !== 'or') break;
      this.index++;
      rest.push({ conn, node: this.term(depth) });
    }
    return rest.length === 0 ? first : { kind: 'chain', first, rest };
  }

  private term(depth: number): FilterNode {
    const t = this.peek();
    if (t.type === '(') {
      if (depth >= MAX_DEPTH) throw new QueryError('filter nested too deeply');
      this.index++;
      const node = this.chain(depth + 1);
      const close = this.next();
      if (close.type !== ')') throw new QueryError(`expected ')' but found ${describe(close)}`);
      return node;
    }
    return this.comparison();
  }

  private comparison(): Comparison {
    const f = this.next();
    if (f.type !== 'word') throw new QueryError(`expected a field but found ${describe(f)}`);
    const segments = splitPath(f.text);
    if (segments === undefined) throw new QueryError(`invalid field ${describe(f)}`);

    const o = this.next();
    const op = o.type === 'word' ? o.text.toLowerCase() : '';
    if (!OPERATORS.has(op)) throw new QueryError(`expected an operator but found ${describe(o)}`);

    return { kind: 'cmp', field: f.text, segments, op: op as Operator, ...this.literal() };
  }

  private literal(): { value: Literal; text: string } {
    const v = this.next();
    if (v.type === 'string') return { value: v.value, text: v.value };
    if (v.type === 'word') {
      const lower = v.text.toLowerCase();
      if (lower === 'true' || lower === 'false') return { value: lower === 'true', text: lower };
      if (lower === 'null') return { value: null, text: lower };
      if (NUMBER_RE.test(v.text)) return { value: Number(v.text), text: v.text };
    }
    throw new QueryError(`expected a value but found ${describe(v)}`);
  }
}

/** Parses a filter expression. Blank text is not a filter: callers treat it as "no filter" before calling. */
export function parseFilter(text: string): FilterNode {
  return new Parser(tokenize(text)).parse();
}

// ---- evaluation ----

export type Predicate = (row: Row) => boolean;

/** Resolves a path of the filter to an accessor, or throws QueryError when it names an unknown column. */
type PathResolver = (segments: readonly string[], field: string) => Accessor;

export function compileFilter(node: FilterNode, resolve: PathResolver): Predicate {
  if (node.kind === 'cmp') {
    return compileComparison(resolve(node.segments, node.field), node.op, node.value, node.text);
  }
  const first = compileFilter(node.first, resolve);
  const rest = node.rest.map(({ conn, node: n }) => ({
    and: conn === 'and',
    test: compileFilter(n, resolve),
  }));
  return (row) => {
    let result = first(row);
    for (const r of rest) {
      if (r.and) {
        if (result) result = r.test(row);
      } else if (!result) {
        result = r.test(row);
      }
    }
    return result;
  };
}

/** Numeric value of a string that is entirely a number (`'54'`, `' -1.5 '`), else undefined. */
function numericValue(s: string): number | undefined {
  const t = s.trim();
  return NUMBER_RE.test(t) ? Number(t) : undefined;
}

function order(a: number | string, b: number | string): number | undefined {
  if (a < b) return -1;
  if (a > b) return 1;
  return a === b ? 0 : undefined; // NaN compares to nothing
}

/** -1, 0 or 1 comparing a column value to a literal, or undefined when they cannot be compared. */
type Comparator = (v: unknown) => number | undefined;

function comparatorFor(lit: boolean | number | string): Comparator {
  if (typeof lit === 'number') {
    const text = String(lit);
    return (v) => {
      if (typeof v === 'number') return order(v, lit);
      if (typeof v === 'boolean') return order(Number(v), lit);
      if (typeof v === 'string') {
        const n = numericValue(v);
        return n === undefined ? order(v, text) : order(n, lit);
      }
      return undefined;
    };
  }
  if (typeof lit === 'boolean') {
    const n = Number(lit);
    const text = String(lit);
    return (v) => {
      if (typeof v === 'boolean' || typeof v === 'number') return order(Number(v), n);
      if (typeof v === 'string') {
        const lower = v.toLowerCase();
        if (lower === 'true' || lower === 'false') return order(Number(lower === 'true'), n);
        return order(v, text);
      }
      return undefined;
    };
  }
  // A quoted literal: compares as a string to strings, numerically to numbers when it is numeric ('54').
  const n = numericValue(lit);
  const lower = lit.toLowerCase();
  const asBool = lower === 'true' ? 1 : lower === 'false' ? 0 : undefined;
  return (v) => {
    if (typeof v === 'string') return order(v, lit);
    if (typeof v === 'number') return n === undefined ? order(String(v), lit) : order(v, n);
    if (typeof v === 'boolean')
      return asBool === undefined ? order(String(v), lit) : order(Number(v), asBool);
    return undefined;
  };
}

/** The text a string operator (bw, ew, cs, ct) looks at: strings, numbers and booleans; nothing else matches. */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function compileComparison(get: Accessor, op: Operator, lit: Literal, text: string): Predicate {
  if (lit === null) {
    if (op === 'eq') return (row) => get(row) == null;
    if (op === 'ne') return (row) => get(row) != null;
    throw new QueryError(`operator '${op}' cannot take null`);
  }
  switch (op) {
    case 'bw': {
      const s = text;
      return (row) => textOf(get(row))?.startsWith(s) ?? false;
    }
    case 'ew': {
      const s = text;
      return (row) => textOf(get(row))?.endsWith(s) ?? false;
    }
    case 'cs': {
      const s = text;
      return (row) => textOf(get(row))?.includes(s) ?? false;
    }
    case 'ct': {
      const s = text.toLowerCase();
      return (row) => textOf(get(row))?.toLowerCase().includes(s) ?? false;
    }
    default:
      break;
  }
  const cmp = comparatorFor(lit);
  switch (op) {
    case 'eq':
      return (row) => cmp(get(row)) === 0;
    case 'ne':
      return (row) => cmp(get(row)) !== 0;
    case 'gt':
      return (row) => (cmp(get(row)) ?? 0) > 0;
    case 'ge': {
      return (row) => {
        const c = cmp(get(row));
        return c !== undefined && c >= 0;
      };
    }
    case 'lt':
      return (row) => (cmp(get(row)) ?? 0) < 0;
    case 'le': {
      return (row) => {
        const c = cmp(get(row));
        return c !== undefined && c <= 0;
      };
    }
  }
}
