// What a request to the VergeOS routes may carry, checked before anything reaches VergeOS, and refused in VergeOS's own
// words: a malformed request gets the code and `err` VergeOS would answer (the simulator's texts, which follow real
// systems), so a script sees the same answer whether Powerdeck or VergeOS refused it. What passes is rebuilt: the
// action body from its validated fields, the query from the allow-listed parameters (others are dropped, as VergeOS
// ignores them), the key as canonical digits.
import { POWER_ACTIONS, type PowerAction } from '@powerdeck/contracts/power';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { HttpError, VergeosRefusal } from '../plugins/errors';

/** A VergeOS key, as Powerdeck forwards it: a positive integer that fits VergeOS's 32-bit keys. */
const Key = Type.Union([
  Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  Type.String({ pattern: '^[1-9][0-9]{0,9}$' }),
]);

/**
 * A `vm_actions` body. The same shape as VergeOS's (and the simulator's) own check, so that the first thing wrong is
 * the one VergeOS would name; Powerdeck's keys are stricter (no leading zeros, 32 bits).
 */
const ActionBody = Type.Object(
  {
    vm: Key,
    action: Type.String(),
    params: Type.Optional(
      Type.Object(
        {
          preferred_node: Type.Optional(Type.Union([Key, Type.Null()])),
          graceful: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
const actionBody = Compile(ActionBody);

/** The parameters each action takes (VergeOS refuses the others). */
const ACTION_PARAMS: Readonly<Record<PowerAction, readonly string[]>> = {
  poweron: ['preferred_node'],
  poweroff: [],
  kill: [],
  reset: ['graceful'],
  hibernate: [],
};

function isPowerAction(value: string): value is PowerAction {
  return (POWER_ACTIONS as readonly string[]).includes(value);
}

/** A validated action, rebuilt from its fields only. */
export interface ActionRequest {
  vm: number | string;
  action: PowerAction;
  params?: { graceful?: boolean; preferred_node?: number | string };
}

const invalid = (detail: string) => new VergeosRefusal(422, detail);

function valueAt(body: unknown, pointer: string): unknown {
  let value = body;
  for (const part of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A value as VergeOS quotes it in a message (a string as it is: bodies are at most 4 KB, path keys 100 characters). */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

const fieldName = (pointer: string) => pointer.split('/').slice(1).join('.');
const joinName = (parent: string, child: string) => (parent ? `${parent}.${child}` : child);

/**
 * Checks a `POST /api/v4/vm_actions` body as VergeOS does, in its order: an action not in the list first, then a body
 * that is not an object (400), an unknown field, a missing one, a bad value, a parameter the action does not take.
 */
export function checkActionBody(body: unknown): ActionRequest {
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  if (isObject) {
    const action = (body as Record<string, unknown>).action;
    if (typeof action === 'string' && !isPowerAction(action)) {
      throw invalid(`value '${show(action)}' is not in list for field 'action'`);
    }
  }
  if (!isObject) throw new VergeosRefusal(400, 'The request body must be a JSON object');
  if (!actionBody.Check(body)) {
    const errors = actionBody.Errors(body);
    const extra = errors.find((e) => e.keyword === 'additionalProperties');
    if (extra && extra.keyword === 'additionalProperties') {
      const name = joinName(fieldName(extra.instancePath), extra.params.additionalProperties[0] ?? '');
      throw invalid(`Invalid field '${show(name)}'`);
    }
    const required = errors.find((e) => e.keyword === 'required');
    if (required && required.keyword === 'required') {
      throw invalid(
        `Missing required field '${joinName(fieldName(required.instancePath), required.params.requiredProperties[0] ?? '')}'`,
      );
    }
    const first = errors[0];
    if (!first || first.instancePath === '') throw invalid('Invalid argument');
    throw invalid(
      `value '${show(valueAt(body, first.instancePath))}' is not valid for field '${fieldName(first.instancePath)}'`,
    );
  }
  const parsed: Static<typeof ActionBody> = body;
  const action = parsed.action;
  if (!isPowerAction(action)) throw invalid(`value '${show(action)}' is not in list for field 'action'`);
  const given = parsed.params;
  if (given === undefined) return { vm: parsed.vm, action };
  for (const name of Object.keys(given)) {
    if (!ACTION_PARAMS[action].includes(name)) {
      throw invalid(`Invalid field 'params.${name}' for action '${action}'`);
    }
  }
  const params: NonNullable<ActionRequest['params']> = {};
  if (given.graceful !== undefined) params.graceful = given.graceful;
  // `preferred_node: null` is VergeOS's "no preference": the same as leaving it out.
  if (given.preferred_node !== undefined && given.preferred_node !== null) {
    params.preferred_node = given.preferred_node;
  }
  return { vm: parsed.vm, action, params };
}

/**
 * The query parameters VergeOS reads; every other one is dropped (VergeOS ignores it). A row by key (and the system
 * row) is projected with `fields` only, but VergeOS still checks the others there (a bad filter is its 422), so they
 * travel too, checked like a list's.
 */
const QUERY_PARAMETERS = ['fields', 'filter', 'sort', 'limit', 'offset'] as const;
type QueryParameter = (typeof QUERY_PARAMETERS)[number];
export type GatewayQuery = Partial<Record<QueryParameter, string>>;

/** Longest `fields`, `filter` or `sort` Powerdeck forwards (its own limit, not VergeOS's). */
const MAX_QUERY_TEXT = 2000;
const COUNT = /^[0-9]{0,7}$/;

/**
 * The allow-listed parameters of a query as Fastify parsed it: a repeated one counts once, by its last value (as
 * VergeOS reads it); a `limit` or `offset` that is not a count is VergeOS's 422; a text over MAX_QUERY_TEXT is
 * Powerdeck's own 400.
 */
export function gatewayQuery(query: unknown): GatewayQuery {
  const q = (query ?? {}) as Record<string, unknown>;
  const out: GatewayQuery = {};
  for (const name of QUERY_PARAMETERS) {
    const raw = q[name];
    const value: unknown = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (typeof value !== 'string') continue;
    if (name === 'limit' || name === 'offset') {
      if (!COUNT.test(value.trim())) throw invalid('Invalid argument');
    } else if (value.length > MAX_QUERY_TEXT) {
      throw new HttpError(
        400,
        `Invalid request: ${name} may have at most ${MAX_QUERY_TEXT} characters`,
        'query_too_long',
      );
    }
    out[name] = value;
  }
  return out;
}

/** The query string forwarded to VergeOS (each value percent-encoded). */
export function toQueryString(query: GatewayQuery): string {
  let out = '';
  for (const name of QUERY_PARAMETERS) {
    const v = query[name];
    if (v === undefined) continue;
    out += `${out === '' ? '' : '&'}${name}=${encodeURIComponent(v)}`;
  }
  return out;
}

/**
 * A row key from the path as VergeOS reads it: decimal digits (canonical, without leading zeros); anything else is no
 * row at all, VergeOS's 404 in its words.
 */
export function rowKey(table: string, raw: string): string {
  if (!/^[0-9]{1,15}$/.test(raw)) {
    throw new VergeosRefusal(404, `Not found: no row in '${table}' with $key '${show(raw)}'`);
  }
  return String(Number(raw));
}
