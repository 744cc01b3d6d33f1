// The simulator's tables, as the query language sees them: vms, machines (internal), machine_status,
// nodes, and the small ones real clients join to (clusters, machine_stats) or read (system).
// Rows are stored objects, rebuilt only when something changes, so listing 10,000 VMs stays cheap.

import { epochSeconds } from './clock';
import type { Cluster, MachineState, Row } from './cluster';
import { VERSION } from './fleet';
import { isPowered, stateOf } from './machine';
import type { Catalog, TableSource } from './query/types';

/** Column order of machine_status, exactly the guide's. */
const MACHINE_STATUS_COLUMNS = [
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
] as const;

/** `fields=most` of vms, exactly the guide's. */
const VM_MOST_COLUMNS = [
  '$key',
  'name',
  'machine',
  'description',
  'enabled',
  'created',
  'modified',
  'is_snapshot',
  'machine_type',
  'allow_hotplug',
  'guest_agent',
  'cpu_cores',
  'cpu_type',
  'ram',
  'console',
  'video',
  'sound',
  'os_family',
  'rtc_base',
  'boot_order',
  'console_pass_enabled',
  'usb_tablet',
  'uefi',
  'secure_boot',
  'serial_port',
  'boot_delay',
  'uuid',
  'need_restart',
  'console_status',
  'cloudinit_datasource',
  'imported',
  'created_from',
  'migration_method',
  'note',
  'power_cycle_timeout',
  'allow_export',
  'creator',
  'nested_virtualization',
  'disable_hypervisor',
  'usb_legacy',
] as const;

const VM_ALL_COLUMNS = [
  ...VM_MOST_COLUMNS,
  'owner',
  'owner_user',
  'cluster',
  'cluster_failover',
  'iommu',
  'os_description',
  'preferred_node',
  'ha_group',
  'snapshot_profile',
  'on_power_loss',
  'console_pass',
  'disable_powercycle',
  'advanced',
  'meta',
  'paste_key_config',
  'display',
];

const VM_SUMMARY_COLUMNS = [
  '$key',
  'name',
  'description',
  'machine',
  'enabled',
  'is_snapshot',
  'cpu_cores',
  'ram',
  'os_family',
  'created',
  'modified',
];

const NODE_MOST_COLUMNS = [
  '$key',
  'name',
  'description',
  'model',
  'cpu',
  'cpu_speed',
  'ram',
  'vm_ram',
  'overcommit',
  'failover_ram',
  'cores',
  'physical',
  'maintenance',
  'iommu',
  'need_restart',
  'restart_reason',
  'asset_tag',
  'ipmi_address',
  'ipmi_status',
  'vsan_nodeid',
  'vsan_connected',
  'yb_version',
  'os_version',
  'kernel_version',
  'appserver_version',
  'vsan_version',
  'qemu_version',
  'cluster',
  'machine',
];

const MACHINE_COLUMNS = ['$key', 'name', 'type', 'cluster', 'ha_group', 'status', 'stats', 'created'];

const MACHINE_STATS_COLUMNS = [
  '$key',
  'machine',
  'total_cpu',
  'user_cpu',
  'system_cpu',
  'iowait_cpu',
  'vmusage_cpu',
  'irq_cpu',
  'ram_used',
  'ram_pct',
  'vram_used',
  'core_temp',
  'modified',
];

const SYSTEM_COLUMNS = ['$key', 'name', 'cloud_name', 'yb_version', 'os_version', 'uuid', 'created'];

