// The seeded fleet: nodes, VMs (with snapshots) and the power state each machine starts in.
// Everything here is a pure function of (vms, nodes, seed, epoch), so `reset` can rebuild it exactly.

import { epochSeconds } from './clock';
import type { MachineRuntime } from './machine';
import { createRandom, pick, randomInt, type Random } from './random';
import { GUEST_SHUTDOWN_MAX_MS, GUEST_SHUTDOWN_MIN_MS } from './timings';

type OsFamily = 'linux' | 'windows' | 'freebsd' | 'other';

/** The power states a machine can be seeded in (transitional ones only arise from actions). */
type SeedStatus = 'running' | 'stopped' | 'hibernated' | 'error';

/** How the simulated guest behaves; not a VergeOS column. */
export interface GuestBehaviour {
  /** The guest's OS ignores ACPI power-button events: poweroff and graceful reset do nothing. */
  ignoresAcpi: boolean;
  /** How long the guest takes to shut down after an ACPI event, at time scale 1. */
  shutdownMs: number;
  /** A guest agent is installed and reports once the guest runs (needs `guest_agent` enabled on the VM). */
  agentInstalled: boolean;
  /** Set by a test: the guest's starts are accepted, then fail into `error` with this status_info. */
  startFailure?: string;
}

/** A machine's runtime as seeded: a settled status and no transition under way. */
type SeedRuntime = Omit<MachineRuntime, 'status' | 'phase'> & { status: SeedStatus };

export interface VmSpec {
  key: number;
  machine: number;
  name: string;
  isSnapshot: boolean;
  cores: number;
  ram: number;
  osFamily: OsFamily;
  /** The VM's stored columns, as `GET /api/v4/vms/<key>?fields=all` shows them. */
  row: Readonly<Record<string, unknown>>;
  guest: GuestBehaviour;
  initial: SeedRuntime;
}

export interface NodeSpec {
  key: number;
  name: string;
  machine: number;
  /** Cores the node can give to VMs. */
  cores: number;
  /** RAM (MB) the node can give to VMs. */
  vmRam: number;
  row: Readonly<Record<string, unknown>>;
}

export interface Fleet {
  readonly epochMs: number;
  readonly nodes: readonly NodeSpec[];
  /** VMs and snapshots, in $key order. */
  readonly vms: readonly VmSpec[];
}

interface FleetOptions {
  vms: number;
  nodes: number;
  seed: number;
  /** "Now" when the fleet is built: uptimes are counted back from it. */
  epochMs: number;
}

export const MAX_VMS = 10000;
export const MAX_NODES = 32;
export const VERSION = '26.1.3';

/** The guide's "test" VM: VM 42 on machine 54, exactly as the power guide shows it. */
export const GUIDE_VM_KEY = 42;
export const GUIDE_MACHINE_KEY = 54;

const GUIDE_VM_ROW = {
  $key: 42,
  name: 'test',
  machine: 54,
  description: 'test vm',
  enabled: true,
  created: 1755991665,
  modified: 1755993248,
  is_snapshot: false,
  machine_type: 'pc-q35-9.0',
  allow_hotplug: true,
  guest_agent: true,
  cpu_cores: 3,
  cpu_type: 'host',
  ram: 16384,
  console: 'spice',
  video: 'qxl',
  sound: 'none',
  os_family: 'linux',
  rtc_base: 'utc',
  boot_order: 'cd',
  console_pass_enabled: false,
  usb_tablet: true,
  uefi: true,
  secure_boot: false,
  serial_port: false,
  boot_delay: 5,
  uuid: '821e96ec-2479-7cc4-7c14-c623557bdd2b',
  need_restart: false,
  console_status: 42,
  cloudinit_datasource: 'none',
  imported: false,
  created_from: 'custom',
  migration_method: 'auto',
  note: 'This is a test VM',
  power_cycle_timeout: 0,
  allow_export: true,
  creator: 'admin',
  nested_virtualization: true,
  disable_hypervisor: true,
  usb_legacy: false,
} as const;

