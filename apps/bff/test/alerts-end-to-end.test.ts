// Alerts from end to end, as an admin sets them up: the real app on real SQLite against the simulator (time scale
// 0.01), three targets made through the API (a signed webhook, Slack, e-mail), real receivers (an HTTP server that
// checks the Standard Webhooks signature with the `standardwebhooks` package, and a real SMTP server). VMs are killed
// in the simulator, outside Powerdeck. What each receiver gets is what the people behind it would see.
import type { AlertTarget, AlertTargetCreated } from '@powerdeck/contracts/alerts';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  parseMail,
  startReceiver,
  startSmtp,
  webhookSecret,
  type Receiver,
  type SmtpReceiver,
} from './alert-receivers';
import { METRICS_TOKEN, scrape } from './metrics-support';
import { keysIn, opsApp, prepare, WAIT } from './operations-support';
import { simAction, startSim, type TestApp } from './support';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0.01, vms: 40 });
});
afterAll(async () => {
  await sim.close();
});

/** The options that make a day of retries and a digest's wait fit in a test. */
const FAST_ALERTS = {
  groupWaitMs: 400,
  pollMs: 50,
  retry: { firstMs: 50, maxMs: 200, forMs: 2_000 },
};

interface Setup {
  app: TestApp;
  webhook: Receiver;
  slack: Receiver;
  smtp: SmtpReceiver;
  secret: string;
}

async function setUp(alerts: Record<string, unknown> = {}): Promise<Setup> {
  sim.reset();
  const app = await opsApp(sim, { alerts: { ...FAST_ALERTS, ...alerts }, metrics: { token: METRICS_TOKEN } });
  const webhook = await startReceiver();
  const slack = await startReceiver();
  // A relay on the LAN that offers no TLS (security `none`).
  const smtp = await startSmtp({ hideSTARTTLS: true });
  const secret = webhookSecret();
  const make = async (body: Record<string, unknown>): Promise<AlertTarget> => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/alerts/targets',
      headers: app.adminHeaders,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<AlertTargetCreated>().target;
  };
  await make({ name: 'Ops webhook', kind: 'webhook', webhook: { url: `${webhook.url}/hook`, secret } });
  await make({ name: 'Ops Slack', kind: 'slack', slack: { url: `${slack.url}/services/T0/B0/secret` } });
  await make({
    name: 'Ops mail',
    kind: 'email',
    email: {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'powerdeck@example.test',
      to: ['ops@example.test'],
    },
  });
  return { app, webhook, slack, smtp, secret };
}

/** The webhook's verified payloads (a bad signature throws). */
function verified(
  s: Setup,
): { type: string; data: { title: string; vm?: { key: number }; vms?: unknown[] } }[] {
  const wh = new Webhook(s.secret);
  return s.webhook.received.map(
    (r) => wh.verify(r.body, r.headers) as { type: string; data: { title: string; vm?: { key: number } } },
  );
}

const slackTexts = (s: Setup) => s.slack.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
const subjects = (s: Setup) => s.smtp.messages.map((m) => parseMail(m.raw).headers.get('subject') ?? '');

/** Waits until the snapshot shows the VMs in this status and the stops tracker handled it. */
async function seen(app: TestApp, keys: readonly number[], status: string): Promise<void> {
  await vi.waitFor(() => {
    app.fleet.wake();
    const vms = app.fleet.current().snapshot.vms;
    for (const k of keys) expect(vms.find((v) => v.key === k)?.status).toBe(status);
  }, WAIT);
  await app.fleetStops.settled();
}

