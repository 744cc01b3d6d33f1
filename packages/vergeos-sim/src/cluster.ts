// The simulated cluster: nodes, VMs and their machines, power actions with placement and capacity, and
// the lazy evaluation of transitions. No timers: each request first calls `tick()`, which finishes every
// transition whose time has come, looking only at the machines that are in one.

import { epochSeconds, type Clock } from './clock';
import { VergeError, invalidArgument, notFound } from './errors';
import type { Fleet, GuestBehaviour, NodeSpec, VmSpec } from './fleet';
import {
  advance,
  applyPlan,
  isPowered,
  planAction,
  type MachineRuntime,
  type MachineStatus,
  type PowerAction,
} from './machine';
import { place, type NodeRoom } from './placement';
import { hibernateMs, START_MS } from './timings';

export type Row = Readonly<Record<string, unknown>>;

interface NodeState {
  readonly spec: NodeSpec;
  row: Row;
  cores: number;
  vmRam: number;
  usedCores: number;
  usedRam: number;
}

interface VmState {
  readonly spec: VmSpec;
  row: Row;
  guest: GuestBehaviour;
  readonly machine: MachineState;
}

export interface MachineState {
  readonly key: number;
  readonly name: string;
  /** The VM this machine belongs to, or null for a node's own machine. */
  vm: VmState | null;
  /** The node this machine is, for a node's own machine. */
  readonly ofNode: NodeState | null;
  runtime: MachineRuntime;
  /** The node resources this machine holds, kept in step with runtime.node by `sync`. */
  held: { node: number; cores: number; ram: number } | null;
  /** Cached machine_status row; cleared whenever the runtime changes. */
  statusRow: Row | undefined;
}

export interface ActionRequest {
  vm: number;
  action: PowerAction;
  /** reset: graceful (guest reboot) instead of hard. */
  graceful: boolean;
  /** poweron: params.preferred_node. */
  preferredNode: number | null;
}

/** Scenario effects on actions. */
export interface ActionEffects {
  ignoreAcpi?: boolean;
  /** Accept poweron, then fail the start with this status_info. */
  startFailure?: string;
  /** Every node is full. */
  noCapacity?: boolean;
}

interface Receipt {
  location: string;
  dbpath: string;
  $row: 1;
  $key: string;
}

/** Fields a test may set on a VM with `PUT /__sim/vms/:key`. */
interface VmPatch {
  status?: MachineStatus;
  node?: number | null;
  status_info?: string;
  guest_agent?: boolean;
  ignores_acpi?: boolean;
  start_failure?: string | null;
  shutdown_seconds?: number;
  preferred_node?: number | null;
}

interface NodePatch {
  cores?: number;
  vm_ram?: number;
}

export class Cluster {
  readonly nodes = new Map<number, NodeState>();
  readonly vms = new Map<number, VmState>();
  readonly machines = new Map<number, MachineState>();
  /** VMs in $key order. */
  vmList: VmState[] = [];
  /** Nodes in $key order. */
  nodeList: NodeState[] = [];
  /** Machines in $key order. */
  machineList: MachineState[] = [];
  private readonly transitioning = new Set<MachineState>();
  private actionCount = 0;

  constructor(
    private readonly fleet: Fleet,
    private readonly clock: Clock,
    readonly timeScale: number,
  ) {
    this.reset();
  }

  now(): number {
    return this.clock();
  }

  /** Back to the seeded state. */
  reset(): void {
    this.nodes.clear();
    this.vms.clear();
    this.machines.clear();
    this.transitioning.clear();
    this.actionCount = 0;
    const nodeStarted = epochSeconds(this.fleet.epochMs) - 40 * 86400;
    for (const spec of this.fleet.nodes) {
      const node: NodeState = {
        spec,
        row: spec.row,
        cores: spec.cores,
        vmRam: spec.vmRam,
        usedCores: 0,
        usedRam: 0,
      };
      this.nodes.set(spec.key, node);
      this.machines.set(spec.machine, {
        key: spec.machine,
        name: spec.name,
        vm: null,
        ofNode: node,
        runtime: {
          status: 'running',
          statusInfo: '',
          node: spec.key,
          started: nodeStarted,
          lastUpdate: epochSeconds(this.fleet.epochMs),
          runningCores: spec.cores,
          runningRam: spec.vmRam,
          phase: null,
        },
        held: null,
        statusRow: undefined,
      });
    }
    for (const spec of this.fleet.vms) {
      const machine: MachineState = {
        key: spec.machine,
        name: spec.name,
        vm: null,
        ofNode: null,
        runtime: { ...spec.initial, phase: null },
        held: null,
        statusRow: undefined,
      };
      const vm: VmState = { spec, row: spec.row, guest: { ...spec.guest }, machine };
      machine.vm = vm;
      this.vms.set(spec.key, vm);
      this.machines.set(spec.machine, machine);
      this.sync(machine);
    }
    this.vmList = [...this.vms.values()].sort((a, b) => a.spec.key - b.spec.key);
    this.nodeList = [...this.nodes.values()].sort((a, b) => a.spec.key - b.spec.key);
    this.machineList = [...this.machines.values()].sort((a, b) => a.key - b.key);
  }