/** A small deterministic hash of a key, for values that look live but are stable (CPU %, MAC addresses). */
function hash(key: number, salt: number): number {
  let h = Math.imul(key ^ 0x5bd1e995, 0x2f6b4c3d) ^ salt;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

interface AgentInfo {
  version: string;
  features: Record<string, boolean>;
  guestInfo: Record<string, unknown>;
}

/** What a guest agent reports: only while the guest runs, has an agent installed and enabled. */
function agentInfo(m: MachineState): AgentInfo | undefined {
  const vm = m.vm;
  if (!vm || m.runtime.status !== 'running' || !vm.guest.agentInstalled || vm.row.guest_agent !== true)
    return undefined;
  const os = vm.spec.osFamily;
  const h = hash(m.key, 7);
  const mac = `00:50:56:${[h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const osinfo =
    os === 'windows'
      ? {
          name: 'Microsoft Windows',
          'pretty-name': 'Windows Server 2022 Standard',
          version: '10.0.20348',
          id: 'mswindows',
        }
      : os === 'freebsd'
        ? { name: 'FreeBSD', 'pretty-name': 'FreeBSD 14.1-RELEASE', version: '14.1', id: 'freebsd' }
        : { name: 'Ubuntu', 'pretty-name': 'Ubuntu 24.04.1 LTS', version: '24.04', id: 'ubuntu' };
  return {
    version: os === 'windows' ? '107.0.1' : '8.2.2',
    features: { 'guest-shutdown': true, 'guest-exec': os !== 'windows', 'guest-fsfreeze-freeze': true },
    guestInfo: {
      hostname: vm.spec.name,
      osinfo,
      network: [
        {
          name: os === 'windows' ? 'Ethernet' : 'eth0',
          'hardware-address': mac,
          'ip-addresses': [
            {
              'ip-address-type': 'ipv4',
              'ip-address': `10.20.${(m.key >> 8) & 0xff}.${m.key & 0xff}`,
              prefix: 16,
            },
          ],
        },
      ],
      meminfo: { ram_total: vm.spec.ram, ram_used: Math.round(vm.spec.ram * (0.3 + (h % 50) / 100)) },
      last_refresh: m.runtime.lastUpdate,
    },
  };
}

/** The machine_status row of a machine, in the guide's column order. */
export function machineStatusRow(m: MachineState): Row {
  const rt = m.runtime;
  const powered = isPowered(rt.status);
  const agent = agentInfo(m);
  return {
    $key: m.key,
    machine: m.key,
    running: powered,
    migratable: true,
    node: rt.node,
    migrated_node: null,
    migration_destination: null,
    started: rt.started,
    local_time: 0,
    status: rt.status,
    status_info: rt.statusInfo,
    state: stateOf(rt.status),
    powerstate: powered,
    last_update: rt.lastUpdate,
    running_cores: rt.runningCores,
    running_ram: rt.runningRam,
    agent_version: agent?.version ?? '',
    agent_features: agent?.features ?? [],
    agent_guest_info: agent?.guestInfo ?? [],
  };
}

function statusRowOf(m: MachineState): Row {
  if (!m.statusRow) m.statusRow = machineStatusRow(m);
  return m.statusRow;
}

function machineStatsRow(cluster: Cluster, m: MachineState): Row {
  const rt = m.runtime;
  let totalCpu = 0;
  let ramUsed = 0;
  let vramUsed = 0;
  if (m.ofNode) {
    const node = m.ofNode;
    totalCpu = Math.min(100, Math.round((node.usedCores / Math.max(1, node.cores)) * 60) + 3);
    vramUsed = node.usedRam;
    ramUsed = node.usedRam + 8192;
  } else if (rt.status === 'running') {
    totalCpu = 2 + (hash(m.key, 1) % 55);
    ramUsed = Math.round(rt.runningRam * (0.3 + (hash(m.key, 2) % 60) / 100));
  }
  return {
    $key: m.key,
    machine: m.key,
    total_cpu: totalCpu,
    user_cpu: Math.round(totalCpu * 0.7),
    system_cpu: totalCpu - Math.round(totalCpu * 0.7),
    iowait_cpu: 0,
    vmusage_cpu: m.ofNode ? totalCpu : 0,
    irq_cpu: 0,
    ram_used: ramUsed,
    ram_pct: rt.runningRam > 0 ? Math.round((ramUsed / rt.runningRam) * 100) : 0,
    vram_used: vramUsed,
    core_temp: m.ofNode ? 45 + (hash(m.key, 3) % 20) : null,
    modified: epochSeconds(cluster.now()),
  };
}

function source(
  name: string,
  get: (key: number) => Row | undefined,
  rows: () => Iterable<Row>,
  fieldSets: TableSource['fieldSets'],
  references: Record<string, string>,
): TableSource {
  return { name, get, rows, fieldSets, references };
}

function* mapRows<T>(items: readonly T[], f: (item: T) => Row): Iterable<Row> {
  for (const item of items) yield f(item);
}

/** The catalog the query language reads. Tables read the cluster live: build it once per cluster. */
export function buildCatalog(cluster: Cluster, system: { cloudName: string; createdMs: number }): Catalog {
  const machineRows = new WeakMap<MachineState, Row>();
  const machineRow = (m: MachineState): Row => {
    let row = machineRows.get(m);
    if (!row) {
      row = {
        $key: m.key,
        name: m.name,
        type: m.ofNode ? 'node' : 'vm',
        cluster: 1,
        ha_group: null,
        status: m.key,
        stats: m.key,
        created: m.vm ? m.vm.row.created : m.ofNode?.row.created,
      };
      machineRows.set(m, row);
    }
    return row;
  };
  const clusterRow: Row = {
    $key: 1,
    name: 'Cluster1',
    description: 'Simulated cluster',
    enabled: true,
  };
  const systemRow: Row = {
    $key: 1,
    name: system.cloudName,
    cloud_name: system.cloudName,
    yb_version: VERSION,
    os_version: VERSION,
    uuid: '5f1c1a7e-6b0d-4c55-9a33-0d6f3c8e2b10',
    created: epochSeconds(system.createdMs) - 400 * 86400,
  };

  const tables: Record<string, TableSource> = {
    vms: source(
      'vms',
      (key) => cluster.vms.get(key)?.row,
      () => mapRows(cluster.vmList, (vm) => vm.row),
      { summary: VM_SUMMARY_COLUMNS, most: VM_MOST_COLUMNS, all: VM_ALL_COLUMNS },
      { machine: 'machines', cluster: 'clusters', preferred_node: 'nodes' },
    ),
    machines: source(
      'machines',
      (key) => {
        const m = cluster.machines.get(key);
        return m && machineRow(m);
      },
      () => mapRows(cluster.machineList, machineRow),
      { summary: MACHINE_COLUMNS, most: MACHINE_COLUMNS, all: MACHINE_COLUMNS },
      { status: 'machine_status', stats: 'machine_stats', cluster: 'clusters' },
    ),
    machine_status: source(
      'machine_status',
      (key) => {
        const m = cluster.machines.get(key);
        return m && statusRowOf(m);
      },
      () => mapRows(cluster.machineList, statusRowOf),
      { summary: MACHINE_STATUS_COLUMNS, most: MACHINE_STATUS_COLUMNS, all: MACHINE_STATUS_COLUMNS },
      { machine: 'machines', node: 'nodes', migrated_node: 'nodes', migration_destination: 'nodes' },
    ),
    machine_stats: source(
      'machine_stats',
      (key) => {
        const m = cluster.machines.get(key);
        return m && machineStatsRow(cluster, m);
      },
      () => mapRows(cluster.machineList, (m) => machineStatsRow(cluster, m)),
      { summary: MACHINE_STATS_COLUMNS, most: MACHINE_STATS_COLUMNS, all: MACHINE_STATS_COLUMNS },
      { machine: 'machines' },
    ),
    nodes: source(
      'nodes',
      (key) => cluster.nodes.get(key)?.row,
      () => mapRows(cluster.nodeList, (n) => n.row),
      {
        summary: [
          '$key',
          'name',
          'description',
          'cores',
          'ram',
          'vm_ram',
          'physical',
          'maintenance',
          'cluster',
          'machine',
        ],
        most: NODE_MOST_COLUMNS,
        all: [...NODE_MOST_COLUMNS, 'created', 'modified'],
      },
      { machine: 'machines', cluster: 'clusters' },
    ),
    clusters: source(
      'clusters',
      (key) => (key === 1 ? clusterRow : undefined),
      () => [clusterRow],
      {
        summary: ['$key', 'name'],
        most: ['$key', 'name', 'description', 'enabled'],
        all: ['$key', 'name', 'description', 'enabled'],
      },
      {},
    ),
    system: source(
      'system',
      (key) => (key === 1 ? systemRow : undefined),
      () => [systemRow],
      { summary: SYSTEM_COLUMNS, most: SYSTEM_COLUMNS, all: SYSTEM_COLUMNS },
      {},
    ),
  };
  return (table) => (Object.hasOwn(tables, table) ? tables[table] : undefined);
}
