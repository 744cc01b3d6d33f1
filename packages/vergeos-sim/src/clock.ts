// Time, injectable: the simulator reads the time only through a Clock, so tests can drive it by hand.

/** Milliseconds since the Unix epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Epoch seconds, the unit of VergeOS timestamps (`started`, `last_update`, `created`). */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
