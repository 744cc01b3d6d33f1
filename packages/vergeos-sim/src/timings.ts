// How long power transitions take at time scale 1, in milliseconds. Each is multiplied by the time scale.
// The figures follow what real systems show: `running` about 3 s after poweron, false about 2 s after kill,
// and a graceful shutdown as long as the guest takes (5 to 60 s, chosen per guest in the fleet).

/** poweron: `starting` until `running`. */
export const START_MS = 3000;
/** poweron of a hibernated machine: `starting` until `running` (restoring memory). */
export const RESUME_MS = 4000;
/** kill: `stopping` until `stopped`. */
export const KILL_MS = 2000;
/** hard reset: `starting` until `running` again. */
export const HARD_RESET_MS = 1500;
/** graceful reset: after the guest has shut down, `starting` until `running` again. */
export const REBOOT_START_MS = 3000;
/** hibernate: `hibernating` until `hibernated`, plus HIBERNATE_MS_PER_GB for every GB of RAM, at most HIBERNATE_MAX_MS. */
const HIBERNATE_BASE_MS = 2000;
const HIBERNATE_MS_PER_GB = 250;
const HIBERNATE_MAX_MS = 15000;
/** Range of guest shutdown times drawn for the fleet. */
export const GUEST_SHUTDOWN_MIN_MS = 5000;
export const GUEST_SHUTDOWN_MAX_MS = 60000;
/** Latency added by the `slow` scenario (real time, not scaled). */
export const SLOW_LATENCY_MS = 1500;
/** Share of requests answered 500 by the `flaky` scenario. */
export const FLAKY_FAILURE_RATE = 0.3;

export function hibernateMs(ramMb: number): number {
  return Math.min(HIBERNATE_MAX_MS, HIBERNATE_BASE_MS + Math.ceil((ramMb / 1024) * HIBERNATE_MS_PER_GB));
}
