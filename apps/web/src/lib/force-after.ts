// "Force off if still running after N s": the seconds field of an escalating shut down, checked against the
// bounds the BFF accepts (STEP_TIMEOUTS_S.shutdown). Pure (tested in test/operations-countdown.test.ts).
import { STEP_TIMEOUTS_S } from '@powerdeck/contracts/operation-terms';

export const FORCE_AFTER = STEP_TIMEOUTS_S.shutdown;

/** The seconds as typed, or null when they are not a whole number within the bounds. */
export function parseForceAfter(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= FORCE_AFTER.min && n <= FORCE_AFTER.max ? n : null;
}

export const FORCE_AFTER_HINT = `Between ${FORCE_AFTER.min} and ${FORCE_AFTER.max} s`;
