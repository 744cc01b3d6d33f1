// GET /api/fleet/stops: VMs that stopped recently and who stopped them through Powerdeck (the audit log's actor), or
// null: down unexpectedly. The real app against a real simulator and real SQLite; a VM stops "by itself" through the
// simulator's control API. Time moves through an injected clock (the memory is an hour), never through waits.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { FleetStops, STOP_MEMORY_MS, type FleetStop, type FleetVm } from '@powerdeck/contracts/fleet';
import Value from 'typebox/value';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { STOP_ATTRIBUTION_WINDOW_MS } from '../src/fleet/stops';
import { putVm, signIn, useSimApp, WAIT, type AuthHeaders } from './support';

/** Added to the tracker's clock (not the stores' or the simulator's). */
let skewMs = 0;

// Registered first, so each test's app starts on the unskewed clock.
beforeEach(() => {
  skewMs = 0;
});
const env = useSimApp({
  resetSim: true,
  app: { fleetStops: { now: () => Date.now() + skewMs } },
  waitForFirstPoll: true,
});

async function stops(headers: AuthHeaders = env.app.adminHeaders): Promise<FleetStop[]> {
  const res = await env.app.inject({ method: 'GET', url: '/api/fleet/stops', headers });
  expect(res.statusCode).toBe(200);
  const body: unknown = res.json();
  expect(Value.Check(FleetStops, body)).toBe(true);
  return (body as FleetStops).stops;
}

/** Running VMs of the current snapshot that shut down when asked (agent, ACPI honoured, quick shut down). */
async function runningVms(n: number): Promise<FleetVm[]> {
  const vms = env.app.fleet
    .current()
    .snapshot.vms.filter((v) => v.status === 'running')
    .slice(0, n);
  expect(vms).toHaveLength(n);
  for (const vm of vms) await putVm(env.sim, vm.key, { ignores_acpi: false, shutdown_seconds: 5 });
  return vms;
}

function statusOf(key: number) {
  return env.app.fleet.current().snapshot.vms.find((v) => v.key === key)?.status;
}

/** Waits until the poller saw the VM in `status`, and the tracker handled every snapshot up to then. */
async function seen(key: number, status: string) {
  env.app.fleet.wake();
  await vi.waitFor(() => expect(statusOf(key)).toBe(status), WAIT);
  await env.app.fleetStops.settled();
}

