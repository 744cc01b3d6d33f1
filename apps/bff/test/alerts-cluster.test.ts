// Alerts with several Powerdeck servers on one PostgreSQL database (issue 17), in one process against one simulator,
// with a real webhook receiver that checks the signature. The servers share the audit key file, so they seal and open
// targets' secrets with the same key (server.ts derives it; here every server is given the same one). A target made
// on a server that does not lead is sent to by the leader; a VM killed outside Powerdeck is told once, though every
// server sees it; a delivery still being retried when the leader stops is sent by the server that takes over, with
// the same webhook-id.
import { randomBytes } from 'node:crypto';
import type { AlertDelivery, AlertTargetCreated } from '@powerdeck/contracts/alerts';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { startReceiver, webhookSecret } from './alert-receivers';
import { clusterDatabase, clusterServer, leaders, type Server } from './cluster-support';
import { signIn, simAction, startTestSim } from './support';

const WAIT = { timeout: 15_000, interval: 25 };

describe('alerts with several servers', { timeout: 45_000 }, () => {
  it('the leader alone sends, what a follower queued too; a delivery under retry survives the leader', async () => {
    const sim = await startTestSim({ timeScale: 0.01 });
    const { url, dir } = await clusterDatabase(['admin']);
    const alerts = {
      secretKey: randomBytes(32),
      groupWaitMs: 300,
      pollMs: 50,
      retry: { firstMs: 100, maxMs: 200, forMs: 30_000 },
    };
    const pd1 = await clusterServer(sim, url, dir, 'pd-1', { alerts });
    await vi.waitFor(() => expect(leaders([pd1])).toEqual([pd1]), WAIT);
    const pd2 = await clusterServer(sim, url, dir, 'pd-2', { alerts });
    const servers: Server[] = [pd1, pd2];
    await vi.waitFor(() => {
      for (const s of servers) expect(s.app.fleet.current().snapshot.fetchedAt).not.toBeNull();
    }, WAIT);

    const receiver = await startReceiver();
    const secret = webhookSecret();
    const headers = await signIn(pd2.app, 'admin');
    const made = await pd2.app.inject({
      method: 'POST',
      url: '/api/alerts/targets',
      headers,
      payload: { name: 'Ops', kind: 'webhook', webhook: { url: receiver.url, secret } },
    });
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json<AlertTargetCreated>().target.id;

    // Send test on the follower: queued in the database, sent once by the leader (the secret opens there).
    const test = await pd2.app.inject({ method: 'POST', url: `/api/alerts/targets/${id}/test`, headers });
    expect(test.statusCode, test.body).toBe(202);
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), WAIT);
    const wh = new Webhook(secret);
    expect(wh.verify(receiver.received[0]!.body, receiver.received[0]!.headers)).toMatchObject({
      type: 'powerdeck.test',
    });

    // A VM killed outside Powerdeck: both servers see it stop, one message.
    const key = pd1.app.fleet.current().snapshot.vms.find((v) => v.status === 'running')!.key;
    await simAction(sim, key, 'kill');
    await vi.waitFor(() => expect(receiver.received).toHaveLength(2), WAIT);
    expect(wh.verify(receiver.received[1]!.body, receiver.received[1]!.headers)).toMatchObject({
      type: 'powerdeck.vm_down',
      data: { vm: { key } },
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.received).toHaveLength(2);

    // The receiver fails; the leader retries, then stops. The server that takes over sends it, same webhook-id.
    receiver.answer({ status: 503 }, { status: 503 }, { status: 200 });
    const again = await pd2.app.inject({ method: 'POST', url: `/api/alerts/targets/${id}/test`, headers });
    const queued = again.json<AlertDelivery>();
    await vi.waitFor(() => expect(receiver.received).toHaveLength(3), WAIT);
    await pd1.close();
    await vi.waitFor(() => expect(leaders([pd2])).toEqual([pd2]), WAIT);
    await vi.waitFor(async () => {
      const r = await pd2.app.inject({ method: 'GET', url: `/api/alerts/targets/${id}/deliveries`, headers });
      const d = r.json<{ deliveries: AlertDelivery[] }>().deliveries.find((x) => x.id === queued.id);
      expect(d).toMatchObject({ status: 'sent' });
    }, WAIT);
    // Its tries (the first, answered 503 by the old leader's; the last, answered 200, by the new leader's) all carry
    // its webhook-id; the only other message is the new leader telling that it took over (which takes its turn in
    // the receiver's answers, so the tries in between are two or one).
    const later = receiver.received.slice(2);
    const tries = later.filter((r) => r.headers['webhook-id'] === queued.id);
    expect(tries.length).toBeGreaterThanOrEqual(2);
    expect(wh.verify(tries.at(-1)!.body, tries.at(-1)!.headers)).toMatchObject({ type: 'powerdeck.test' });
    const others = later.filter((r) => r.headers['webhook-id'] !== queued.id);
    expect(others.map((r) => (wh.verify(r.body, r.headers) as { type: string }).type)).toEqual([
      'powerdeck.leader_changed',
    ]);
  });

  it('a test pressed on a follower goes out at once: the leader hears of it, not at its next pass', async () => {
    const sim = await startTestSim({ timeScale: 0.01 });
    const { url, dir } = await clusterDatabase(['admin']);
    // The worker's own passes an hour apart: only being told can send the test in time.
    const alerts = { secretKey: randomBytes(32), pollMs: 3_600_000 };
    const pd1 = await clusterServer(sim, url, dir, 'pd-1', { alerts });
    await vi.waitFor(() => expect(leaders([pd1])).toEqual([pd1]), WAIT);
    const pd2 = await clusterServer(sim, url, dir, 'pd-2', { alerts });
    const receiver = await startReceiver();
    const headers = await signIn(pd2.app, 'admin');
    const made = await pd2.app.inject({
      method: 'POST',
      url: '/api/alerts/targets',
      headers,
      payload: { name: 'Ops', kind: 'webhook', webhook: { url: receiver.url, secret: webhookSecret() } },
    });
    const id = made.json<AlertTargetCreated>().target.id;
    const test = await pd2.app.inject({ method: 'POST', url: `/api/alerts/targets/${id}/test`, headers });
    expect(test.statusCode, test.body).toBe(202);
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 5_000, interval: 25 });
  });
});
