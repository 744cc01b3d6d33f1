// The client against a running simulator over HTTP: reads, actions and their effects, typed errors, auth.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MACHINE_STATUSES,
  VergeConflictError,
  VergeForbiddenError,
  VergeInsufficientResourcesError,
  VergeNotFoundError,
  VergeUnauthorizedError,
  VergeUnprocessableError,
  filter,
  isMachineStatusValue,
} from '../../src/index';
import type { VmAction, VmRow } from '../../src/index';
import { POLL_MS, clientFor, closeClients, countOf, requestCounts, setVm, startSim } from '../helpers/sim';
import type { Simulator } from '../helpers/sim';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});
afterEach(async () => {
  await closeClients();
});

describe('reads', () => {
  it('lists the VMs with their joined power state, snapshots left out', async () => {
    const client = clientFor(sim);
    const vms = await client.vms.list();
    expect(vms.length).toBe(24);
    for (const vm of vms) {
      expect(vm.is_snapshot).toBe(false);
      expect(typeof vm.machine).toBe('number');
      expect(isMachineStatusValue(vm.status)).toBe(true);
      expect(typeof vm.running).toBe('boolean');
      expect(typeof vm.powerstate).toBe('boolean');
    }
    const guide = vms.find((vm) => vm.$key === 42);
    expect(guide).toMatchObject({ name: 'test', machine: 54, status: 'stopped', running: false, node: null });
    const running = vms.find((vm) => vm.status === 'running');
    expect(running?.running).toBe(true);
    expect(typeof running?.node_name).toBe('string');

    const all = await client.vms.list({ includeSnapshots: true });
    expect(all.length).toBeGreaterThan(vms.length);
    expect(all.some((vm) => vm.is_snapshot)).toBe(true);
  });

  it('sorts, limits and pages', async () => {
    const client = clientFor(sim);
    const names = (rows: VmRow[]) => rows.map((r) => r.name);
    const sorted = await client.vms.list({ fields: '$key,name', sort: '+name' });
    expect(names(sorted)).toEqual([...names(sorted)].sort());
    const page = await client.vms.list({ fields: '$key,name', sort: '+name', limit: 5, offset: 5 });
    expect(names(page)).toEqual(names(sorted).slice(5, 10));
  });

  it('gets one VM', async () => {
    const vm = await clientFor(sim).vms.get(42, { fields: 'most' });
    expect(vm).toMatchObject({
      $key: 42,
      name: 'test',
      machine: 54,
      ram: 16384,
      cpu_cores: 3,
      is_snapshot: false,
    });
    const joined = await clientFor(sim).vms.get('42');
    expect(joined).toMatchObject({ $key: 42, machine: 54, status: 'stopped', powerstate: false });
  });

  it('reads machine status by path and by filter', async () => {
    const client = clientFor(sim);
    const byPath = await client.machineStatus.get(54);
    expect(byPath).toMatchObject({
      $key: 54,
      machine: 54,
      status: 'stopped',
      state: 'offline',
      powerstate: false,
      running: false,
      node: null,
      running_cores: 3,
      running_ram: 16384,
    });
    const byFilter = await client.machineStatus.list({ filter: filter.eq('machine', 54) });
    expect(byFilter).toEqual([byPath]);
    const few = await client.machineStatus.get(54, { fields: 'powerstate,running,status' });
    expect(few).toEqual({ powerstate: false, running: false, status: 'stopped' });
    const all = await client.machineStatus.list();
    for (const row of all) expect(MACHINE_STATUSES).toContain(row.status);
  });

  it('lists the nodes', async () => {
    const nodes = await clientFor(sim).nodes.list({ fields: 'most' });
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes[0]).toMatchObject({ $key: 1, name: 'node1' });
  });

  it('sends escaped literals and grouped filters that VergeOS reads as meant', async () => {
    const client = clientFor(sim);
    const nasty = await client.vms.list({ filter: filter.eq('name', "o'brien{x}\\z #$ %") });
    expect(nasty).toEqual([]);
    const either = await client.vms.list({
      fields: '$key,name',
      filter: filter.or(filter.eq('name', 'test'), filter.eq('name', 'web-01')),
      sort: '+name',
    });
    expect(either.map((vm) => vm.name)).toEqual(['test', 'web-01']);
    // Without the builder's parentheses, `is_snapshot eq false and name eq 'test' or name eq 'web-01'` would still
    // be right here, but `name eq 'web-01' or name eq 'test' and is_snapshot eq true` would not.
    const grouped = await client.vms.list({
      includeSnapshots: true,
      fields: '$key,name',
      filter: filter.and(
        filter.eq('is_snapshot', true),
        filter.or(filter.eq('name', 'web-01'), filter.eq('name', 'test')),
      ),
    });
    expect(grouped).toEqual([]);
    const running = await client.vms.list({ filter: filter.eq('machine#status#status', 'running') });
    expect(running.length).toBeGreaterThan(0);
    for (const vm of running) expect(vm.status).toBe('running');
  });
});