/** The guide's machine_status for machine 54: stopped, last run with 3 cores and 16 GB. */
const GUIDE_RUNTIME: SeedRuntime = {
  status: 'stopped',
  statusInfo: '',
  node: null,
  started: 1755993338,
  lastUpdate: 1755993358,
  runningCores: 3,
  runningRam: 16384,
};

/** Columns of `vms` beyond `fields=most` (what `fields=all` adds). */
function extraVmColumns(os: OsFamily, osDescription: string): Record<string, unknown> {
  return {
    owner: null,
    owner_user: null,
    cluster: 1,
    cluster_failover: null,
    iommu: false,
    os_description: osDescription,
    preferred_node: null,
    ha_group: null,
    snapshot_profile: null,
    on_power_loss: 'last_state',
    console_pass: '',
    disable_powercycle: false,
    advanced: '',
    meta: null,
    paste_key_config: null,
    display: os === 'windows' ? 'vga' : '',
  };
}

interface Role {
  prefix: string;
  os: OsFamily;
  description: string;
  osDescription: string;
}

const ROLES: readonly Role[] = [
  { prefix: 'web', os: 'linux', description: 'Web front end', osDescription: 'Ubuntu 24.04 LTS' },
  { prefix: 'api', os: 'linux', description: 'API server', osDescription: 'Debian 12' },
  { prefix: 'db', os: 'linux', description: 'PostgreSQL database', osDescription: 'Rocky Linux 9.4' },
  { prefix: 'cache', os: 'linux', description: 'Redis cache', osDescription: 'Debian 12' },
  { prefix: 'mq', os: 'linux', description: 'Message queue', osDescription: 'Ubuntu 22.04 LTS' },
  { prefix: 'build', os: 'linux', description: 'CI build agent', osDescription: 'Ubuntu 24.04 LTS' },
  { prefix: 'mon', os: 'linux', description: 'Monitoring', osDescription: 'Debian 12' },
  { prefix: 'k8s', os: 'linux', description: 'Kubernetes worker', osDescription: 'Talos Linux 1.8' },
  { prefix: 'dc', os: 'windows', description: 'Domain controller', osDescription: 'Windows Server 2022' },
  { prefix: 'sql', os: 'windows', description: 'SQL Server', osDescription: 'Windows Server 2022' },
  { prefix: 'rds', os: 'windows', description: 'Remote desktop host', osDescription: 'Windows Server 2019' },
  { prefix: 'file', os: 'windows', description: 'File server', osDescription: 'Windows Server 2025' },
  { prefix: 'fw', os: 'freebsd', description: 'Firewall', osDescription: 'FreeBSD 14.1' },
  { prefix: 'nas', os: 'freebsd', description: 'Storage appliance', osDescription: 'FreeBSD 14.1' },
  { prefix: 'appliance', os: 'other', description: 'Vendor appliance', osDescription: 'Other' },
  { prefix: 'legacy', os: 'other', description: 'Legacy system', osDescription: 'Other' },
];

const ERROR_INFO: readonly string[] = [
  "Error starting machine: drive 'disk0' could not be attached: media file not found",
  'Error starting machine: PCI device 0000:3b:00.0 is not available on any node',
  'Error starting machine: qemu exited with code 1 (invalid machine type)',
];

/** Traits forced on the first non-guide VMs so even a small fleet shows every case. */
interface Showcase {
  role: string;
  status: SeedStatus;
  agent: boolean;
  ignoresAcpi: boolean;
}

const SHOWCASE: readonly Showcase[] = [
  { role: 'web', status: 'running', agent: true, ignoresAcpi: false },
  { role: 'dc', status: 'running', agent: true, ignoresAcpi: false },
  { role: 'fw', status: 'running', agent: false, ignoresAcpi: true },
  { role: 'db', status: 'stopped', agent: false, ignoresAcpi: false },
  { role: 'api', status: 'error', agent: true, ignoresAcpi: false },
  { role: 'rds', status: 'hibernated', agent: true, ignoresAcpi: false },
  { role: 'appliance', status: 'running', agent: false, ignoresAcpi: true },
  { role: 'sql', status: 'stopped', agent: true, ignoresAcpi: false },
];

function uuid(random: Random): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}

