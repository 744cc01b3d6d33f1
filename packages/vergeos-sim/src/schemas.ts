// Schemas of the request bodies the simulator accepts, and their validation into VergeOS-style errors.

import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { VergeError, invalidArgument } from './errors';
import { MACHINE_STATUSES, isPowerAction, type PowerAction } from './machine';
import { SCENARIOS, isScenarioName } from './scenarios';

const KeyValue = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]{1,15}$' })]);

/** POST /api/v4/vm_actions. `vm` is a number or a numeric string; `params` is optional. */
const VmActionBody = Type.Object(
  {
    vm: KeyValue,
    action: Type.String(),
    params: Type.Optional(
      Type.Object(
        {
          preferred_node: Type.Optional(Type.Union([KeyValue, Type.Null()])),
          graceful: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** POST /api/sys/tokens. */
const TokenBody = Type.Object({
  login: Type.String({ minLength: 1, maxLength: 256 }),
  password: Type.String({ maxLength: 1024 }),
});

/** POST /__sim/scenario. */
const ScenarioBody = Type.Object(
  {
    name: Type.String(),
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600000 })),
    failureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

/** PUT /__sim/vms/:key. */
const VmPatchBody = Type.Object(
  {
    status: Type.Optional(Type.Union(MACHINE_STATUSES.map((s) => Type.Literal(s)))),
    node: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    status_info: Type.Optional(Type.String({ maxLength: 2000 })),
    guest_agent: Type.Optional(Type.Boolean()),
    ignores_acpi: Type.Optional(Type.Boolean()),
    /** Accept this VM's next starts, then fail them into `error` with this status_info (null: start normally). */
    start_failure: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()])),
    shutdown_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })),
    preferred_node: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** PUT /__sim/nodes/:key. */
const NodePatchBody = Type.Object(
  {
    cores: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    vm_ram: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

function valueAt(body: unknown, pointer: string): unknown {
  let value = body;
  for (const part of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

const fieldName = (pointer: string) => pointer.split('/').slice(1).join('.');
const join = (parent: string, child: string) => (parent ? `${parent}.${child}` : child);

/** A checker that answers the typed body or throws a VergeError: 400 for a non-object, 422 for a bad field. */
function checker<S extends TSchema>(schema: S): (body: unknown) => Static<S> {
  const validator = Compile(schema);
  return (body) => {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new VergeError(400, 'The request body must be a JSON object');
    if (validator.Check(body)) return body;
    const errors = validator.Errors(body);
    const extra = errors.find((e) => e.keyword === 'additionalProperties' || e.keyword === 'boolean');
    if (extra) {
      const name =
        extra.keyword === 'additionalProperties'
          ? join(fieldName(extra.instancePath), extra.params.additionalProperties[0] ?? '')
          : fieldName(extra.instancePath);
      throw invalidArgument(`Invalid field '${name}'`);
    }
    const required = errors.find((e) => e.keyword === 'required');
    if (required)
      throw invalidArgument(
        `Missing required field '${join(fieldName(required.instancePath), required.params.requiredProperties[0] ?? '')}'`,
      );
    const first = errors[0];
    if (!first || first.instancePath === '') throw invalidArgument();
    throw invalidArgument(
      `value '${show(valueAt(body, first.instancePath))}' is not valid for field '${fieldName(first.instancePath)}'`,
    );
  };
}

const checkVmAction = checker(VmActionBody);

export interface VmAction {
  vm: number;
  action: PowerAction;
  graceful: boolean;
  preferredNode: number | null;
}

/** Parameters each action takes. */
const ACTION_PARAMS: Record<PowerAction, readonly string[]> = {
  poweron: ['preferred_node'],
  poweroff: [],
  kill: [],
  reset: ['graceful'],
  hibernate: [],
};

/** Validates a vm_actions body the way VergeOS answers: an unknown action first, then each field. */
export function parseVmAction(body: unknown): VmAction {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const action = (body as Record<string, unknown>).action;
    if (typeof action === 'string' && !isPowerAction(action))
      throw invalidArgument(`value '${action}' is not in list for field 'action'`);
  }
  const parsed = checkVmAction(body);
  const action = parsed.action;
  if (!isPowerAction(action)) throw invalidArgument(`value '${action}' is not in list for field 'action'`);
  const params = parsed.params ?? {};
  for (const name of Object.keys(params))
    if (!ACTION_PARAMS[action].includes(name))
      throw invalidArgument(`Invalid field 'params.${name}' for action '${action}'`);
  const pref = params.preferred_node;
  return {
    vm: typeof parsed.vm === 'number' ? parsed.vm : Number(parsed.vm),
    action,
    graceful: params.graceful === true,
    preferredNode: pref === undefined || pref === null ? null : Number(pref),
  };
}

export const checkToken = checker(TokenBody);
export const checkVmPatch = checker(VmPatchBody);
export const checkNodePatch = checker(NodePatchBody);
const checkScenarioShape = checker(ScenarioBody);

export function checkScenario(body: unknown) {
  const parsed = checkScenarioShape(body);
  if (!isScenarioName(parsed.name))
    throw invalidArgument(
      `value '${parsed.name}' is not in list for field 'name' (one of: ${SCENARIOS.join(', ')})`,
    );
  return { ...parsed, name: parsed.name };
}
