import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../src/index';
import { anyOf, client, control, request, waitFor } from './helpers';

let sim: Simulator;
let api: ReturnType<typeof client>;
beforeAll(async () => {
  sim = await createSimulator({ timeScale: 0.001 });
  api = client(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const settle = (machine: number, status: string) =>
  waitFor(async () => ((await api.status(machine)).status === status ? true : undefined));

describe('scenarios', () => {
  it('slow: adds latency (configurable through the control API)', async () => {
    await control(sim).post('/scenario', { name: 'slow', latencyMs: 120 });
    const t = Date.now();
    const a = await api.get('/api/v4/vms/42?fields=name');
    expect(a.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    const c = Date.now();
    await control(sim).get('/stats');
    expect(Date.now() - c).toBeLessThan(100);
  });

  it('flaky: a share of 500s, the same sequence every time from the same seed', async () => {
    const run = async () => {
      sim.setScenario('flaky');
      const codes: number[] = [];
      for (let i = 0; i < 40; i += 1) codes.push((await api.get('/api/v4/vms/42?fields=name')).status);
      return codes;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failures = first.filter((c) => c === 500).length;
    expect(failures).toBeGreaterThan(3);
    expect(failures).toBeLessThan(30);
    expect(first.every((c) => c === 200 || c === 500)).toBe(true);
    const failed = await waitFor(async () => {
      const a = await api.get('/api/v4/vms/42');
      return a.status === 500 ? a : undefined;
    });
    expect(failed.json).toEqual({ err: anyOf(String) });
  });

  it('flaky: a failed action changes nothing', async () => {
    await control(sim).post('/scenario', { name: 'flaky', failureRate: 1 });
    const a = await api.action({ action: 'poweron', vm: 42 });
    expect(a.status).toBe(500);
    sim.setScenario('none');
    expect((await api.status(54)).status).toBe('stopped');
    expect(sim.stats().actions).toEqual({});
  });

  it('unavailable: 503 for every API call, the control API still answers', async () => {
    sim.setScenario('unavailable');
    for (const p of ['/api/v4/vms', '/version.json', '/api/v4/machine_status/54']) {
      const a = await api.get(p);
      expect(a.status).toBe(503);
      expect(a.json).toEqual({ err: anyOf(String) });
    }
    expect((await control(sim).get('/scenario')).json).toEqual({ name: 'unavailable' });
    await control(sim).post('/scenario', { name: 'none' });
    expect((await api.get('/api/v4/vms/42')).status).toBe(200);
  });

  it('hang: no answer; the client gives up; the control API still works', async () => {
    sim.setScenario('hang');
    const abort = new AbortController();
    const pending = request(sim.url, '/api/v4/vms', {
      headers: { authorization: `Bearer ${sim.apiKey}` },
      signal: abort.signal,
    });
    const outcome = await Promise.race([
      pending.then(() => 'answered').catch(() => 'aborted'),
      new Promise((r) => setTimeout(() => r('still waiting'), 150)),
    ]);
    expect(outcome).toBe('still waiting');
    abort.abort();
    await expect(pending).rejects.toThrow();
    const stats = sim.stats();
    expect(stats.log.at(-1)).toMatchObject({ route: '/api/v4/vms', status: null, scenario: 'hang' });
    expect((await control(sim).post('/scenario', { name: 'none' })).status).toBe(200);
    expect((await api.get('/api/v4/vms/42')).status).toBe(200);
  });

  it('hang: close() finishes promptly with requests still open', async () => {
    const hung = await createSimulator({ scenario: 'hang' });
    const pending = [1, 2, 3].map(() =>
      request(hung.url, '/api/v4/vms', { headers: { authorization: `Bearer ${hung.apiKey}` } }).then(
        () => 'answered',
        () => 'dropped',
      ),
    );
    await waitFor(() => (hung.stats().total === 3 ? true : undefined));
    const t = Date.now();
    await hung.close();
    expect(Date.now() - t).toBeLessThan(500);
    expect(await Promise.all(pending)).toEqual(['dropped', 'dropped', 'dropped']);
    await hung.close(); // a second close is harmless
  });

  it('slow: close() does not wait for the latency', async () => {
    const slow = await createSimulator({ scenario: 'slow' });
    const pending = request(slow.url, '/api/v4/vms', {
      headers: { authorization: `Bearer ${slow.apiKey}` },
    }).catch(() => 'dropped');
    await waitFor(() => (slow.stats().total === 1 ? true : undefined));
    const t = Date.now();
    await slow.close();
    expect(Date.now() - t).toBeLessThan(500);
    expect(await pending).toBe('dropped');
  });

  it('acpi-ignored: poweroff answers 201 and the guest keeps running; kill still works', async () => {
    await api.action({ action: 'poweron', vm: 42 });
    await settle(54, 'running');
    sim.setScenario('acpi-ignored');
    expect((await api.action({ action: 'poweroff', vm: 42 })).status).toBe(201);
    expect((await api.action({ action: 'reset', vm: 42, params: { graceful: true } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 100)); // 100 s of guest time at this scale
    expect((await api.status(54)).status).toBe('running');
    expect((await api.action({ action: 'kill', vm: 42 })).status).toBe(201);
    await settle(54, 'stopped');
  });

  it('start-fails: poweron accepted, then status error with status_info', async () => {
    sim.setScenario('start-fails');
    expect((await api.action({ action: 'poweron', vm: 42 })).status).toBe(201);
    await settle(54, 'error');
    const s = await api.status(54);
    expect(s).toMatchObject({ running: false, powerstate: false, node: null, state: 'error' });
    expect(s.status_info).toMatch(/^Error starting machine: /);
  });

  it('no-capacity: starts get 507', async () => {
    sim.setScenario('no-capacity');
    const a = await api.action({ action: 'poweron', vm: 42 });
    expect(a.status).toBe(507);
    expect(a.json).toMatchObject({ error: 'Insufficient cluster resources to start VM' });
    expect((a.json as { err: string }).err).toContain('not enough free CPU cores');
  });

  it('can be chosen at start, and none returns to normal', async () => {
    const s = await createSimulator({ scenario: 'unavailable' });
    try {
      expect((await request(s.url, '/version.json')).status).toBe(503);
      s.setScenario('none');
      expect((await request(s.url, '/version.json')).status).toBe(200);
      expect(() => s.setScenario('bogus' as never)).toThrow(/bogus/);
    } finally {
      await s.close();
    }
  });
});