describe('alerts from end to end', { timeout: 30_000 }, () => {
  it('a VM killed outside Powerdeck: one signed webhook, one Slack post, one e-mail; killed again within the cool-down: none', async () => {
    const s = await setUp();
    const [key] = keysIn(s.app, 'running', 1) as [number];
    await prepare(s.app, sim, [{ key, status: 'running' }]);
    const name = s.app.fleet.current().snapshot.vms.find((v) => v.key === key)!.name;

    await simAction(sim, key, 'kill');
    await seen(s.app, [key], 'stopped');
    await vi.waitFor(() => {
      expect(s.webhook.received).toHaveLength(1);
      expect(s.slack.received).toHaveLength(1);
      expect(s.smtp.messages).toHaveLength(1);
    }, WAIT);
    const [down] = verified(s);
    expect(down).toMatchObject({ type: 'powerdeck.vm_down', data: { vm: { key } } });
    expect(down!.data.title).toContain(name);
    expect(slackTexts(s)[0]).toContain(name);
    expect(subjects(s)[0]).toBe(`[Powerdeck] ${down!.data.title}`);
    expect(s.smtp.messages[0]!.to).toEqual(['ops@example.test']);

    // It comes back (each target hears so, once), and is killed again a minute later: within the cool-down.
    await simAction(sim, key, 'poweron');
    await seen(s.app, [key], 'running');
    await vi.waitFor(() => expect(s.webhook.received).toHaveLength(2), WAIT);
    expect(verified(s)[1]!.type).toBe('powerdeck.vm_back');
    await vi.waitFor(() => {
      expect(s.slack.received).toHaveLength(2);
      expect(s.smtp.messages).toHaveLength(2);
    }, WAIT);
    await simAction(sim, key, 'kill');
    await seen(s.app, [key], 'stopped');
    // Wait past the group wait and a few worker passes: nothing more arrives anywhere.
    await new Promise((r) => setTimeout(r, FAST_ALERTS.groupWaitMs * 3));
    expect(s.webhook.received).toHaveLength(2);
    expect(s.slack.received).toHaveLength(2);
    expect(s.smtp.messages).toHaveLength(2);
    expect(s.app.fleetStops.list().find((st) => st.key === key)?.by).toBeNull();
  });

  it('30 VMs down at once: one digest to each target, naming all of them', async () => {
    const s = await setUp();
    const keys = s.app.fleet
      .current()
      .snapshot.vms.slice(0, 30)
      .map((v) => v.key);
    await prepare(
      s.app,
      sim,
      keys.map((key) => ({ key, status: 'running' })),
    );
    await Promise.all(keys.map((k) => simAction(sim, k, 'kill')));
    await seen(s.app, keys, 'stopped');
    await vi.waitFor(() => {
      expect(s.webhook.received).toHaveLength(1);
      expect(s.slack.received).toHaveLength(1);
      expect(s.smtp.messages).toHaveLength(1);
    }, WAIT);
    const [digest] = verified(s);
    expect(digest!.type).toBe('powerdeck.vm_down_digest');
    expect(digest!.data.vms).toHaveLength(30);
    expect(slackTexts(s)[0]).toMatch(/30 VMs/);
    expect(subjects(s)[0]).toMatch(/30 VMs/);
    // Nothing else follows (the 30 single alerts were merged into the digest).
    await new Promise((r) => setTimeout(r, FAST_ALERTS.groupWaitMs * 2));
    expect(s.webhook.received).toHaveLength(1);

    // The target's page lists the digest as sent and the 30 as merged into it.
    const list = await s.app.inject({
      method: 'GET',
      url: '/api/alerts/targets',
      headers: s.app.adminHeaders,
    });
    const hook = list.json<{ targets: AlertTarget[] }>().targets.find((t) => t.name === 'Ops webhook')!;
    expect(hook.lastDelivery).toMatchObject({ status: 'sent', event: 'vm_down_digest' });
    const dl = await s.app.inject({
      method: 'GET',
      url: `/api/alerts/targets/${hook.id}/deliveries`,
      headers: s.app.adminHeaders,
    });
    const deliveries = dl.json<{ deliveries: { status: string; event: string }[] }>().deliveries;
    expect(deliveries.filter((d) => d.status === 'merged')).toHaveLength(30);
    expect(deliveries.filter((d) => d.event === 'vm_down_digest' && d.status === 'sent')).toHaveLength(1);
  });

  it('a receiver that answers 500 three times then 200 gets the message on the 4th try; one that never answers ends failed, and Powerdeck keeps serving', async () => {
    const s = await setUp({ sender: { timeoutMs: 300 } });
    s.webhook.answer({ status: 500, body: 'busy' }, { status: 500 }, { status: 500 }, { status: 200 });
    s.slack.answer('hang');
    const test = (name: string) =>
      s.app
        .inject({ method: 'GET', url: '/api/alerts/targets', headers: s.app.adminHeaders })
        .then(async (r) => {
          const t = r.json<{ targets: AlertTarget[] }>().targets.find((x) => x.name === name)!;
          const sent = await s.app.inject({
            method: 'POST',
            url: `/api/alerts/targets/${t.id}/test`,
            headers: s.app.adminHeaders,
          });
          expect(sent.statusCode, sent.body).toBe(202);
          return t.id;
        });
    const hookId = await test('Ops webhook');
    const slackId = await test('Ops Slack');

    await vi.waitFor(async () => {
      const r = await s.app.inject({
        method: 'GET',
        url: `/api/alerts/targets/${hookId}/deliveries`,
        headers: s.app.adminHeaders,
      });
      expect(r.json<{ deliveries: unknown[] }>().deliveries[0]).toMatchObject({
        status: 'sent',
        attempts: 4,
      });
    }, WAIT);
    expect(s.webhook.received).toHaveLength(4);
    // Every try carried the same webhook-id, so a receiver can drop repeats.
    expect(new Set(s.webhook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

    await vi.waitFor(async () => {
      const r = await s.app.inject({
        method: 'GET',
        url: '/api/alerts/targets',
        headers: s.app.adminHeaders,
      });
      const t = r.json<{ targets: AlertTarget[] }>().targets.find((x) => x.id === slackId)!;
      expect(t.failed).toBe(1);
      expect(t.lastDelivery).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/no answer within/),
      });
      // The secret part of the Slack URL never shows in the error.
      expect(t.lastDelivery!.error).not.toContain('secret');
    }, WAIT);
    // Monitoring sees the same: the webhook's three retries and its success, the Slack target's tries and failure.
    const m = await scrape(s.app);
    const deliveries = (target_kind: string, outcome: string) =>
      m.value('powerdeck_alert_deliveries_total', { target_kind, outcome });
    expect(deliveries('webhook', 'retry')).toBe(3);
    expect(deliveries('webhook', 'sent')).toBe(1);
    expect(deliveries('webhook', 'failed')).toBe(0);
    expect(deliveries('slack', 'failed')).toBe(1);
    expect(deliveries('slack', 'sent')).toBe(0);
    expect(deliveries('slack', 'retry')).toBeGreaterThanOrEqual(1);
    // Meanwhile Powerdeck answered as always.
    const fleet = await s.app.inject({ method: 'GET', url: '/api/fleet', headers: s.app.adminHeaders });
    expect(fleet.statusCode).toBe(200);
  });
});
