import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock';
import { Cluster } from '../src/cluster';
import { VergeError } from '../src/errors';
import { generateFleet, type Fleet } from '../src/fleet';
import { START_FAILURE_INFO } from '../src/scenarios';
import { buildCatalog, machineStatusRow } from '../src/tables';
import { KILL_MS, START_MS } from '../src/timings';
import { anyOf } from './helpers';

const EPOCH = Date.UTC(2026, 10, 29, 9, 0, 0);

/** A clock that starts at `startMs` and moves only when told to. */
interface ManualClock {
  readonly now: Clock;
  advance(ms: number): void;
  set(ms: number): void;
}

function manualClock(startMs: number): ManualClock {
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

function setup(vms = 24, nodes = 4, timeScale = 1) {
  const clock = manualClock(EPOCH);
  const fleet: Fleet = generateFleet({ vms, nodes, seed: 1, epochMs: EPOCH });
  const cluster = new Cluster(fleet, clock.now, timeScale);
  const status = (vmKey: number) => {
    cluster.tick();
    const vm = cluster.vms.get(vmKey);
    if (!vm) throw new Error(`no VM ${vmKey}`);
    return machineStatusRow(vm.machine);
  };
  const act = (vm: number, action: 'poweron' | 'poweroff' | 'kill' | 'reset' | 'hibernate', extra = {}) =>
    cluster.act({ vm, action, graceful: false, preferredNode: null, ...extra });
  const fail = (f: () => unknown): VergeError => {
    try {
      f();
    } catch (e) {
      if (e instanceof VergeError) return e;
      throw e;
    }
    throw new Error('expected a VergeError');
  };
  return { clock, cluster, status, act, fail };
}

const findVm = (cluster: Cluster, pred: (s: ReturnType<typeof machineStatusRow>, key: number) => boolean) => {
  for (const vm of cluster.vmList)
    if (!vm.spec.isSnapshot && pred(machineStatusRow(vm.machine), vm.spec.key)) return vm;
  throw new Error('no such VM');
};

describe('cluster actions', () => {
  it('poweron places the VM, holds its resources, answers the receipt, and runs about 3 s later', () => {
    const { cluster, clock, status, act } = setup();
    const freeBefore = cluster.rooms().reduce((s, r) => s + r.freeRam, 0);
    expect(act(42, 'poweron')).toEqual({
      location: '/vm_actions/1',
      dbpath: 'vm_actions/1',
      $row: 1,
      $key: '1',
    });
    const s = status(42);
    expect(s).toMatchObject({
      status: 'starting',
      running: true,
      powerstate: true,
      running_cores: 3,
      running_ram: 16384,
    });
    expect(s.node).toEqual(anyOf(Number));
    expect(s.started).toBe(EPOCH / 1000);
    expect(cluster.rooms().reduce((r, n) => r + n.freeRam, 0)).toBe(freeBefore - 16384);
    clock.advance(START_MS);
    expect(status(42)).toMatchObject({ status: 'running', state: 'online', agent_version: '8.2.2' });
    expect(act(42, 'kill').$key).toBe('2');
  });

  it('a stopped machine keeps started, running_cores and running_ram; its node is null; resources are freed', () => {
    const { cluster, clock, status, act } = setup();
    act(42, 'poweron');
    clock.advance(START_MS);
    const running = status(42);
    const freeBefore = cluster.rooms().reduce((s, r) => s + r.freeRam, 0);
    act(42, 'kill');
    clock.advance(KILL_MS);
    expect(status(42)).toMatchObject({
      status: 'stopped',
      running: false,
      powerstate: false,
      node: null,
      started: running.started,
      running_cores: 3,
      running_ram: 16384,
      agent_version: '',
      agent_guest_info: [],
    });
    expect(cluster.rooms().reduce((s, r) => s + r.freeRam, 0)).toBe(freeBefore + 16384);
  });

  it('409 for a wrong state, with the real and the guide text', () => {
    const { act, fail } = setup();
    const e = fail(() => act(42, 'poweroff'));
    expect(e.statusCode).toBe(409);
    expect(e.body).toEqual({
      err: "Error stopping machine: Machine is not running with status 'stopped'",
      error: 'Cannot power off VM: not in running state',
    });
    act(42, 'poweron');
    expect(fail(() => act(42, 'poweron')).body.err).toBe(
      "Error starting machine: Machine is already running with status 'starting'",
    );
    expect(fail(() => act(42, 'poweroff')).statusCode).toBe(409); // refused while starting
  });

  it('404 for an unknown VM; 422 for an unknown preferred node', () => {
    const { act, fail } = setup();
    expect(fail(() => act(99999, 'poweron')).statusCode).toBe(404);
    const e = fail(() => act(42, 'poweron', { preferredNode: 99 }));
    expect(e.statusCode).toBe(422);
  });

  it('an ACPI-ignoring guest stays running on poweroff and graceful reset; 201 all the same', () => {
    const { cluster, clock, status, act } = setup();
    const vm = cluster.vmList.find((v) => v.guest.ignoresAcpi && v.machine.runtime.status === 'running');
    if (!vm) throw new Error('fleet has no running ACPI-ignoring guest');
    expect(act(vm.spec.key, 'poweroff').$key).toBe('1');
    expect(act(vm.spec.key, 'reset', { graceful: true }).$key).toBe('2');
    clock.advance(3_600_000);
    expect(status(vm.spec.key).status).toBe('running');
    act(vm.spec.key, 'kill');
    clock.advance(KILL_MS);
    expect(status(vm.spec.key).status).toBe('stopped');
  });

  it('the acpi-ignored effect makes every guest ignore ACPI, even one that honours it', () => {
    const { cluster, clock, status, act } = setup();
    act(42, 'poweron');
    clock.advance(START_MS);
    const poweroff = { vm: 42, action: 'poweroff', graceful: false, preferredNode: null } as const;
    cluster.act(poweroff, { ignoreAcpi: true });
    cluster.act({ ...poweroff, action: 'reset', graceful: true }, { ignoreAcpi: true });
    clock.advance(120_000);
    expect(status(42).status).toBe('running');
    cluster.act(poweroff);
    expect(status(42).status).toBe('stopping');
    clock.advance(8000);
    expect(status(42).status).toBe('stopped');
  });

  it('start-fails: poweron accepted, starting, then error with status_info; resources released', () => {
    const { cluster, clock, status } = setup();
    const free = cluster.rooms().reduce((s, r) => s + r.freeRam, 0);
    cluster.act(
      { vm: 42, action: 'poweron', graceful: false, preferredNode: null },
      { startFailure: START_FAILURE_INFO },
    );
    expect(status(42).status).toBe('starting');
    clock.advance(START_MS);
    expect(status(42)).toMatchObject({
      status: 'error',
      state: 'error',
      status_info: START_FAILURE_INFO,
      running: false,
      node: null,
    });
    expect(cluster.rooms().reduce((s, r) => s + r.freeRam, 0)).toBe(free);
    // A later poweron from error works again.
    cluster.act({ vm: 42, action: 'poweron', graceful: false, preferredNode: null });
    clock.advance(START_MS);
    expect(status(42)).toMatchObject({ status: 'running', status_info: '' });
  });

  it('no-capacity: 507 saying what is short, nothing changes', () => {
    const { cluster, status, fail } = setup();
    const before = status(42);
    const e = fail(() =>
      cluster.act({ vm: 42, action: 'poweron', graceful: false, preferredNode: null }, { noCapacity: true }),
    );
    expect(e.statusCode).toBe(507);
    expect(e.body.error).toBe('Insufficient cluster resources to start VM');
    expect(e.body.err).toBe(
      "Error starting machine: Insufficient resources to start VM 'test': not enough free CPU cores (needs 3, at most 0 free on node1) and RAM (needs 16384 MB, at most 0 MB free on node1)",
    );
    expect(status(42)).toEqual(before);
    expect(cluster.act({ vm: 42, action: 'poweron', graceful: false, preferredNode: null }).$key).toBe('1');
  });

  it('real capacity: a full cluster answers 507 for RAM, and a freed node takes the VM', () => {
    const { cluster, act, fail, clock, status } = setup(24, 2);
    for (const n of cluster.nodeList) cluster.setNode(n.spec.key, { vm_ram: n.usedRam + 8192 });
    const e = fail(() => act(42, 'poweron'));
    expect(e.statusCode).toBe(507);
    expect(e.body.err).toMatch(/not enough free RAM \(needs 16384 MB, at most 8192 MB free on node\d\)$/);
    cluster.setNode(2, { vm_ram: 1_000_000 });
    act(42, 'poweron');
    clock.advance(START_MS);
    expect(status(42)).toMatchObject({ status: 'running', node: 2 });
  });

  it('preferred_node is honoured, and falls back to another node when it lacks room', () => {
    const { cluster, act, status } = setup();
    act(42, 'poweron', { preferredNode: 3 });
    expect(status(42).node).toBe(3);
    const other = findVm(cluster, (s) => s.status === 'stopped');
    const node3 = cluster.nodes.get(3);
    if (!node3) throw new Error('no node 3');
    cluster.setNode(3, { cores: node3.usedCores });
    act(other.spec.key, 'poweron', { preferredNode: 3 });
    expect(status(other.spec.key).node).not.toBe(3);
    expect(status(other.spec.key).status).toBe('starting');
  });

  it("the VM's configured preferred_node is used when the action names none", () => {
    const { cluster, act, status } = setup();
    cluster.setVm(42, { preferred_node: 4 });
    act(42, 'poweron');
    expect(status(42).node).toBe(4);
  });

  it('hibernate, then poweron resumes', () => {
    const { clock, status, act } = setup();
    act(42, 'poweron');
    clock.advance(START_MS);
    act(42, 'hibernate');
    expect(status(42)).toMatchObject({ status: 'hibernating', running: true });
    clock.advance(60_000);
    expect(status(42)).toMatchObject({ status: 'hibernated', running: false, powerstate: false, node: null });
    act(42, 'poweron');
    clock.advance(4000);
    expect(status(42).status).toBe('running');
  });

  it('graceful reset keeps the node and gives a new started', () => {
    const { clock, status, act } = setup();
    act(42, 'poweron');
    clock.advance(START_MS);
    const before = status(42);
    clock.advance(60_000);
    act(42, 'reset', { graceful: true });
    expect(status(42).status).toBe('stopping');
    clock.advance(8000);
    expect(status(42)).toMatchObject({ status: 'starting', node: before.node });
    clock.advance(3000);
    const after = status(42);
    expect(after).toMatchObject({ status: 'running', node: before.node });
    expect(after.started).toBeGreaterThan(before.started as number);
  });

  it('a snapshot cannot be started', () => {
    const { cluster, act, fail } = setup();
    const snap = cluster.vmList.find((v) => v.spec.isSnapshot);
    if (!snap) throw new Error('no snapshot');
    expect(fail(() => act(snap.spec.key, 'poweron')).statusCode).toBe(409);
  });

  it('time scale multiplies the timings', () => {
    const { clock, status, act } = setup(24, 4, 0.01);
    act(42, 'poweron');
    clock.advance(29);
    expect(status(42).status).toBe('starting');
    clock.advance(1);
    expect(status(42).status).toBe('running');
  });

  it('reset returns to the seeded state', () => {
    const { cluster, status, act } = setup();
    const before = cluster.vmList.map((v) => machineStatusRow(v.machine));
    act(42, 'poweron');
    cluster.setVm(1, { status: 'error', status_info: 'x' });
    cluster.reset();
    expect(cluster.vmList.map((v) => machineStatusRow(v.machine))).toEqual(before);
    expect(status(42).status).toBe('stopped');
    expect(act(42, 'poweron').$key).toBe('1');
  });

  it('a tick only looks at machines in transition', () => {
    const { cluster, act } = setup(10000, 8);
    expect(cluster.inTransition).toBe(0);
    act(42, 'poweron');
    expect(cluster.inTransition).toBe(1);
    const t = performance.now();
    for (let i = 0; i < 10000; i += 1) cluster.tick();
    expect(performance.now() - t).toBeLessThan(100);
  });
});

describe('setting a VM by hand', () => {
  it('running on a given node, with cores, RAM and started', () => {
    const { cluster, clock, status } = setup();
    clock.advance(5000);
    cluster.setVm(42, { status: 'running', node: 2 });
    expect(status(42)).toMatchObject({
      status: 'running',
      node: 2,
      running: true,
      started: EPOCH / 1000 + 5,
    });
  });
  it('starting goes on to running by itself', () => {
    const { cluster, clock, status } = setup();
    cluster.setVm(42, { status: 'starting' });
    clock.advance(START_MS);
    expect(status(42).status).toBe('running');
  });
  it('error with status_info', () => {
    const { cluster, status } = setup();
    cluster.setVm(42, { status: 'error', status_info: 'disk gone' });
    expect(status(42)).toMatchObject({ status: 'error', status_info: 'disk gone', node: null });
  });
  it('the guest agent on and off', () => {
    const { cluster, clock, status } = setup();
    cluster.setVm(42, { status: 'running', guest_agent: false });
    expect(status(42).agent_version).toBe('');
    expect(cluster.vms.get(42)?.row.guest_agent).toBe(false);
    cluster.setVm(42, { guest_agent: true });
    clock.advance(1);
    expect(status(42).agent_version).not.toBe('');
  });
  it('ACPI-ignoring on', () => {
    const { cluster, clock, status, act } = setup();
    cluster.setVm(42, { status: 'running', ignores_acpi: true });
    act(42, 'poweroff');
    clock.advance(120_000);
    expect(status(42).status).toBe('running');
  });
  it('refuses what makes no sense, changing nothing', () => {
    const { cluster, status, fail } = setup();
    const before = status(42);
    expect(fail(() => cluster.setVm(42, { status: 'stopped', node: 1 })).statusCode).toBe(422);
    expect(fail(() => cluster.setVm(42, { status: 'running', node: 99 })).statusCode).toBe(422);
    expect(fail(() => cluster.setVm(42, { status: 'running', node: null })).statusCode).toBe(422);
    expect(fail(() => cluster.setVm(4242, { status: 'running' })).statusCode).toBe(404);
    expect(status(42)).toEqual(before);
  });
});

describe('tables', () => {
  it('machine_status rows have exactly the guide keys, in order', () => {
    const { cluster } = setup();
    const catalog = buildCatalog(cluster, { cloudName: 'x', createdMs: EPOCH });
    const row = catalog('machine_status')?.get(54);
    expect(Object.keys(row ?? {})).toEqual([
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
    ]);
  });
  it('rows come in $key order and the internal machines table links VMs to their status', () => {
    const { cluster } = setup();
    const catalog = buildCatalog(cluster, { cloudName: 'x', createdMs: EPOCH });
    for (const t of ['vms', 'machines', 'machine_status', 'nodes']) {
      const keys = [...(catalog(t)?.rows() ?? [])].map((r) => r.$key as number);
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
    }
    expect(catalog('machines')?.get(54)).toMatchObject({ $key: 54, status: 54, type: 'vm' });
    expect(catalog('vms')?.references.machine).toBe('machines');
    expect(catalog('machines')?.references.status).toBe('machine_status');
    expect(catalog('machine_status')?.references.node).toBe('nodes');
    expect(catalog('unknown')).toBeUndefined();
  });
  it('a row is the same object until its machine changes', () => {
    const { cluster, act } = setup();
    const catalog = buildCatalog(cluster, { cloudName: 'x', createdMs: EPOCH });
    const a = catalog('machine_status')?.get(54);
    expect(catalog('machine_status')?.get(54)).toBe(a);
    act(42, 'poweron');
    expect(catalog('machine_status')?.get(54)).not.toBe(a);
  });
});