function coresAndRam(random: Random, os: OsFamily): { cores: number; ram: number } {
  const cores = pick(random, os === 'windows' ? [2, 4, 4, 8] : [1, 2, 2, 4, 4, 8, 16]);
  const perCore = pick(random, os === 'windows' ? [4096, 4096, 8192] : [1024, 2048, 2048, 4096]);
  return { cores, ram: Math.min(65536, cores * perCore) };
}

function roundUp(value: number, step: number): number {
  return Math.max(step, Math.ceil(value / step) * step);
}

interface Draft {
  key: number;
  machine: number;
  name: string;
  role: Role;
  cores: number;
  ram: number;
  agent: boolean;
  guestAgentEnabled: boolean;
  ignoresAcpi: boolean;
  shutdownMs: number;
  status: SeedStatus;
  created: number;
  uuid: string;
  snapshotOf?: Draft;
}

/** Allocates increasing keys with occasional gaps (deleted rows), never one in `avoid`. */
function keyAllocator(random: Random, start: number, avoid: (k: number) => boolean) {
  let next = start;
  return () => {
    while (avoid(next)) next += 1;
    const key = next;
    next += random() < 0.25 ? 2 : 1;
    return key;
  };
}

export function generateFleet(options: FleetOptions): Fleet {
  const { vms: vmCount, nodes: nodeCount, seed, epochMs } = options;
  const random = createRandom(seed, 'fleet');
  const now = epochSeconds(epochMs);

  // Keys: VM keys start at 1 with gaps; machine keys start after the nodes' own machines.
  const nextVmKey = keyAllocator(random, 1, (k) => k === GUIDE_VM_KEY);
  const usedMachines = new Set<number>([GUIDE_MACHINE_KEY]);
  let machineCursor = nodeCount + 1;
  const nextMachineKey = (vmKey: number) => {
    while (usedMachines.has(machineCursor) || machineCursor === vmKey) machineCursor += 1;
    const key = machineCursor;
    usedMachines.add(key);
    machineCursor += random() < 0.25 ? 2 : 1;
    return key;
  };
  /**
   * A snapshot of `source`: a later row of `vms` (so a higher key) with a machine of its own, stopped.
   * `takenAfter` gives its age difference in seconds; it is called after the keys are drawn, so the seeded
   * random sequence (and with it every fleet) stays as it was.
   */
  const snapshotDraft = (source: Draft, takenAfter: () => number): Draft => {
    const key = nextVmKey();
    const machine = nextMachineKey(key);
    return {
      ...source,
      key,
      machine,
      name: `${source.name}-snap`,
      status: 'stopped',
      created: source.created + takenAfter(),
      uuid: uuid(random),
      snapshotOf: source,
    };
  };

  const nameCounts = new Map<string, number>();
  const nameFor = (prefix: string) => {
    const n = (nameCounts.get(prefix) ?? 0) + 1;
    nameCounts.set(prefix, n);
    return `${prefix}-${String(n).padStart(2, '0')}`;
  };

  const drafts: Draft[] = [];
  const snapshotCount = Math.ceil(vmCount / 8);
  const baseCount = vmCount - 1; // the guide's VM is always there
  for (let i = 0; i < baseCount; i += 1) {
    const show = SHOWCASE[i];
    const role = show
      ? (ROLES.find((r) => r.prefix === show.role) ?? pick(random, ROLES))
      : pick(random, ROLES);
    const { cores, ram } = coresAndRam(random, role.os);
    const agentShare = { linux: 0.6, windows: 0.8, freebsd: 0.2, other: 0 }[role.os];
    const agent = show ? show.agent : random() < agentShare;
    const ignoresAcpi = show ? show.ignoresAcpi : random() < 0.1;
    const [minS, maxS] =
      role.os === 'windows'
        ? [20000, GUEST_SHUTDOWN_MAX_MS]
        : role.os === 'other'
          ? [10000, 40000]
          : [GUEST_SHUTDOWN_MIN_MS, 20000];
    const shutdownMs = randomInt(random, minS / 1000, maxS / 1000) * 1000;
    const r = random();
    const status: SeedStatus = show
      ? show.status
      : r < 0.6
        ? 'running'
        : r < 0.9
          ? 'stopped'
          : r < 0.95
            ? 'hibernated'
            : 'error';
    const key = nextVmKey();
    drafts.push({
      key,
      machine: nextMachineKey(key),
      name: nameFor(role.prefix),
      role,
      cores,
      ram,
      agent,
      guestAgentEnabled: agent || random() < 0.2,
      ignoresAcpi,
      shutdownMs,
      status,
      created: now - randomInt(random, 30, 400) * 86400 - randomInt(random, 0, 86399),
      uuid: uuid(random),
    });
    // Every eighth VM has a snapshot, taken later (so with a higher key).
    if (i % 8 === 7 && drafts.length > 0) {
      const source = drafts[drafts.length - 1 - randomInt(random, 0, Math.min(6, drafts.length - 1))];
      if (source && !source.snapshotOf) {
        drafts.push(snapshotDraft(source, () => randomInt(random, 1, 20) * 86400));
      }
    }
  }
  // Snapshots so far are one per eight VMs; make sure a small fleet has one too.
  let snaps = drafts.filter((d) => d.snapshotOf).length;
  while (snaps < snapshotCount) {
    const source = drafts.filter((d) => !d.snapshotOf)[snaps];
    if (!source) break;
    drafts.push(snapshotDraft(source, () => 86400));
    snaps += 1;
  }

  // Place the VMs that start out powered on, least-loaded node first, then size the nodes.
  const load = Array.from({ length: nodeCount }, () => ({ cores: 0, ram: 0 }));
  const placed = new Map<Draft, number>();
  for (const d of drafts) {
    if (d.snapshotOf || d.status !== 'running') continue;
    let best = 0;
    for (let n = 1; n < nodeCount; n += 1) {
      const candidate = load[n];
      const current = load[best];
      if (candidate && current && candidate.ram < current.ram) best = n;
    }
    const slot = load[best];
    if (slot) {
      slot.cores += d.cores;
      slot.ram += d.ram;
    }
    placed.set(d, best + 1);
  }
  const maxCores = Math.max(0, ...load.map((l) => l.cores));
  const maxRam = Math.max(0, ...load.map((l) => l.ram));
  const biggestCores = Math.max(GUIDE_VM_ROW.cpu_cores, ...drafts.map((d) => d.cores));
  const biggestRam = Math.max(GUIDE_VM_ROW.ram, ...drafts.map((d) => d.ram));
  // Room for every powered-on VM plus about a third more, and always for the largest VM on top:
  // some stopped VMs can start, but not all of them at once.
  const nodeCores = roundUp(Math.max(maxCores * 1.35, maxCores + biggestCores), 8);
  const nodeVmRam = roundUp(Math.max(maxRam * 1.35, maxRam + biggestRam), 16384);

  const nodes: NodeSpec[] = [];
  for (let n = 1; n <= nodeCount; n += 1) {
    nodes.push({
      key: n,
      name: `node${n}`,
      machine: n,
      cores: nodeCores,
      vmRam: nodeVmRam,
      row: {
        $key: n,
        name: `node${n}`,
        description: n <= 2 ? 'Controller node' : 'Compute node',
        model: 'Supermicro SYS-1029U-TN10RT',
        cpu: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
        cpu_speed: '2000',
        ram: nodeVmRam + 32768,
        vm_ram: nodeVmRam,
        overcommit: 0,
        failover_ram: 0,
        cores: nodeCores,
        physical: true,
        maintenance: false,
        iommu: true,
        need_restart: false,
        restart_reason: '',
        asset_tag: `SIM-${String(n).padStart(4, '0')}`,
        ipmi_address: `10.0.0.${10 + n}`,
        ipmi_status: 'online',
        vsan_nodeid: n - 1,
        vsan_connected: true,
        yb_version: VERSION,
        os_version: VERSION,
        kernel_version: '6.12.21-verge',
        appserver_version: VERSION,
        vsan_version: VERSION,
        qemu_version: '9.2.3',
        cluster: 1,
        machine: n,
        created: now - 400 * 86400,
        modified: now - 40 * 86400,
      },
    });
  }

  const vms: VmSpec[] = drafts.map((d) => toVmSpec(d, placed.get(d) ?? null, random, now));
  vms.push({
    key: GUIDE_VM_KEY,
    machine: GUIDE_MACHINE_KEY,
    name: 'test',
    isSnapshot: false,
    cores: GUIDE_VM_ROW.cpu_cores,
    ram: GUIDE_VM_ROW.ram,
    osFamily: 'linux',
    row: { ...GUIDE_VM_ROW, ...extraVmColumns('linux', 'Ubuntu 24.04 LTS') },
    guest: { ignoresAcpi: false, shutdownMs: 8000, agentInstalled: true },
    initial: { ...GUIDE_RUNTIME },
  });
  vms.sort((a, b) => a.key - b.key);
  return { epochMs, nodes, vms };
}

