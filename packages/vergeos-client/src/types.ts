// Types of what VergeOS API v4 answers, for the tables this client reads and the actions it sends.

import type { FilterInput } from './filter';

/** A VM's `$key` (a number; VergeOS also accepts it as a numeric string). Not its machine key. */
export type VmKey = number | string;

/** Every `status` a machine can be in (`machine_status.status`), in VergeOS's order. */
export const MACHINE_STATUSES = [
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

/** One of the 21 runtime statuses of a machine. */
export type MachineStatusValue = (typeof MACHINE_STATUSES)[number];

/** The overall `state` of a machine. */
export const MACHINE_STATES = ['online', 'offline', 'warning', 'error'] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export function isMachineStatusValue(value: unknown): value is MachineStatusValue {
  return typeof value === 'string' && (MACHINE_STATUSES as readonly string[]).includes(value);
}

/**
 * A row of `machine_status` (keyed by machine). Which properties are present depends on the `fields` asked for;
 * with the client's defaults all of them are.
 * Note: `running` and `powerstate` stay `true` while `starting` and `stopping`; only `status` tells the
 * settled states (`running`, `stopped`) from the transitional ones.
 */
export interface MachineStatus {
  $key: number;
  machine: number;
  running: boolean;
  migratable?: boolean;
  /** The node's `$key` while the machine runs; `null` when it is stopped. */
  node: number | null;
  migrated_node?: number | null;
  migration_destination?: number | null;
  /** Unix seconds of the last start; a stopped machine keeps it. */
  started?: number;
  local_time?: number;
  status: MachineStatusValue;
  /** Free text about errors, e.g. why a start failed. */
  status_info: string;
  state: MachineState;
  powerstate: boolean;
  last_update?: number;
  running_cores?: number;
  running_ram?: number;
  agent_version?: string;
  agent_features?: unknown[];
  agent_guest_info?: unknown[];
}

/**
 * A row of `vms`. The configuration columns come from `vms` itself; `status`, `running`, `powerstate`, `state`,
 * `status_info`, `node`, `node_name` are joined from the machine's status by the default field list (they are not
 * columns of `vms`). Other fields asked for by name appear under their (renamed) names.
 */
export interface VmRow {
  $key: number;
  name: string;
  /** The machine key: use it (not `$key`) for `machine_status`. */
  machine: number;
  description?: string;
  enabled?: boolean;
  created?: number;
  modified?: number;
  is_snapshot?: boolean;
  machine_type?: string;
  cpu_cores?: number;
  cpu_type?: string;
  /** MiB. */
  ram?: number;
  os_family?: string;
  guest_agent?: boolean;
  uefi?: boolean;
  uuid?: string;
  need_restart?: boolean;
  note?: string;
  power_cycle_timeout?: number;
  creator?: string;
  // Joined from machine#status by DEFAULT_VM_FIELDS:
  status?: MachineStatusValue;
  running?: boolean;
  powerstate?: boolean;
  state?: MachineState;
  status_info?: string;
  node?: number | null;
  node_name?: string | null;
  started?: number;
  last_update?: number;
  [field: string]: unknown;
}

/** A row of `nodes` (a physical host of the cluster). */
export interface NodeRow {
  $key: number;
  name: string;
  description?: string;
  running?: boolean;
  cluster?: number | null;
  cores?: number;
  /** MiB. */
  ram?: number;
  vm_ram?: number;
  maintenance?: boolean;
  [field: string]: unknown;
}

/** The power actions this client sends to `POST /api/v4/vm_actions`. */
export const VM_ACTIONS = ['poweron', 'poweroff', 'kill', 'reset', 'hibernate'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

/** Parameters VergeOS understands for the actions above. */
export interface VmActionParams {
  /** `poweron`: the `$key` of the node to start on. */
  preferred_node?: number;
  /** `reset`: `true` for a guest reboot (ACPI); absent or `false` for a hard reset. */
  graceful?: boolean;
}

/** The body of `POST /api/v4/vm_actions`. */
export interface VmActionRequest {
  vm: number;
  action: VmAction;
  params: VmActionParams;
}

/** VergeOS's `201` answer to an action: the action is queued; poll the state to see its effect. */
export interface ActionReceipt {
  location: string;
  dbpath: string;
  $row: number;
  $key: string;
  [field: string]: unknown;
}

/** Options every list takes. `filter` is a string or a `Filter` from the builder (`filter.eq(...)`). */
export interface ListOptions {
  /** `most`, `all`, `summary`, or a list (joined with commas) such as `['$key', 'machine#status#status as status']`. */
  fields?: string | readonly string[];
  filter?: FilterInput;
  /** `+name`, `-$key`, ... */
  sort?: string;
  /** 0 means no limit. */
  limit?: number;
  offset?: number;
}

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the call (and its retries); the call rejects with `VergeAbortError`. */
  signal?: AbortSignal;
  /** Per-attempt time limit; overrides the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Sent as `x-request-id`, so that VergeOS's logs can be tied to the caller's (e.g. an audit record). */
  requestId?: string;
}
