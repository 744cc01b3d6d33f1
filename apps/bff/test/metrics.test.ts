// GET /metrics on the real app against the simulator, scraped over the app and parsed by a Prometheus text-format
// parser: off (404) without a token, 401 without or with a wrong token (logged, never audited), and the counters
// moving with what people and the poller do: a VM started through the API, a wrong password, polls, an event-stream
// client, requests to VergeOS by route and status (the simulator answering errors, then hanging). Every name starts
// with powerdeck_, counters end in _total, and no label carries a VM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { describe, expect, it, vi } from 'vitest';
import { getMetrics, METRICS_TOKEN, scrape } from './metrics-support';
import {
  buildTestApp,
  LogCapture,
  onCleanup,
  openStream,
  setScenario,
  settledCounts,
  TEST_PASSWORD,
  upstreamCount,
  upstreamFor,
  useSimApp,
  WAIT,
  WARN,
  type TestApp,
} from './support';

const logs = new LogCapture();
const env = useSimApp({
  sim: { vms: 60 },
  app: () => ({
    metrics: { token: METRICS_TOKEN, serverName: 'pd-test' },
    auth: { failureDelayMs: 1, maxFailureDelayMs: 2 },
    upstreamTimeouts: { readTimeoutMs: 400 },
    logs,
  }),
  waitForFirstPoll: true,
});

async function auditRows(app: TestApp): Promise<number> {
  return (await app.testStores.audit.query({ order: 'asc', limit: 1000 })).rows.length;
}

