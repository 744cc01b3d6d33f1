// The power vocabulary shared by the BFF and the web app: VergeOS statuses and the power actions
// Powerdeck may send (from ./power-terms, which has no TypeBox), with VergeOS's receipt and the error body.
import Type, { type Static } from 'typebox';

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
