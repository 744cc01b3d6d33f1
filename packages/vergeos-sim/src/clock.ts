// Time, injectable: the simulator reads the time only through a Clock, so tests can drive it by hand.

/** Milliseconds since the Unix epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Epoch seconds, the unit of VergeOS timestamps (`started`, `last_update`, `created`). */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** A clock for tests: starts at `startMs` and moves only when told to. */
export interface ManualClock {
  readonly now: Clock;
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(startMs = Date.UTC(2026, 10, 29, 9, 0, 0)): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(ms) {
      current = ms;
    },
  };
}
