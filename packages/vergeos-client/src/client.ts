// createVergeClient: the typed surface over the transport (VMs, machine status, nodes, power actions, waiting).

import type { Dispatcher } from 'undici';
import { VergeInvalidResponseError, VergeNotFoundError } from './errors';
import { Filter, filter as f, filterText } from './filter';
import type { FetchLike, RequestSpec, RetryPolicy, TlsOptions, VergeAuth } from './http';
import { Transport, buildQuery } from './http';
import type {
  ActionReceipt,
  CallOptions,
  ListOptions,
  MachineStatus,
  NodeRow,
  VmAction,
  VmActionParams,
  VmActionRequest,
  VmKey,
  VmRow,
} from './types';
import type { DesiredPowerState, WaitForPowerStateOptions } from './wait';
import { waitForPowerState } from './wait';

/**
 * The default fields of a VM: its configuration and its power state, joined from the machine's status
 * (power state is not a column of `vms`).
 */
export const DEFAULT_VM_FIELDS: readonly string[] = [
  '$key',
  'name',
  'machine',
  'description',
  'enabled',
  'is_snapshot',
  'cpu_cores',
  'ram',
  'os_family',
  'machine#status#status as status',
  'machine#status#running as running',
  'machine#status#powerstate as powerstate',
  'machine#status#state as state',
  'machine#status#status_info as status_info',
  'machine#status#node as node',
  'machine#status#node#name as node_name',
  'machine#status#started as started',
  'machine#status#last_update as last_update',
];

/** The default fields of a machine status: every documented column. */
export const MACHINE_STATUS_FIELDS: readonly string[] = [
  '$key',
  'machine',
  'running',
  'migratable',
  'node',
  'migrated_node',
  'migration_destination',
  'started',
  'local_time',
  'status',
  'status_info',
  'state',
  'powerstate',
  'last_update',
  'running_cores',
  'running_ram',
  'agent_version',
  'agent_features',
  'agent_guest_info',
];

/** What waitForPowerState polls: small, so a poll is cheap. */
const POLL_FIELDS = '$key,machine,status,status_info,state,powerstate,running,node';

export interface VergeClientOptions {
  /** `https://vergeos.example.com` (a trailing `/api/v4` is accepted and dropped). No credentials in it. */
  baseUrl: string;
  auth: VergeAuth;
  /**
   * A fetch to use instead of the client's own (undici with the `tls` options). With an injected fetch the `tls`
   * options do not apply: configure TLS on the fetch you inject.
   */
  fetch?: FetchLike;
  tls?: TlsOptions;
  /** Per-attempt time limit of every request, body included (default 10 s). */
  timeoutMs?: number;
  /** Retry policy of safe reads (default 3 attempts, 200 ms base, 2 s cap). Actions are never retried. */
  retry?: Partial<RetryPolicy>;
  /** Jitter source in [0, 1) (tests). */
  random?: () => number;
  userAgent?: string;
  /**
   * undici interceptors composed into the client's own connections (e.g. to count every request and its answer).
   * With an injected `fetch` they do not apply, as `tls` does not.
   */
  interceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
}

export interface VmListOptions extends ListOptions, CallOptions {
  /** Snapshots live in `vms` too; they are left out (`is_snapshot eq false`) unless this is true. */
  includeSnapshots?: boolean;
}

export interface FieldsOptions extends CallOptions {
  fields?: string | readonly string[];
}

export type MachineStatusListOptions = ListOptions & CallOptions;
export type NodeListOptions = ListOptions & CallOptions;

export interface ActionInput {
  vm: VmKey;
  action: VmAction;
  params?: VmActionParams;
}