describe('actions and their effects', () => {
  // A slower clock than the other tests (20x, not 100x), so that a poll right after an action still finds the
  // transition under way on a loaded machine: starting 150 ms, guest shutdown 400 ms, hibernating 300 ms.
  let slower: Simulator;
  beforeAll(async () => {
    slower = await startSim({ timeScale: 0.05 });
  });
  afterAll(async () => {
    await slower.close();
  });

  it('power on, graceful reboot, hard reset, hibernate, resume, power off, power on, kill', async () => {
    const client = clientFor(slower);
    const wait = async (desired: 'running' | 'stopped' | 'hibernated', action: VmAction) => {
      const seen: string[] = [];
      const status = await client.waitForPowerState(42, desired, {
        action,
        machineKey: 54,
        intervalMs: POLL_MS,
        onProgress: (p) => seen.push(p.status),
      });
      return { status, seen, first: seen[0], distinct: [...new Set(seen)] };
    };

    const receipt = await client.actions.powerOn(42);
    expect(receipt).toMatchObject({ $row: 1 });
    expect(receipt.location).toBe(`/vm_actions/${receipt.$key}`);
    expect(receipt.dbpath).toBe(`vm_actions/${receipt.$key}`);
    let r = await wait('running', 'poweron');
    expect(r.status).toMatchObject({ status: 'running', powerstate: true, running: true, state: 'online' });
    expect(r.status.node).not.toBeNull();
    expect(r.first).toBe('starting');

    await client.actions.reset(42, { graceful: true });
    r = await wait('running', 'reset');
    // A guest reboot shuts the guest down first: the wait did not resolve on the 'running' it started from.
    expect(r.first).toBe('stopping');
    expect(r.distinct.every((s) => ['stopping', 'starting', 'running'].includes(s))).toBe(true);

    await client.actions.reset(42);
    r = await wait('running', 'reset');
    // A hard reset is `starting` for 75 ms here: too short to insist on seeing it.
    expect(r.distinct.every((s) => ['starting', 'running'].includes(s))).toBe(true);

    await client.actions.hibernate(42);
    r = await wait('hibernated', 'hibernate');
    expect(r.first).toBe('hibernating');
    expect(r.status).toMatchObject({ status: 'hibernated', powerstate: false, node: null });

    await client.actions.powerOn(42);
    r = await wait('running', 'poweron');
    expect(r.first).toBe('starting'); // resuming from hibernation

    await client.actions.powerOff(42);
    r = await wait('stopped', 'poweroff');
    expect(r.first).toBe('stopping');
    expect(r.status).toMatchObject({ status: 'stopped', powerstate: false, running: false, node: null });

    await client.actions.powerOn(42, { preferredNode: 2 });
    r = await wait('running', 'poweron');
    expect(r.status.node).toBe(2);

    await client.actions.kill(42);
    r = await wait('stopped', 'kill');
    expect(r.distinct.every((s) => ['stopping', 'stopped'].includes(s))).toBe(true);
    const vm = await client.vms.get(42);
    expect(vm).toMatchObject({ status: 'stopped', running: false });
    expect(slower.stats().actions).toEqual({ poweron: 3, reset: 2, hibernate: 1, poweroff: 1, kill: 1 });
  });
});