  /** Finishes every transition that is due. Cheap: looks only at machines in transition. */
  tick(): void {
    if (this.transitioning.size === 0) return;
    const now = this.clock();
    for (const m of this.transitioning) {
      if (advance(m.runtime, now, this.timeScale)) this.changed(m);
      if (!m.runtime.phase) this.transitioning.delete(m);
    }
  }

  /** Number of machines in a transition (for tests and the control API). */
  get inTransition(): number {
    return this.transitioning.size;
  }

  /** Runs a power action; answers the receipt or throws a VergeError (404, 409, 422, 507). */
  act(req: ActionRequest, effects: ActionEffects = {}): Receipt {
    this.tick();
    const vm = this.vms.get(req.vm);
    if (!vm) throw notFound(`VM not found: no row in 'vms' with $key ${req.vm}`);
    if (req.preferredNode !== null && !this.nodes.has(req.preferredNode))
      throw invalidArgument(`value '${req.preferredNode}' is not a valid node for field 'preferred_node'`);
    const m = vm.machine;
    const plan = planAction(m.runtime, req.action, {
      graceful: req.graceful,
      ignoresAcpi: vm.guest.ignoresAcpi || effects.ignoreAcpi === true,
      isSnapshot: vm.spec.isSnapshot,
    });
    if (plan.kind === 'conflict') throw new VergeError(409, plan.err, plan.error);
    const now = this.clock();
    let node: number | undefined;
    if (plan.kind === 'start') {
      const configured = vm.row.preferred_node;
      const preferred = req.preferredNode ?? (typeof configured === 'number' ? configured : null);
      const placement = place(this.rooms(effects.noCapacity === true), vm.spec, preferred);
      if (!placement.ok)
        throw new VergeError(
          507,
          `Error starting machine: Insufficient resources to start VM '${vm.spec.name}': ${placement.reason}`,
          'Insufficient cluster resources to start VM',
        );
      node = placement.node;
    }
    applyPlan(m.runtime, plan, {
      now,
      timeScale: this.timeScale,
      shutdownMs: vm.guest.shutdownMs,
      cores: vm.spec.cores,
      ram: vm.spec.ram,
      ...(node === undefined ? {} : { node }),
      ...((effects.startFailure ?? vm.guest.startFailure) === undefined
        ? {}
        : { failWith: effects.startFailure ?? vm.guest.startFailure }),
    });
    if (plan.kind !== 'nothing') this.changed(m);
    this.actionCount += 1;
    const n = String(this.actionCount);
    return { location: `/vm_actions/${n}`, dbpath: `vm_actions/${n}`, $row: 1, $key: n };
  }

  /** Free room on each node (none at all under the no-capacity scenario). */
  rooms(full = false): NodeRoom[] {
    return this.nodeList.map((n) => ({
      key: n.spec.key,
      name: n.spec.name,
      freeCores: full ? 0 : n.cores - n.usedCores,
      freeRam: full ? 0 : n.vmRam - n.usedRam,
    }));
  }

