// VergeOS rows -> the FleetSnapshot contract. An explicit mapping, field by field: nothing VergeOS adds to a row
// (or a future version adds) reaches a browser. Defensive: a missing or odd value becomes a neutral one, an unknown
// status becomes a known one (and is reported once by the poller), a row without a usable key is left out.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import {
  MACHINE_STATES,
  TRANSITIONAL_STATUSES,
  isPowerStatus,
  type MachineState,
  type PowerStatus,
} from '@powerdeck/contracts/power';

/**
 * The one VM request of a poll (`GET /api/v4/vms`, snapshots filtered out by the client): the VM's own columns and
 * its machine status joined through `machine#status#...`.
 */
export const POLL_VM_FIELDS: readonly string[] = [
  '$key',
  'name',
  'description',
  'machine',
  'cpu_cores',
  'ram',
  'os_family',
  'guest_agent',
  'machine#status#status as status',
  'machine#status#running as running',
  'machine#status#powerstate as powerstate',
  'machine#status#state as state',
  'machine#status#node as node',
  'machine#status#node#name as node_name',
  'machine#status#started as started',
  'machine#status#last_update as last_update',
  'machine#status#running_cores as running_cores',
  'machine#status#running_ram as running_ram',
  'machine#status#status_info as status_info',
  'machine#status#agent_version as agent_version',
];

/** The one node request of a poll (`GET /api/v4/nodes`): capacity for VMs is `cores` and `vm_ram`. */
export const POLL_NODE_FIELDS: readonly string[] = ['$key', 'name', 'cores', 'vm_ram', 'maintenance'];

type Row = Readonly<Record<string, unknown>>;

export interface MappedFleet {
  vms: FleetVm[];
  nodes: FleetNode[];
  /** Some VM is in a status that settles by itself (the poller ticks fast). */
  transitional: boolean;
  /** Odd things seen in VergeOS's answer, in words (the poller logs each once). */
  warnings: string[];
}

/** A non-negative integer from a number or a numeric string; otherwise null. */
function int(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.trunc(value) : null;
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) return Number(value);
  return null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function bool(value: unknown): boolean {
  return value === true || value === 1 || value === 'true';
}

function machineState(value: unknown): MachineState | null {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  return (MACHINE_STATES as readonly unknown[]).includes(v) ? (v as MachineState) : null;
}

/**
 * A status Powerdeck knows. An unknown or missing one is shown as `running` or `stopped` after the machine's
 * `running` flag, and says so in `statusInfo`.
 */
function powerStatus(
  raw: unknown,
  running: boolean,
): { status: PowerStatus; unknown: string | null; missing: boolean } {
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  if (isPowerStatus(v)) return { status: v, unknown: null, missing: false };
  const fallback: PowerStatus = running ? 'running' : 'stopped';
  if (typeof raw === 'string' && raw.trim() !== '') return { status: fallback, unknown: raw, missing: false };
  return { status: fallback, unknown: null, missing: true };
}

/** One VM row; null when it has no usable `$key`. */
function mapVm(row: Row, warn: (message: string) => void): FleetVm | null {
  const key = int(row.$key);
  if (key === null || key === 0) {
    warn('VergeOS sent a VM row without a usable $key; it is left out');
    return null;
  }
  const running = bool(row.running);
  const ps = powerStatus(row.status, running);
  let statusInfo = text(row.status_info);
  if (ps.unknown !== null) {
    const shown = JSON.stringify(ps.unknown.slice(0, 64));
    warn(`VergeOS reported status ${shown}, unknown to Powerdeck; shown as '${ps.status}'`);
    const note = `VergeOS reports status ${shown}, unknown to Powerdeck`;
    statusInfo = statusInfo ? `${note}: ${statusInfo}` : note;
  } else if (ps.missing) {
    warn(`VergeOS sent no machine status for some VMs; shown as '${ps.status}'`);
  }
  const agent = row.agent_version;
  return {
    key,
    machine: int(row.machine) ?? 0,
    name: typeof row.name === 'string' ? row.name : `VM ${key}`,
    description: text(row.description),
    osFamily: text(row.os_family),
    cpuCores: int(row.cpu_cores) ?? 0,
    ram: int(row.ram) ?? 0,
    guestAgent: bool(row.guest_agent),
    agentReporting: typeof agent === 'string' ? agent.trim() !== '' : false,
    status: ps.status,
    state: machineState(row.state),
    running,
    powerstate: bool(row.powerstate),
    node: int(row.node),
    nodeName: textOrNull(row.node_name),
    runningCores: int(row.running_cores) ?? 0,
    runningRam: int(row.running_ram) ?? 0,
    started: int(row.started),
    lastUpdate: int(row.last_update),
    statusInfo,
  };
}

/** One node row (without its usage, which is summed from the VMs); null when it has no usable `$key`. */
function mapNode(row: Row, warn: (message: string) => void): FleetNode | null {
  const key = int(row.$key);
  if (key === null || key === 0) {
    warn('VergeOS sent a node row without a usable $key; it is left out');
    return null;
  }
  return {
    key,
    name: typeof row.name === 'string' ? row.name : `node ${key}`,
    cores: int(row.cores) ?? 0,
    ram: int(row.vm_ram) ?? 0,
    runningCores: 0,
    runningRam: 0,
    runningVms: 0,
    maintenance: bool(row.maintenance),
  };
}

const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;

/**
 * The whole fleet from one VM answer and one node answer: VMs and nodes sorted by key (a stable body, so a stable
 * ETag), each node's running cores, RAM and VM count summed from the running VMs placed on it.
 */
export function mapFleet(vmRows: unknown, nodeRows: unknown): MappedFleet {
  const warnings = new Set<string>();
  const warn = (message: string) => warnings.add(message);
  const vms: FleetVm[] = [];
  const nodes: FleetNode[] = [];
  if (!Array.isArray(vmRows)) warn('VergeOS answered the VM list with something not a list');
  else
    for (const row of vmRows as unknown[]) {
      if (row === null || typeof row !== 'object') continue;
      const vm = mapVm(row as Row, warn);
      if (vm) vms.push(vm);
    }
  if (!Array.isArray(nodeRows)) warn('VergeOS answered the node list with something not a list');
  else
    for (const row of nodeRows as unknown[]) {
      if (row === null || typeof row !== 'object') continue;
      const node = mapNode(row as Row, warn);
      if (node) nodes.push(node);
    }
  vms.sort(byKey);
  nodes.sort(byKey);

  const nodeByKey = new Map(nodes.map((n) => [n.key, n]));
  let transitional = false;
  for (const vm of vms) {
    if (TRANSITIONAL_STATUSES.has(vm.status)) transitional = true;
    if (!vm.running || vm.node === null) continue;
    const node = nodeByKey.get(vm.node);
    if (!node) continue;
    // A running machine holds its running cores and RAM; the configured ones if VergeOS left those out.
    node.runningCores += vm.runningCores || vm.cpuCores;
    node.runningRam += vm.runningRam || vm.ram;
    node.runningVms += 1;
  }
  return { vms, nodes, transitional, warnings: [...warnings] };
}