describe('typed errors carrying VergeOS messages', () => {
  it('409 when the VM is in the wrong state', async () => {
    const client = clientFor(sim);
    const off = await client.actions.powerOff(42).catch((e: unknown) => e);
    expect(off).toBeInstanceOf(VergeConflictError);
    expect((off as VergeConflictError).status).toBe(409);
    expect((off as VergeConflictError).message).toMatch(/not running/);
    expect((off as VergeConflictError).body).toContain('"err"');

    await client.actions.powerOn(42);
    const again = await client.actions.powerOn(42).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(VergeConflictError);
    expect((again as Error).message).toMatch(/already running/);
  });

  it('404 for an unknown VM or machine', async () => {
    const client = clientFor(sim);
    const vm = await client.vms.get(99_999).catch((e: unknown) => e);
    expect(vm).toBeInstanceOf(VergeNotFoundError);
    expect((vm as VergeNotFoundError).path).toContain('/api/v4/vms/99999');
    expect((vm as Error).message.length).toBeGreaterThan(0);
    await expect(client.machineStatus.get(99_999)).rejects.toBeInstanceOf(VergeNotFoundError);
    await expect(client.actions.powerOn(99_999)).rejects.toBeInstanceOf(VergeNotFoundError);
    await expect(client.waitForPowerState(99_999, 'running')).rejects.toBeInstanceOf(VergeNotFoundError);
  });

  it('422 for an unknown action or an unsupported filter operator', async () => {
    const client = clientFor(sim);
    const action = await client.actions
      .send({ vm: 42, action: 'guestreset' as VmAction })
      .catch((e: unknown) => e);
    expect(action).toBeInstanceOf(VergeUnprocessableError);
    expect((action as Error).message).toBe("value 'guestreset' is not in list for field 'action'");
    const like = await client.vms.list({ filter: "name like 'web%'" }).catch((e: unknown) => e);
    expect(like).toBeInstanceOf(VergeUnprocessableError);
    expect((like as Error).message).toBe('Invalid argument');
  });

  it('507 when the cluster has no room', async () => {
    sim.setScenario('no-capacity');
    const error = await clientFor(sim)
      .actions.powerOn(42)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeInsufficientResourcesError);
    expect((error as VergeInsufficientResourcesError).status).toBe(507);
    expect((error as Error).message).toMatch(/resources/i);
  });

  it('403 for an action with the read-only key, which may read', async () => {
    const client = clientFor(sim, { auth: { type: 'apiKey', apiKey: sim.readOnlyApiKey } });
    await expect(client.vms.list()).resolves.not.toHaveLength(0);
    const error = await client.actions.powerOn(42).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeForbiddenError);
    expect((error as VergeForbiddenError).status).toBe(403);
    expect((await clientFor(sim).machineStatus.get(54)).status).toBe('stopped');
  });

  it('401 for a wrong key, without the key in the error', async () => {
    const wrong = 'wrong-key-0123456789';
    const error = await clientFor(sim, { auth: { type: 'apiKey', apiKey: wrong } })
      .vms.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeUnauthorizedError);
    expect(JSON.stringify(error) + String(error)).not.toContain(wrong);
  });
});

describe('authentication end to end', () => {
  it('Basic', async () => {
    const client = clientFor(sim, {
      auth: { type: 'basic', username: sim.username, password: sim.password },
    });
    await expect(client.nodes.list()).resolves.not.toHaveLength(0);
    await expect(client.actions.powerOn(42)).resolves.toMatchObject({ $row: 1 });
  });

  it('session token: login once, use, logout, login again', async () => {
    const client = clientFor(sim, {
      auth: { type: 'token', username: sim.username, password: sim.password },
    });
    const logins = () => countOf(sim, 'POST /api/sys/tokens');
    const before = await logins();
    await client.vms.list();
    await client.machineStatus.get(54);
    await client.actions.powerOn(42);
    expect((await logins()) - before).toBe(1);
    await client.logout();
    const deletes = Object.entries(await requestCounts(sim))
      .filter(([k]) => k.startsWith('DELETE /api/sys/tokens'))
      .reduce((n, [, v]) => n + v, 0);
    expect(deletes).toBe(1);
    await client.nodes.list();
    expect((await logins()) - before).toBe(2);
  });

  it('session token: when VergeOS drops the token, the client logs in again once and carries on', async () => {
    const client = clientFor(sim, {
      auth: { type: 'token', username: sim.username, password: sim.password },
    });
    await client.nodes.list();
    const token = sim.stats().log.find((e) => e.auth.scheme === 'x-yottabyte-token')?.auth.credential;
    expect(token).toBeTruthy();
    // Someone deletes the session behind the client's back (an admin, an expiry).
    const res = await fetch(`${sim.url}/api/sys/tokens/${token}`, {
      method: 'DELETE',
      headers: { 'x-yottabyte-token': token ?? '' },
    });
    expect(res.ok).toBe(true);
    sim.reset();
    await expect(client.machineStatus.get(54)).resolves.toMatchObject({ machine: 54 });
    const log = sim.stats().log.map((e) => `${e.method} ${e.route} ${e.status}`);
    expect(log).toEqual([
      'GET /api/v4/machine_status/:key 401',
      'POST /api/sys/tokens 201',
      'GET /api/v4/machine_status/:key 200',
    ]);
  });

  it('a wrong password is a 401 without the password in it', async () => {
    const password = 'not-the-password-42';
    const error = await clientFor(sim, { auth: { type: 'token', username: sim.username, password } })
      .vms.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeUnauthorizedError);
    expect(JSON.stringify(error) + String(error) + ((error as Error).stack ?? '')).not.toContain(password);
  });
});

describe('simulator control', () => {
  it('PUT /__sim/vms/:key sets the state the client then reads', async () => {
    await setVm(sim, 42, { status: 'running', node: 1 });
    const status = await clientFor(sim).machineStatus.get(54);
    expect(status).toMatchObject({ status: 'running', node: 1, powerstate: true });
  });
});