export interface VergeClient {
  readonly baseUrl: string;
  vms: {
    /** `GET /api/v4/vms`: VMs (not snapshots) with their joined power state (DEFAULT_VM_FIELDS) unless `fields` says otherwise. */
    list<T extends object = VmRow>(options?: VmListOptions): Promise<T[]>;
    /** `GET /api/v4/vms/<key>`. */
    get<T extends object = VmRow>(key: VmKey, options?: FieldsOptions): Promise<T>;
  };
  machineStatus: {
    /** `GET /api/v4/machine_status/<machineKey>` (the machine key, `vm.machine`, not the VM key). */
    get(machineKey: number, options?: FieldsOptions): Promise<MachineStatus>;
    /** `GET /api/v4/machine_status?filter=...`. */
    list(options?: MachineStatusListOptions): Promise<MachineStatus[]>;
  };
  nodes: {
    /** `GET /api/v4/nodes`. */
    list(options?: NodeListOptions): Promise<NodeRow[]>;
  };
  /** `POST /api/v4/vm_actions`, sent exactly once (never retried). Each resolves with VergeOS's receipt. */
  actions: {
    powerOn(vm: VmKey, options?: { preferredNode?: number } & CallOptions): Promise<ActionReceipt>;
    /** Graceful: an ACPI shutdown request; the guest decides (and may ignore it). */
    powerOff(vm: VmKey, options?: CallOptions): Promise<ActionReceipt>;
    /** Immediate power off. */
    kill(vm: VmKey, options?: CallOptions): Promise<ActionReceipt>;
    /** `graceful: true` is a guest reboot (ACPI); otherwise a hard reset. */
    reset(vm: VmKey, options?: { graceful?: boolean } & CallOptions): Promise<ActionReceipt>;
    /** Suspend to disk; `powerOn` resumes. */
    hibernate(vm: VmKey, options?: CallOptions): Promise<ActionReceipt>;
    /** Any of the above, VergeOS-shaped (`{vm, action, params}`). */
    send(input: ActionInput, options?: CallOptions): Promise<ActionReceipt>;
  };
  /** Polls the VM's machine status until its `status` is `desired`; see `waitForPowerState` in wait.ts. */
  waitForPowerState(
    vm: VmKey,
    desired: DesiredPowerState,
    options?: WaitForPowerStateOptions,
  ): Promise<MachineStatus>;
  /** With token auth: deletes the session token (the next call logs in again). Otherwise does nothing. */
  logout(): Promise<void>;
  /** Logs out (best effort) and releases connections. The client cannot be used afterwards. */
  close(): Promise<void>;
}

/** A key as VergeOS takes it: a non-negative integer (a numeric string is accepted). */
export function toKey(key: VmKey | number, what = 'key'): number {
  const n = typeof key === 'string' && /^\d+$/.test(key.trim()) ? Number(key.trim()) : key;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(`${what} must be a non-negative integer`);
  }
  return n;
}

function fieldsParam(fields: string | readonly string[] | undefined): string | undefined {
  if (fields === undefined) return undefined;
  const text = typeof fields === 'string' ? fields : fields.join(',');
  return text.trim() || undefined;
}

/** The caller's filter, ANDed after `base` (parenthesised when compound: VergeOS reads and/or left to right). */
function listQuery(options: ListOptions, defaultFields: string | undefined, base?: Filter) {
  let own: Filter | undefined;
  if (options.filter instanceof Filter) own = options.filter;
  else if (options.filter !== undefined && filterText(options.filter))
    own = f.raw(filterText(options.filter));
  const combined = base && own ? f.and(base, own) : (base ?? own);
  return {
    fields: fieldsParam(options.fields) ?? defaultFields,
    filter: combined?.text,
    sort: options.sort,
    limit: options.limit,
    offset: options.offset,
  };
}

function call(options: CallOptions | undefined): Pick<RequestSpec, 'signal' | 'timeoutMs' | 'requestId'> {
  return { signal: options?.signal, timeoutMs: options?.timeoutMs, requestId: options?.requestId };
}

