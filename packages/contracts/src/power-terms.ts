// The power vocabulary without TypeBox, so that the web app may import the values: every VergeOS status, the
// power actions Powerdeck forwards, and which statuses count as transitional, running and stopped. The schemas of
// a `vm_actions` body are in ./power (which re-exports these names).

/** Every `machine_status.status` VergeOS reports. */
export const POWER_STATUSES = [
  'initializing',
  'starting',
  'running',
  'stopping',
  'unresponsive',
  'stopped',
  'hibernated',
  'hibernating',
  'initmigrate',
  'startmigrate',
  'migrating',
  'migratecomplete',
  'importing',
  'maintenance',
  'leavingmaintenance',
  'unlicensed',
  'needsrefresh',
  'needsrestart',
  'waitingforresources',
  'error',
  'driversreloading',
] as const;
export type PowerStatus = (typeof POWER_STATUSES)[number];

/** `machine_status.state`. */
export const MACHINE_STATES = ['online', 'offline', 'warning', 'error'] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

/** Statuses that settle by themselves: the poller ticks faster while any VM is in one. */
export const TRANSITIONAL_STATUSES: ReadonlySet<PowerStatus> = new Set<PowerStatus>([
  'initializing',
  'starting',
  'stopping',
  'hibernating',
  'initmigrate',
  'startmigrate',
  'migrating',
  'migratecomplete',
  'leavingmaintenance',
  'driversreloading',
]);

/**
 * Statuses of a VM that is up (or on its way up or down): running, unresponsive, and the transitional ones except
 * hibernating (its guest has already been saved). Leaving one for a STOPPED_STATUSES status is a stop.
 */
export const RUNNING_STATUSES: ReadonlySet<PowerStatus> = new Set<PowerStatus>([
  'running',
  'unresponsive',
  ...[...TRANSITIONAL_STATUSES].filter((s) => s !== 'hibernating'),
]);

/** Statuses of a VM that went down: stopped, or stopped by a failure. */
export const STOPPED_STATUSES: ReadonlySet<PowerStatus> = new Set<PowerStatus>(['stopped', 'error']);

export function isPowerStatus(value: unknown): value is PowerStatus {
  return typeof value === 'string' && (POWER_STATUSES as readonly string[]).includes(value);
}

/** The power actions Powerdeck forwards to VergeOS; nothing else reaches `vm_actions`. */
export const POWER_ACTIONS = ['poweron', 'poweroff', 'kill', 'reset', 'hibernate'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];
