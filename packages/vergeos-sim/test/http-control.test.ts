import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../src/index';
import { anyOf, arrayContaining, client, control, request } from './helpers';

let sim: Simulator;
let api: ReturnType<typeof client>;
let ctl: ReturnType<typeof control>;
beforeAll(async () => {
  sim = await createSimulator({ timeScale: 0.001 });
  api = client(sim);
  ctl = control(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('control API', () => {
  it('PUT /__sim/vms/:key sets status, node, agent, ACPI behaviour and status_info', async () => {
    const put = await ctl.put('/vms/42', {
      status: 'running',
      node: 2,
      guest_agent: false,
      ignores_acpi: true,
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      vm: { $key: 42, guest_agent: false },
      machine_status: { status: 'running', node: 2, running: true, agent_version: '' },
      guest: { ignores_acpi: true, agent_installed: false },
    });
    expect(await api.status(54)).toMatchObject({ status: 'running', node: 2 });
    expect((await api.action({ action: 'poweroff', vm: 42 })).status).toBe(201);
    expect((await api.status(54)).status).toBe('running');
    await ctl.put('/vms/42', { status: 'error', status_info: 'disk missing' });
    expect(await api.status(54)).toMatchObject({ status: 'error', status_info: 'disk missing', node: null });
    expect((await ctl.get('/vms/42')).json).toMatchObject({ machine_status: { status: 'error' } });
  });

  it('PUT /__sim/vms/:key start_failure makes that VM, and only it, fail its starts until cleared', async () => {
    expect((await ctl.put('/vms/1', { start_failure: 'disk0 missing' })).json).toMatchObject({
      guest: { start_failure: 'disk0 missing' },
    });
    const failing = (await ctl.get('/vms/1')).json as { vm: { machine: number } };
    const other = (await ctl.get('/vms/2')).json as { vm: { machine: number } };
    await ctl.put('/vms/1', { status: 'stopped' });
    await ctl.put('/vms/2', { status: 'stopped' });
    expect((await api.action({ action: 'poweron', vm: 1 })).status).toBe(201);
    expect((await api.action({ action: 'poweron', vm: 2 })).status).toBe(201);
    await expect
      .poll(async () => (await api.status(failing.vm.machine)) as { status: string; status_info: string })
      .toMatchObject({ status: 'error', status_info: 'disk0 missing' });
    await expect
      .poll(async () => ((await api.status(other.vm.machine)) as { status: string }).status)
      .toBe('running');
    await ctl.put('/vms/1', { start_failure: null });
    expect((await api.action({ action: 'poweron', vm: 1 })).status).toBe(201);
    await expect
      .poll(async () => ((await api.status(failing.vm.machine)) as { status: string }).status)
      .toBe('running');
  });

  it('PUT /__sim/vms/:key is validated and changes nothing when wrong', async () => {
    const before = await api.status(54);
    for (const [body, code] of [
      [{ status: 'flying' }, 422],
      [{ status: 'stopped', node: 1 }, 422],
      [{ node: 'one' }, 422],
      [{ colour: 'red' }, 422],
      [{}, 422],
      ['[]', 400],
      [{ status: 'running', node: 99 }, 422],
    ] as const) {
      const a = await ctl.put('/vms/42', body);
      expect(a.status, JSON.stringify(body)).toBe(code);
      expect(a.json).toEqual({ err: anyOf(String) });
    }
    expect((await ctl.put('/vms/4242', { status: 'running' })).status).toBe(404);
    expect(await api.status(54)).toEqual(before);
  });

  it('PUT /__sim/nodes/:key changes capacity', async () => {
    const a = await ctl.put('/nodes/1', { cores: 2 });
    expect(a.json).toMatchObject({ capacity: { cores: 2 }, node: { cores: 2 } });
    expect((await api.get('/api/v4/nodes/1?fields=cores')).json).toEqual({ cores: 2 });
    expect((await ctl.put('/nodes/1', { cores: -1 })).status).toBe(422);
    expect((await ctl.put('/nodes/9', { cores: 1 })).status).toBe(404);
  });

  it('POST /__sim/scenario switches, and refuses unknown names', async () => {
    expect((await ctl.post('/scenario', { name: 'unavailable' })).json).toMatchObject({
      name: 'unavailable',
    });
    expect((await api.get('/api/v4/vms')).status).toBe(503);
    const bad = await ctl.post('/scenario', { name: 'meltdown' });
    expect(bad.status).toBe(422);
    expect((bad.json as { err: string }).err).toContain("value 'meltdown' is not in list");
    expect((await ctl.get('/scenario')).json).toEqual({ name: 'unavailable' });
  });

  it('POST /__sim/reset: fleet back to its seed, scenario none, stats cleared', async () => {
    const seeded = (await api.get('/api/v4/machine_status?fields=most')).json;
    await api.action({ action: 'poweron', vm: 42 });
    await ctl.put('/vms/1', { status: 'error' });
    await ctl.post('/scenario', { name: 'slow', latencyMs: 1 });
    expect((await ctl.post('/reset')).json).toEqual({ ok: true, scenario: 'none' });
    expect((await ctl.get('/stats')).json).toMatchObject({
      total: 0,
      requests: {},
      actions: {},
      log: [],
      scenario: 'none',
    });
    expect((await api.get('/api/v4/machine_status?fields=most')).json).toEqual(seeded);
    expect((await api.action({ action: 'poweron', vm: 42 })).json).toMatchObject({ $key: '1' });
  });

  it('GET /__sim/ describes the control API', async () => {
    const a = await ctl.get('/');
    expect(a.json).toMatchObject({
      simulator: 'vergeos-sim',
      scenario: 'none',
      scenarios: arrayContaining(['hang']),
    });
  });
});

describe('stats', () => {
  it('counts every API request by method and route pattern, not the control API', async () => {
    await api.get('/api/v4/vms');
    await api.get('/api/v4/vms?fields=most');
    await api.get('/api/v4/vms/42');
    await api.get('/api/v4/machine_status/54');
    await api.action({ action: 'poweron', vm: 42 });
    await api.action({ action: 'poweron', vm: 42 }); // 409, still a request
    await request(sim.url, '/version.json');
    await request(sim.url, '/api/v4/nowhere');
    await ctl.get('/vms/42');
    const stats = (await ctl.get('/stats')).json as Record<string, unknown>;
    expect(stats).toMatchObject({
      requests: {
        'GET /api/v4/vms': 2,
        'GET /api/v4/vms/:key': 1,
        'GET /api/v4/machine_status/:key': 1,
        'POST /api/v4/vm_actions': 2,
        'GET /version.json': 1,
        'GET (unmatched)': 1,
      },
      total: 8,
      actions: { poweron: 1 },
    });
    expect(sim.stats()).toEqual(stats);
  });

  it('logs the credentials each request carried, and the raw headers', async () => {
    const login = await request(sim.url, '/api/sys/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: { login: 'admin', password: 'admin' },
    });
    const token = (login.json as { $key: string }).$key;
    const basic = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
    await request(sim.url, '/api/v4/vms', { headers: { authorization: `Bearer ${sim.apiKey}` } });
    await request(sim.url, '/api/v4/vms', { headers: { authorization: basic } });
    await request(sim.url, '/api/v4/vms', { headers: { 'x-yottabyte-token': token } });
    await request(sim.url, '/api/v4/vms', { headers: { cookie: `pd_session=abc; token=${token}` } });
    await request(sim.url, '/api/v4/vms', { headers: { authorization: 'Bearer wrong' } });
    await request(sim.url, '/api/v4/vms?fields=name');
    const log = sim.stats().log.slice(-6);
    expect(log.map((e) => [e.auth.scheme, e.auth.credential, e.auth.user, e.status])).toEqual([
      ['bearer', sim.apiKey, 'admin', 200],
      ['basic', 'admin', 'admin', 200],
      ['x-yottabyte-token', token, 'admin', 200],
      ['cookie', token, 'admin', 200],
      ['bearer', 'wrong', null, 401],
      ['none', null, null, 401],
    ]);
    expect(log[0]?.headers).toEqual({ authorization: `Bearer ${sim.apiKey}` });
    expect(log[1]?.headers).toEqual({ authorization: basic });
    expect(log[3]?.headers).toEqual({ cookie: `pd_session=abc; token=${token}` });
    expect(log[5]).toMatchObject({
      method: 'GET',
      url: '/api/v4/vms?fields=name',
      route: '/api/v4/vms',
      headers: {},
    });
    expect(log[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('logs the VM and action each power action named, in the log and in a log of power actions kept apart', async () => {
    await ctl.put('/vms/42', { status: 'running' });
    await ctl.put('/vms/7', { status: 'running' });
    await api.get('/api/v4/vms');
    await api.action({ action: 'poweroff', vm: 42 });
    await api.action({ action: 'kill', vm: '7' });
    await api.action({ action: 'dance', vm: 3 }); // refused (422), still what was asked
    await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
      body: ['not', 'an', 'action'],
    });
    const stats = sim.stats();
    const named = (e: {
      method: string;
      vm: number | null;
      action: string | null;
      status: number | null;
    }) => [e.method, e.vm, e.action, e.status];
    expect(stats.log.map(named)).toEqual([
      ['GET', null, null, 200],
      ['POST', 42, 'poweroff', 201],
      ['POST', 7, 'kill', 201],
      ['POST', 3, 'dance', 422],
      ['POST', null, null, 400],
    ]);
    expect(stats.actionLog.map(named)).toEqual(stats.log.slice(1).map(named));
    expect(stats.actionLog.map((e) => e.seq)).toEqual([2, 3, 4, 5]);
  });

  it('keeps every power action in its own log while polls push them out of the bounded log', async () => {
    await api.action({ action: 'poweroff', vm: 42 });
    for (let i = 0; i < 510; i += 1) await request(sim.url, '/version.json');
    await api.action({ action: 'kill', vm: 42 });
    const stats = sim.stats();
    expect(stats.log.filter((e) => e.method === 'POST').map((e) => e.action)).toEqual(['kill']);
    expect(stats.actionLog.map((e) => [e.seq, e.vm, e.action])).toEqual([
      [1, 42, 'poweroff'],
      [512, 42, 'kill'],
    ]);
  });

  it('DELETE /__sim/stats clears the counters only', async () => {
    await api.action({ action: 'poweron', vm: 42 });
    expect((await ctl.delete('/stats')).status).toBe(200);
    expect(sim.stats()).toMatchObject({ total: 0, requests: {}, actions: {}, log: [], actionLog: [] });
    expect((await api.status(54)).status).not.toBe('stopped');
  });

  it('keeps the log bounded', async () => {
    for (let i = 0; i < 520; i += 1) await request(sim.url, '/version.json');
    const stats = sim.stats();
    expect(stats.total).toBe(520);
    expect(stats.log).toHaveLength(500);
    expect(stats.log[0]?.seq).toBe(21);
  });
});