  /** Sets a VM's state directly (`PUT /__sim/vms/:key`). Throws 404 or 422. */
  setVm(key: number, patch: VmPatch): void {
    this.tick();
    const vm = this.vms.get(key);
    if (!vm) throw notFound(`VM not found: no row in 'vms' with $key ${key}`);
    const checkNode = (n: number | null | undefined) => {
      if (n !== null && n !== undefined && !this.nodes.has(n))
        throw invalidArgument(`value '${n}' is not a valid node for field 'node'`);
    };
    checkNode(patch.node);
    if (
      patch.preferred_node !== undefined &&
      patch.preferred_node !== null &&
      !this.nodes.has(patch.preferred_node)
    )
      throw invalidArgument(`value '${patch.preferred_node}' is not a valid node for field 'preferred_node'`);
    const rt = vm.machine.runtime;
    const target = patch.status ?? rt.status;
    if (isPowered(target)) {
      if (vm.spec.isSnapshot) throw invalidArgument('a snapshot cannot be powered on');
      if (patch.node === null) throw invalidArgument(`status '${target}' needs a node`);
    } else if (patch.node !== undefined && patch.node !== null) {
      throw invalidArgument(`status '${target}' cannot have a node`);
    }

    // Everything is valid: apply.
    const now = this.clock();
    const stamp = epochSeconds(now);
    if (patch.guest_agent !== undefined) {
      vm.row = { ...vm.row, guest_agent: patch.guest_agent };
      vm.guest.agentInstalled = patch.guest_agent;
    }
    if (patch.ignores_acpi !== undefined) vm.guest.ignoresAcpi = patch.ignores_acpi;
    if (patch.start_failure !== undefined) {
      if (patch.start_failure === null) delete vm.guest.startFailure;
      else vm.guest.startFailure = patch.start_failure;
    }
    if (patch.shutdown_seconds !== undefined) vm.guest.shutdownMs = patch.shutdown_seconds * 1000;
    if (patch.preferred_node !== undefined) vm.row = { ...vm.row, preferred_node: patch.preferred_node };
    if (patch.status !== undefined || patch.node !== undefined) {
      const wasPowered = isPowered(rt.status);
      if (isPowered(target)) {
        rt.node = patch.node ?? rt.node ?? this.anyNode(vm.spec);
        if (!wasPowered) {
          rt.started = stamp;
          rt.runningCores = vm.spec.cores;
          rt.runningRam = vm.spec.ram;
        }
      } else {
        rt.node = null;
      }
      if (patch.status !== undefined) {
        rt.status = target;
        rt.phase = this.phaseFor(target, now, vm);
        if (rt.phase) this.transitioning.add(vm.machine);
        else this.transitioning.delete(vm.machine);
        if (patch.status_info === undefined)
          rt.statusInfo =
            target === 'error' ? rt.statusInfo || 'Error starting machine (set by the simulator)' : '';
      }
      rt.lastUpdate = stamp;
    }
    if (patch.status_info !== undefined) {
      rt.statusInfo = patch.status_info;
      rt.lastUpdate = stamp;
    }
    this.changed(vm.machine);
  }

  /** Changes a node's capacity (`PUT /__sim/nodes/:key`). */
  setNode(key: number, patch: NodePatch): void {
    const node = this.nodes.get(key);
    if (!node) throw notFound(`Node not found: no row in 'nodes' with $key ${key}`);
    if (patch.cores !== undefined) node.cores = patch.cores;
    if (patch.vm_ram !== undefined) node.vmRam = patch.vm_ram;
    node.row = { ...node.row, cores: node.cores, vm_ram: node.vmRam, ram: node.vmRam + 32768 };
  }

  private phaseFor(status: MachineStatus, now: number, vm: VmState): MachineRuntime['phase'] {
    const scale = this.timeScale;
    switch (status) {
      case 'starting':
        return { until: now + START_MS * scale, then: 'running' };
      case 'stopping':
        return { until: now + vm.guest.shutdownMs * scale, then: 'stopped' };
      case 'hibernating':
        return { until: now + hibernateMs(vm.spec.ram) * scale, then: 'hibernated' };
      default:
        return null;
    }
  }

  /** A node for a machine put into a running state by hand: one with room, else the emptiest. */
  private anyNode(spec: VmSpec): number {
    const placement = place(this.rooms(), spec, null);
    if (placement.ok) return placement.node;
    let best = this.nodeList[0];
    for (const n of this.nodeList) if (best && n.vmRam - n.usedRam > best.vmRam - best.usedRam) best = n;
    if (!best) throw new Error('the cluster has no nodes');
    return best.spec.key;
  }

  /** Records that a machine's runtime changed: resource accounting, cached row, transition set. */
  private changed(m: MachineState): void {
    this.sync(m);
    m.statusRow = undefined;
    if (m.runtime.phase) this.transitioning.add(m);
  }

  /** Keeps the node usage counters in step with where the machine runs. */
  private sync(m: MachineState): void {
    const rt = m.runtime;
    if (m.held && m.held.node !== rt.node) {
      const node = this.nodes.get(m.held.node);
      if (node) {
        node.usedCores -= m.held.cores;
        node.usedRam -= m.held.ram;
      }
      m.held = null;
    }
    if (!m.held && rt.node !== null && m.vm) {
      const node = this.nodes.get(rt.node);
      if (node) {
        m.held = { node: rt.node, cores: rt.runningCores, ram: rt.runningRam };
        node.usedCores += rt.runningCores;
        node.usedRam += rt.runningRam;
      }
    }
  }
}