export function createVergeClient(options: VergeClientOptions): VergeClient {
  const transport = new Transport(options);
  const read = <T>(path: string, query: RequestSpec['query'], callOptions: CallOptions | undefined) =>
    transport.request<T>({ method: 'GET', path, query, retry: true, ...call(callOptions) });

  /** GET of a list: VergeOS answers a JSON array; anything else is a protocol error, not an empty list. */
  const readList = async <T>(
    path: string,
    query: RequestSpec['query'],
    callOptions: CallOptions | undefined,
  ) => {
    const value = await read<unknown>(path, query, callOptions);
    if (Array.isArray(value)) return value as T[];
    throw new VergeInvalidResponseError({
      status: 200,
      message: `VergeOS answered a list request with ${value === undefined ? 'no body' : 'something not an array'}`,
      body: '',
      method: 'GET',
      path: path + buildQuery(query),
    });
  };

  const machineStatusList = async (listOptions: MachineStatusListOptions = {}) =>
    readList<MachineStatus>(
      '/api/v4/machine_status',
      listQuery(listOptions, MACHINE_STATUS_FIELDS.join(',')),
      listOptions,
    );

  const vmsGet = async <T extends object = VmRow>(key: VmKey, getOptions: FieldsOptions = {}) =>
    read<T>(
      `/api/v4/vms/${toKey(key, 'VM key')}`,
      { fields: fieldsParam(getOptions.fields) ?? DEFAULT_VM_FIELDS.join(',') },
      getOptions,
    );

  const send = async (input: ActionInput, callOptions?: CallOptions): Promise<ActionReceipt> => {
    const body: VmActionRequest = {
      vm: toKey(input.vm, 'VM key'),
      action: input.action,
      params: input.params ?? {},
    };
    // retry: false. An action is sent once: after a network error, a timeout or a 5xx VergeOS may have acted on it.
    return transport.request<ActionReceipt>({
      method: 'POST',
      path: '/api/v4/vm_actions',
      body,
      retry: false,
      ...call(callOptions),
    });
  };

  const client: VergeClient = {
    baseUrl: transport.baseUrl,
    vms: {
      async list<T extends object = VmRow>(listOptions: VmListOptions = {}): Promise<T[]> {
        const notSnapshots = listOptions.includeSnapshots ? undefined : f.eq('is_snapshot', false);
        const query = listQuery(listOptions, DEFAULT_VM_FIELDS.join(','), notSnapshots);
        return readList<T>('/api/v4/vms', query, listOptions);
      },
      get: vmsGet,
    },
    machineStatus: {
      get: async (machineKey, getOptions = {}) =>
        read<MachineStatus>(
          `/api/v4/machine_status/${toKey(machineKey, 'machine key')}`,
          { fields: fieldsParam(getOptions.fields) ?? MACHINE_STATUS_FIELDS.join(',') },
          getOptions,
        ),
      list: machineStatusList,
    },
    nodes: {
      list: async (listOptions = {}) =>
        readList<NodeRow>('/api/v4/nodes', listQuery(listOptions, undefined), listOptions),
    },
    actions: {
      powerOn: (vm, o) =>
        send(
          {
            vm,
            action: 'poweron',
            params: o?.preferredNode === undefined ? {} : { preferred_node: o.preferredNode },
          },
          o,
        ),
      powerOff: (vm, o) => send({ vm, action: 'poweroff' }, o),
      kill: (vm, o) => send({ vm, action: 'kill' }, o),
      reset: (vm, o) => send({ vm, action: 'reset', params: o?.graceful ? { graceful: true } : {} }, o),
      hibernate: (vm, o) => send({ vm, action: 'hibernate' }, o),
      send,
    },
    waitForPowerState: (vm, desired, waitOptions) =>
      waitForPowerState(
        {
          async machineKeyOf(key, callOptions) {
            const row = await vmsGet<{ $key: number; machine: number }>(key, {
              ...callOptions,
              fields: '$key,machine',
            });
            return toKey(row.machine, 'machine key');
          },
          async statusOf(machineKey, callOptions) {
            // The filter form (what real SDKs use) works even where a status row's $key is not the machine key.
            const query = { fields: POLL_FIELDS, filter: f.eq('machine', machineKey).text };
            const rows = await readList<MachineStatus>('/api/v4/machine_status', query, callOptions);
            const row = rows.find((r) => r.machine === machineKey) ?? rows[0];
            if (!row) {
              throw new VergeNotFoundError({
                status: 404,
                message: `no machine_status for machine ${machineKey}`,
                body: '[]',
                method: 'GET',
                path: `/api/v4/machine_status${buildQuery(query)}`,
              });
            }
            return row;
          },
        },
        vm,
        desired,
        waitOptions,
      ),
    logout: () => transport.logout(),
    close: () => transport.close(),
  };
  return client;
}