describe('GET /metrics', () => {
  it('is off without a token: 404 as a path Powerdeck does not serve, even where the page answers every other path', async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'pd-web-'));
    onCleanup(() => rmSync(webRoot, { recursive: true, force: true }));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Powerdeck</title>');
    const app = await buildTestApp(upstreamFor(env.sim), { webRoot, closeAfterTest: true });

    const page = await app.inject({ method: 'GET', url: '/operations' });
    expect(page.statusCode).toBe(200);
    for (const token of [METRICS_TOKEN, null]) {
      const res = await getMetrics(app, token);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        statusCode: 404,
        code: 'not_found',
        err: 'Not found: GET /metrics',
      });
    }
  });

  it('answers 401 with WWW-Authenticate: Bearer without the token or with a wrong one, logs the refusal without the token, and audits nothing', async () => {
    const app = env.app;
    const before = await auditRows(app);
    const wrong = 'not-the-scrape-token-9876543210';
    for (const headers of [
      {},
      { authorization: `Bearer ${wrong}` },
      { authorization: `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}` },
      // A signed-in admin's browser is no scraper: sessions do not open the metrics.
      app.adminHeaders,
    ]) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer\b/);
      expect(res.body).not.toContain('powerdeck_');
    }
    const refusals = logs.records().filter((l) => l.msg.startsWith('refused a metrics scrape'));
    expect(refusals).toHaveLength(4);
    expect(refusals.every((l) => l.level === WARN)).toBe(true);
    expect(logs.text).not.toContain(wrong);
    expect(logs.text).not.toContain(METRICS_TOKEN);

    const ok = await getMetrics(app);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe(app.metrics.contentType);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(await auditRows(app)).toBe(before);
  });

  it('is scraped by address even where a public URL refuses other hosts (each server of several is scraped directly)', async () => {
    const app = await buildTestApp(upstreamFor(env.sim), {
      metrics: { token: METRICS_TOKEN },
      edge: { origins: ['https://powerdeck.example.com'] },
      closeAfterTest: true,
    });
    const byAddress = { host: '10.0.0.5:8080' };
    const scraped = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { ...byAddress, authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scraped.statusCode).toBe(200);
    const refused = await app.inject({ method: 'GET', url: '/metrics', headers: byAddress });
    expect(refused.statusCode).toBe(401);
    // The rest of Powerdeck still answers only its public name.
    const page = await app.inject({
      method: 'GET',
      url: '/api/fleet',
      headers: { ...byAddress, ...app.adminHeaders },
    });
    expect(page.statusCode).toBe(421);
  });

  it('names every metric powerdeck_…, counters …_total, puts no VM in any label, and says which server and version', async () => {
    const app = env.app;
    // Some traffic with VMs in it: a VM read by key through the VergeOS routes.
    const vm = app.fleet.current().snapshot.vms[0]!;
    const read = await app.inject({ method: 'GET', url: `/api/v4/vms/${vm.key}`, headers: app.adminHeaders });
    expect(read.statusCode).toBe(200);
    const s = await scrape(app);

    expect(s.families.length).toBeGreaterThan(20);
    for (const f of s.families) {
      expect(f.name).toMatch(/^powerdeck_/);
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
      // Powerdeck's own (prom-client's process metrics name one gauge nodejs_active_resources_total).
      else if (!/^powerdeck_(process|nodejs)_/.test(f.name)) expect(f.name).not.toMatch(/_total$/);
    }
    const names = new Set(app.fleet.current().snapshot.vms.map((v) => v.name));
    for (const f of s.series) {
      // Bounded: no family of Powerdeck's grows a series per VM (the fleet has 60); a histogram's buckets aside.
      const labelSets = new Set(
        f.metrics.map((m) => JSON.stringify(Object.entries(m.labels ?? {}).filter(([k]) => k !== 'le'))),
      );
      if (!/^powerdeck_(process|nodejs)_/.test(f.name)) expect(labelSets.size, f.name).toBeLessThan(40);
      for (const m of f.metrics) {
        for (const [label, value] of Object.entries(m.labels ?? {})) {
          expect(label, f.name).not.toMatch(/vm|key|machine/i);
          expect(names.has(value), `${f.name}{${label}="${value}"}`).toBe(false);
        }
      }
    }
    // The read of one VM counts under its table, without the key.
    expect(s.samples('powerdeck_upstream_requests_total').map((m) => m.labels?.route)).toContain('vms');
    expect(s.samples('powerdeck_upstream_requests_total', { route: `vms/${vm.key}` })).toEqual([]);

    expect(s.samples('powerdeck_info')).toEqual([
      { value: '1', labels: { version: expect.any(String), server: 'pd-test' } },
    ]);
    // One server: no leader metric.
    expect(s.family('powerdeck_leader')).toBeUndefined();
    // The process's own metrics, with the prefix.
    expect(s.family('powerdeck_process_cpu_seconds_total')?.type).toBe('COUNTER');
    expect(s.family('powerdeck_nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
  });

  it('counts a VM started through the API as one poweron accepted, and its request to VergeOS as one vm_actions 201', async () => {
    const app = env.app;
    const key = app.fleet.current().snapshot.vms.find((v) => v.status === 'stopped')!.key;
    const before = await scrape(app);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: app.adminHeaders,
      payload: { vm: key, action: 'poweron' },
    });
    expect(res.statusCode).toBe(201);
    // The outcome row is written after the answer: wait for it.
    await vi.waitFor(async () => {
      const after = await scrape(app);
      const moved = (name: string, labels: Record<string, string>) =>
        after.value(name, labels)! - before.value(name, labels)!;
      expect(moved('powerdeck_power_actions_total', { action: 'poweron', outcome: 'accepted' })).toBe(1);
    }, WAIT);
    const after = await scrape(app);
    expect(after.sum('powerdeck_power_actions_total') - before.sum('powerdeck_power_actions_total')).toBe(1);
    expect(
      after.value('powerdeck_upstream_requests_total', { route: 'vm_actions', status: '201' })! -
        before.value('powerdeck_upstream_requests_total', { route: 'vm_actions', status: '201' })!,
    ).toBe(1);
    expect(after.count('powerdeck_upstream_request_duration_seconds', { route: 'vm_actions' })).toBe(
      before.count('powerdeck_upstream_request_duration_seconds', { route: 'vm_actions' }) + 1,
    );

    // A force off a helpdesk may not send: one kill, denied (nothing reaches VergeOS).
    const helpdesk = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { username: 'helpdesk', password: TEST_PASSWORD },
    });
    const cookie = helpdesk.cookies.find((c) => c.name === 'pd_session')!;
    const denied = await app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: { cookie: `pd_session=${cookie.value}`, [CSRF_HEADER]: '1' },
      payload: { vm: key, action: 'kill' },
    });
    expect(denied.statusCode).toBe(403);
    const last = await scrape(app);
    expect(last.value('powerdeck_power_actions_total', { action: 'kill', outcome: 'denied' })).toBe(1);
    expect(last.sum('powerdeck_upstream_requests_total', { route: 'vm_actions' })).toBe(
      after.sum('powerdeck_upstream_requests_total', { route: 'vm_actions' }),
    );
  });

  it('counts sign-ins by method and outcome: a wrong password is one failure, a right one one success', async () => {
    const app = env.app;
    const before = await scrape(app);
    const signInAs = (password: string) =>
      app.inject({
        method: 'POST',
        url: '/api/session',
        headers: { [CSRF_HEADER]: '1' },
        payload: { username: 'viewer', password },
      });
    expect((await signInAs('not the password')).statusCode).toBe(401);
    const failed = await scrape(app);
    const delta = (s: typeof before, outcome: string) =>
      s.value('powerdeck_sign_ins_total', { method: 'password', outcome })! -
      before.value('powerdeck_sign_ins_total', { method: 'password', outcome })!;
    expect(delta(failed, 'failure')).toBe(1);
    expect(delta(failed, 'success')).toBe(0);

    expect((await signInAs(TEST_PASSWORD)).statusCode).toBe(200);
    const signedIn = await scrape(app);
    expect(delta(signedIn, 'failure')).toBe(1);
    expect(delta(signedIn, 'success')).toBe(1);
    // A script's VergeOS login is its own method.
    const login = await app.inject({
      method: 'POST',
      url: '/api/sys/tokens',
      payload: { login: 'viewer', password: 'wrong again' },
    });
    expect(login.statusCode).toBe(401);
    const script = await scrape(app);
    expect(
      script.value('powerdeck_sign_ins_total', { method: 'token', outcome: 'failure' })! -
        before.value('powerdeck_sign_ins_total', { method: 'token', outcome: 'failure' })!,
    ).toBe(1);
    // Every method and outcome is there from the start (at zero until it happens).
    expect(before.samples('powerdeck_sign_ins_total')).toHaveLength(16);
  });

  it('counts each poll in the poll histogram, and each of its requests to VergeOS by route and status, errors included', async () => {
    const app = env.app;
    const sim = env.sim;
    // The simulator counts every request it got (this file's earlier apps' too): compared from here on.
    const start = await settledCounts(app, sim);
    const s0 = await scrape(app);
    expect(s0.count('powerdeck_fleet_poll_duration_seconds', { outcome: 'ok' })).toBe(start.polls);
    await vi.waitFor(() => expect(app.fleet.status().polls).toBeGreaterThanOrEqual(start.polls + 3), WAIT);
    const { polls, stats } = await settledCounts(app, sim);
    const s = await scrape(app);
    expect(s.count('powerdeck_fleet_poll_duration_seconds', { outcome: 'ok' })).toBe(polls);
    expect(s.count('powerdeck_fleet_poll_duration_seconds', { outcome: 'error' })).toBe(0);
    const age = s.value('powerdeck_fleet_last_successful_poll_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);
    // Every request that reached the simulator was counted, under its route and VergeOS's status.
    const moved = (a: typeof s, b: typeof s, labels: Record<string, string>) =>
      a.sum('powerdeck_upstream_requests_total', labels) - b.sum('powerdeck_upstream_requests_total', labels);
    const reached = (a: typeof stats, b: typeof stats, route: string) =>
      upstreamCount(a, route) - upstreamCount(b, route);
    expect(moved(s, s0, { route: 'vms', status: '200' })).toBe(
      reached(stats, start.stats, 'GET /api/v4/vms'),
    );
    expect(moved(s, s0, { route: 'nodes', status: '200' })).toBe(
      reached(stats, start.stats, 'GET /api/v4/nodes'),
    );
    expect(reached(stats, start.stats, 'GET /api/v4/vms')).toBeGreaterThanOrEqual(3);

    // VergeOS answers errors for a while: the polls fail, and their requests count as 503.
    await setScenario(sim, 'unavailable');
    await vi.waitFor(() => expect(app.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(1), WAIT);
    await setScenario(sim, 'none');
    await vi.waitFor(() => expect(app.fleet.status().consecutiveFailures).toBe(0), WAIT);
    const after = await settledCounts(app, sim);
    const e = await scrape(app);
    const failedPolls = e.count('powerdeck_fleet_poll_duration_seconds', { outcome: 'error' });
    expect(failedPolls).toBeGreaterThanOrEqual(1);
    expect(failedPolls + e.count('powerdeck_fleet_poll_duration_seconds', { outcome: 'ok' })).toBe(
      after.polls,
    );
    expect(
      e.value('powerdeck_upstream_requests_total', { route: 'vms', status: '503' }),
    ).toBeGreaterThanOrEqual(1);
    expect(moved(e, s0, { route: 'vms' })).toBe(reached(after.stats, start.stats, 'GET /api/v4/vms'));
    expect(moved(e, s0, { route: 'nodes' })).toBe(reached(after.stats, start.stats, 'GET /api/v4/nodes'));
  });

  it('counts a VergeOS read that got no answer in time as a timeout', async () => {
    const app = env.app;
    const before = await scrape(app);
    await setScenario(env.sim, 'hang');
    onCleanup(() => setScenario(env.sim, 'none'));
    const res = await app.inject({ method: 'GET', url: '/api/v4/machine_status', headers: app.adminHeaders });
    expect(res.statusCode).toBe(504);
    await setScenario(env.sim, 'none');
    const after = await scrape(app);
    expect(
      after.value('powerdeck_upstream_requests_total', { route: 'machine_status', status: 'timeout' })! -
        before.value('powerdeck_upstream_requests_total', { route: 'machine_status', status: 'timeout' })!,
    ).toBe(1);
  });

  it('counts event-stream clients while they are connected, by stream', async () => {
    const app = env.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const clients = async (stream: string) => (await scrape(app)).value('powerdeck_sse_clients', { stream });
    expect(await clients('fleet')).toBe(0);

    const fleet = await openStream(app, '/api/fleet/events', app.adminHeaders);
    const ops = await openStream(app, '/api/operations/events', app.adminHeaders);
    expect([fleet.status, ops.status]).toEqual([200, 200]);
    expect(await clients('fleet')).toBe(1);
    expect(await clients('operations')).toBe(1);
    // Refused (nobody signed in): not a client.
    const refused = await openStream(app, '/api/fleet/events');
    expect(refused.status).toBe(401);
    refused.req.destroy();
    expect(await clients('fleet')).toBe(1);

    fleet.req.destroy();
    await vi.waitFor(async () => expect(await clients('fleet')).toBe(0), WAIT);
    expect(await clients('operations')).toBe(1);
    ops.req.destroy();
    await vi.waitFor(async () => expect(await clients('operations')).toBe(0), WAIT);
  });

  it('has every alert target kind and outcome at zero from the start, and counts what the alert worker reports', async () => {
    const app = env.app;
    const before = await scrape(app);
    expect(before.samples('powerdeck_alert_deliveries_total')).toHaveLength(12);
    expect(before.sum('powerdeck_alert_deliveries_total')).toBe(0);
    app.metrics.alertDelivery('slack', 'retry');
    app.metrics.alertDelivery('slack', 'sent');
    app.metrics.alertDelivery('email', 'failed');
    const after = await scrape(app);
    expect(after.value('powerdeck_alert_deliveries_total', { target_kind: 'slack', outcome: 'retry' })).toBe(
      1,
    );
    expect(after.value('powerdeck_alert_deliveries_total', { target_kind: 'slack', outcome: 'sent' })).toBe(
      1,
    );
    expect(after.value('powerdeck_alert_deliveries_total', { target_kind: 'email', outcome: 'failed' })).toBe(
      1,
    );
    expect(after.sum('powerdeck_alert_deliveries_total')).toBe(3);
  });

  it('has no poll age before the first successful poll', async () => {
    await setScenario(env.sim, 'unavailable');
    onCleanup(() => setScenario(env.sim, 'none'));
    const app = await buildTestApp(upstreamFor(env.sim), {
      metrics: { token: METRICS_TOKEN },
      closeAfterTest: true,
    });
    await vi.waitFor(() => expect(app.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(1), WAIT);
    const s = await scrape(app);
    expect(s.family('powerdeck_fleet_last_successful_poll_age_seconds')?.metrics).toEqual([]);
    expect(s.count('powerdeck_fleet_poll_duration_seconds', { outcome: 'error' })).toBeGreaterThanOrEqual(1);
  });
});
