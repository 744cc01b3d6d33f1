// "Force off if still running after N s": the seconds field of an escalating shut down, checked against the
// bounds the BFF accepts (STEP_TIMEOUTS_S.shutdown). Pure (tested in test/operations-countdown.test.ts).
import { STEP_TIMEOUTS_S } from '@powerdeck/contracts/operation-terms';
import { parseWhole } from './whole-number';

export const FORCE_AFTER = STEP_TIMEOUTS_S.shutdown;

/** The seconds as typed, or null when they are not a whole number within the bounds (no default: it is asked for). */
export function parseForceAfter(text: string): number | null {
  return parseWhole(text, FORCE_AFTER);
}

export const FORCE_AFTER_HINT = `Between ${FORCE_AFTER.min} and ${FORCE_AFTER.max} s`;