function toVmSpec(d: Draft, node: number | null, random: Random, now: number): VmSpec {
  const os = d.role.os;
  const isSnapshot = d.snapshotOf !== undefined;
  const modified = Math.min(now, d.created + randomInt(random, 0, 20) * 86400);
  const row: Record<string, unknown> = {
    $key: d.key,
    name: d.name,
    machine: d.machine,
    description: isSnapshot ? `Snapshot of ${d.snapshotOf?.name ?? ''}` : d.role.description,
    enabled: true,
    created: d.created,
    modified: isSnapshot ? d.created : modified,
    is_snapshot: isSnapshot,
    machine_type: os === 'windows' ? 'pc-q35-9.0' : pick(random, ['pc-q35-9.0', 'pc-i440fx-9.0']),
    allow_hotplug: true,
    guest_agent: d.guestAgentEnabled,
    cpu_cores: d.cores,
    cpu_type: 'host',
    ram: d.ram,
    console: pick(random, ['vnc', 'spice']),
    video: os === 'windows' ? 'qxl' : pick(random, ['std', 'virtio', 'qxl']),
    sound: 'none',
    os_family: os,
    rtc_base: os === 'windows' ? 'localtime' : 'utc',
    boot_order: 'cd',
    console_pass_enabled: false,
    usb_tablet: true,
    uefi: os === 'windows' || random() < 0.5,
    secure_boot: os === 'windows' && random() < 0.5,
    serial_port: os === 'freebsd',
    boot_delay: 5,
    uuid: d.uuid,
    need_restart: false,
    console_status: d.key,
    cloudinit_datasource: os === 'linux' && random() < 0.5 ? 'nocloud' : 'none',
    imported: false,
    created_from: isSnapshot ? 'clone' : pick(random, ['custom', 'custom', 'recipe', 'clone']),
    migration_method: 'auto',
    note: '',
    power_cycle_timeout: 0,
    allow_export: true,
    creator: 'admin',
    nested_virtualization: false,
    disable_hypervisor: false,
    usb_legacy: false,
    ...extraVmColumns(os, d.role.osDescription),
  };
  const everRan = !isSnapshot && d.status !== 'stopped' ? true : !isSnapshot && random() < 0.8;
  const started = everRan ? Math.max(d.created + 3600, now - randomInt(random, 3600, 90 * 86400)) : 0;
  const initial: SeedRuntime = {
    status: isSnapshot ? 'stopped' : d.status,
    statusInfo: d.status === 'error' && !isSnapshot ? pick(random, ERROR_INFO) : '',
    node: d.status === 'running' && !isSnapshot ? node : null,
    started,
    lastUpdate:
      d.status === 'running'
        ? now
        : everRan
          ? Math.min(now, started + randomInt(random, 60, 86400))
          : d.created,
    runningCores: everRan ? d.cores : 0,
    runningRam: everRan ? d.ram : 0,
  };
  return {
    key: d.key,
    machine: d.machine,
    name: d.name,
    isSnapshot,
    cores: d.cores,
    ram: d.ram,
    osFamily: os,
    row,
    guest: { ignoresAcpi: d.ignoresAcpi, shutdownMs: d.shutdownMs, agentInstalled: d.agent },
    initial,
  };
}