/** `POST /__sim/scenario`. */
async function scenario(body: { name: string; failureRate?: number }) {
  const res = await fetch(`${env.sim.url}/__sim/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
}

function act(vm: number, action: string, params?: object) {
  return env.app.inject({
    method: 'POST',
    url: '/api/v4/vm_actions',
    headers: env.app.adminHeaders,
    payload: { vm, action, ...(params ? { params } : {}) },
  });
}

describe('GET /api/fleet/stops', () => {
  it('names who shut a VM down through Powerdeck, and null for one that went down by itself', async () => {
    // The first snapshot sets the baseline: the VMs already stopped or in error are not "unexpected".
    expect(
      env.app.fleet.current().snapshot.vms.some((v) => v.status === 'stopped' || v.status === 'error'),
    ).toBe(true);
    expect(await stops()).toEqual([]);

    const [byAdmin, byItself] = await runningVms(2);
    const before = Date.now();
    expect((await act(byAdmin!.key, 'poweroff')).statusCode).toBe(201);
    await seen(byAdmin!.key, 'stopped');
    await putVm(env.sim, byItself!.key, { status: 'stopped' });
    await seen(byItself!.key, 'stopped');

    const listed = await stops();
    expect(listed).toEqual([
      { key: byItself!.key, at: expect.any(String), status: 'stopped', by: null },
      { key: byAdmin!.key, at: expect.any(String), status: 'stopped', by: 'admin' },
    ]);
    // Newest first, at the time the BFF saw it.
    expect(Date.parse(listed[0]!.at)).toBeGreaterThanOrEqual(Date.parse(listed[1]!.at));
    expect(Date.parse(listed[1]!.at)).toBeGreaterThanOrEqual(before);
  });

  it('a step of an operation (force off) is a stop by its owner', async () => {
    const [vm] = await runningVms(1);
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/operations',
      headers: env.app.adminHeaders,
      payload: { action: 'forceOff', vms: [vm!.key] },
    });
    expect(res.statusCode).toBe(201);
    await seen(vm!.key, 'stopped');
    expect(await stops()).toEqual([{ key: vm!.key, at: expect.any(String), status: 'stopped', by: 'admin' }]);
  });

  it('a VM that goes to error unexpectedly is listed with status error', async () => {
    const [vm] = await runningVms(1);
    await putVm(env.sim, vm!.key, { status: 'error' });
    await seen(vm!.key, 'error');
    expect(await stops()).toEqual([{ key: vm!.key, at: expect.any(String), status: 'error', by: null }]);
  });

  it('does not credit a refused shut down, a graceful reboot, or a shut down sent longer ago than the window', async () => {
    const [refused, rebooted, late] = await runningVms(3);
    // VergeOS answers 500: the audit log has the attempt (requested, failed), not an accepted stop.
    await scenario({ name: 'flaky', failureRate: 1 });
    expect((await act(refused!.key, 'poweroff')).statusCode).toBe(500);
    await scenario({ name: 'none' });
    await vi.waitFor(async () => {
      const rows = await env.app.testStores.audit.query({ vmKey: refused!.key, kind: 'power' });
      expect(rows.rows.map((r) => r.outcome)).toEqual(['failed', 'requested']);
    }, WAIT);
    await putVm(env.sim, refused!.key, { status: 'stopped' });
    await seen(refused!.key, 'stopped');

    // The guest ignores the shut down: VergeOS accepts it, the VM keeps running.
    await putVm(env.sim, late!.key, { ignores_acpi: true, guest_agent: false });
    expect((await act(late!.key, 'poweroff')).statusCode).toBe(201);
    expect((await act(rebooted!.key, 'reset', { graceful: true })).statusCode).toBe(201);
    await putVm(env.sim, rebooted!.key, { status: 'stopped' });
    await seen(rebooted!.key, 'stopped');
    expect(statusOf(late!.key)).toBe('running');

    skewMs = STOP_ATTRIBUTION_WINDOW_MS + 1000;
    await putVm(env.sim, late!.key, { status: 'stopped' });
    await seen(late!.key, 'stopped');
    const listed = await stops();
    expect(listed[0]).toMatchObject({ key: late!.key, by: null });
    expect(listed.slice(1).map((s) => [s.key, s.by])).toEqual(
      expect.arrayContaining([
        [refused!.key, null],
        [rebooted!.key, null],
      ]),
    );
    expect(listed).toHaveLength(3);
  });

  it('a shut down before the VM came up again does not explain its next stop; one after it does', async () => {
    const [vm] = await runningVms(1);
    expect((await act(vm!.key, 'poweroff')).statusCode).toBe(201);
    await seen(vm!.key, 'stopped');
    expect(await stops()).toEqual([{ key: vm!.key, at: expect.any(String), status: 'stopped', by: 'admin' }]);

    // Started outside Powerdeck a minute later (the tracker's clock), then it crashes: well within the window
    // of the shut down, but the shut down ended the run before this one.
    skewMs = 60_000;
    await putVm(env.sim, vm!.key, { status: 'running' });
    await seen(vm!.key, 'running');
    expect(await stops()).toEqual([]);
    await putVm(env.sim, vm!.key, { status: 'stopped' });
    await seen(vm!.key, 'stopped');
    expect(await stops()).toEqual([{ key: vm!.key, at: expect.any(String), status: 'stopped', by: null }]);

    // Up again, and shut down through Powerdeck during this run: the admin's.
    skewMs = 0;
    await putVm(env.sim, vm!.key, { status: 'running' });
    await seen(vm!.key, 'running');
    expect((await act(vm!.key, 'poweroff')).statusCode).toBe(201);
    await seen(vm!.key, 'stopped');
    expect(await stops()).toEqual([{ key: vm!.key, at: expect.any(String), status: 'stopped', by: 'admin' }]);
  });

  it('drops a VM that runs again, and forgets a stop after STOP_MEMORY_MS', async () => {
    const [again, old] = await runningVms(2);
    await putVm(env.sim, again!.key, { status: 'stopped' });
    await putVm(env.sim, old!.key, { status: 'stopped' });
    await seen(again!.key, 'stopped');
    await seen(old!.key, 'stopped');
    expect((await stops()).map((s) => s.key).sort()).toEqual([again!.key, old!.key].sort());

    await putVm(env.sim, again!.key, { status: 'running' });
    await seen(again!.key, 'running');
    expect((await stops()).map((s) => s.key)).toEqual([old!.key]);

    skewMs = STOP_MEMORY_MS - 1000;
    expect((await stops()).map((s) => s.key)).toEqual([old!.key]);
    skewMs = STOP_MEMORY_MS + 1000;
    expect(await stops()).toEqual([]);
  });

  it("tells onStop listeners of each stop it decides is unexpected, once, and never of another server's", async () => {
    const heard: [number, string | null, string, string][] = [];
    env.app.fleetStopTracker.onStop((stop, vm) => heard.push([stop.key, stop.by, vm.name, vm.status]));
    const [byAdmin, byItself] = await runningVms(2);
    expect((await act(byAdmin!.key, 'poweroff')).statusCode).toBe(201);
    await seen(byAdmin!.key, 'stopped');
    await putVm(env.sim, byItself!.key, { status: 'error' });
    await seen(byItself!.key, 'error');
    // Another server's list, adopted at a handover: a VM stopped before this tracker's first snapshot is listed
    // down unexpectedly from then on, but that was not this tracker's decision.
    const stored = env.app.fleet
      .current()
      .snapshot.vms.find((v) => v.status === 'stopped' && v.key !== byAdmin!.key);
    const seenIn = Date.parse(env.app.fleet.current().snapshot.fetchedAt!);
    await env.app.fleetStopTracker.adopt([
      { key: stored!.key, atMs: Date.now(), status: 'stopped', by: null, seenIn },
    ]);
    expect((await stops()).map((s) => [s.key, s.by])).toEqual([
      [stored!.key, null],
      [byItself!.key, null],
      [byAdmin!.key, 'admin'],
    ]);
    expect(heard).toEqual([[byItself!.key, null, byItself!.name, 'error']]);
  });

  it('a display can read it; nobody signed in gets 401', async () => {
    const [vm] = await runningVms(1);
    await putVm(env.sim, vm!.key, { status: 'stopped' });
    await seen(vm!.key, 'stopped');

    const admin = await env.app.testStores.users.get('admin');
    const { secret } = await env.app.testStores.displayLinks.create({ name: 'Lobby', createdBy: admin!.id });
    const opened = await env.app.inject({
      method: 'POST',
      url: '/api/display-session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { secret },
    });
    const cookie = opened.cookies.find((c) => c.name === 'pd_session')!.value;
    expect(await stops({ cookie: `pd_session=${cookie}` })).toEqual([
      { key: vm!.key, at: expect.any(String), status: 'stopped', by: null },
    ]);
    expect((await stops(await signIn(env.app, 'viewer'))).map((s) => s.key)).toEqual([vm!.key]);

    const anonymous = await env.app.inject({ method: 'GET', url: '/api/fleet/stops' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).not.toHaveProperty('stops');
  });
});
