// The power vocabulary shared by the BFF and the web app: VergeOS statuses and the power actions
// Powerdeck may send (from ./power-terms, which has no TypeBox), with the one schema a `vm_actions` body must match.
import Type, { type Static } from 'typebox';
import { POWER_ACTIONS } from './power-terms';

export {
  isPowerStatus,
  MACHINE_STATES,
  POWER_ACTIONS,
  POWER_STATUSES,
  RUNNING_STATUSES,
  STOPPED_STATUSES,
  TRANSITIONAL_STATUSES,
  type MachineState,
  type PowerAction,
  type PowerStatus,
} from './power-terms';

/** A VergeOS key: a positive integer, as a JSON number or a numeric string (the guide sends `"42"`). */
export const VergeKey = Type.Union([
  Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  Type.String({ pattern: '^[1-9][0-9]{0,9}$' }),
]);

/**
 * A `POST /api/v4/vm_actions` body, exactly as VergeOS takes it. Unknown fields are refused; which
 * `params` go with which action is checked by {@link checkActionParams}.
 */
export const VmActionBody = Type.Object(
  {
    vm: VergeKey,
    action: Type.Enum(POWER_ACTIONS),
    params: Type.Optional(
      Type.Object(
        {
          graceful: Type.Optional(Type.Boolean()),
          preferred_node: Type.Optional(VergeKey),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type VmActionBody = Static<typeof VmActionBody>;

/** What is wrong with an action's params, or null when they fit the action. */
export function checkActionParams(body: VmActionBody): string | null {
  const params = body.params ?? {};
  if (params.graceful !== undefined && body.action !== 'reset') {
    return `params.graceful is only valid with action 'reset', not '${body.action}'`;
  }
  if (params.preferred_node !== undefined && body.action !== 'poweron') {
    return `params.preferred_node is only valid with action 'poweron', not '${body.action}'`;
  }
  return null;
}

/** The receipt VergeOS answers `201` with. */
export const ActionReceipt = Type.Object({
  location: Type.String(),
  dbpath: Type.String(),
  $row: Type.Number(),
  $key: Type.Union([Type.String(), Type.Number()]),
});
export type ActionReceipt = Static<typeof ActionReceipt>;

/** An error body: VergeOS's own (`err` on real systems, `error` in the guide) and the BFF's, both keys set. */
export const ErrorBody = Type.Object({
  err: Type.String(),
  error: Type.String(),
  statusCode: Type.Optional(Type.Integer()),
  code: Type.Optional(Type.String()),
});
export type ErrorBody = Static<typeof ErrorBody>;
