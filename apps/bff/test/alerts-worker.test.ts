// Sending what was queued (alerts/worker.ts), from the real stores to real receivers, with the dispatcher in front
// and a clock the test moves: a receiver answering 500 three times then 200 gets the message on the fourth try
// (30 s, 1 min, 2 min apart, shrunk here), with the last error kept until then; one that never answers ends failed
// once the retry time is over, with "no answer within", while other targets keep getting theirs; 30 VMs down at
// once are one digest (the 30 rows merged into it), 3 are 3 messages; a disabled target gets nothing but a test;
// 410 ends it at once; no secret reaches a log or an error; stop() waits for the sends under way.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { createDispatcher, GROUP_WAIT_MS, type Dispatcher } from '../src/alerts/dispatcher';
import type { TargetSecrets } from '../src/alerts/senders';
import type { AlertEventInput } from '../src/alerts/types';
import { SecretBox } from '../src/alerts/secret-box';
import {
  DeliveryWorker,
  openSecretsWith,
  type AttemptOutcome,
  type RetryOptions,
} from '../src/alerts/worker';
import type { AlertDeliveryRecord, AlertStore, AlertTargetRecord } from '../src/stores/types';
import { startReceiver, webhookSecret, type Receiver } from './alert-receivers';
import { captureLog, plainEvent, target, vmEvent, type LoggedLine } from './alerts-support';
import { BACKENDS, openTestStores, type Backend } from './store-backends';
import { onCleanup, WAIT } from './support';

interface Env {
  store: AlertStore;
  dispatcher: Dispatcher;
  worker: DeliveryWorker;
  /** The test's clock (epoch ms); starts now, so that a receiver's signature check accepts the timestamps. */
  clock: { now: number };
  /** Each try: the target's kind and outcome. */
  outcomes: string[];
  logged: LoggedLine[];
  secrets: Map<string, TargetSecrets>;
  /** Adds a webhook target sending to `receiver` (its signing secret kept for the test). */
  webhook(id: string, receiver: Receiver, over?: Partial<AlertTargetRecord>): Promise<string>;
  report(...events: AlertEventInput[]): Promise<void>;
  /** A pass, and waits for its sends. */
  run(): Promise<void>;
  deliveries(targetId: string): Promise<AlertDeliveryRecord[]>;
}

async function setup(
  backend: Backend,
  options: {
    retry?: Partial<RetryOptions>;
    timeoutMs?: number;
    publicUrl?: string;
    openSecrets?: (t: AlertTargetRecord) => TargetSecrets;
  } = {},
): Promise<Env> {
  const { store } = { store: (await openTestStores(backend)).alerts };
  const clock = { now: Date.now() };
  const outcomes: string[] = [];
  const secrets = new Map<string, TargetSecrets>();
  const { log, lines } = captureLog();
  const worker = new DeliveryWorker({
    store,
    openSecrets: options.openSecrets ?? ((t) => secrets.get(t.id) ?? {}),
    log,
    now: () => clock.now,
    sender: { timeoutMs: options.timeoutMs ?? 2_000 },
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    // Passes only when the test asks (or the dispatcher wakes it).
    pollMs: 3_600_000,
    onAttempt: (kind: string, outcome: AttemptOutcome) => outcomes.push(`${kind}:${outcome}`),
  });
  worker.start();
  onCleanup(() => worker.stop());
  const dispatcher = createDispatcher({ store, log, now: () => clock.now, wake: () => worker.wake() });
  const env: Env = {
    store,
    dispatcher,
    worker,
    clock,
    outcomes,
    logged: lines,
    secrets,
    async webhook(id, receiver, over = {}) {
      await store.createTarget(target(id, { config: { url: `${receiver.url}/hooks/${id}` }, ...over }));
      const secret = webhookSecret();
      secrets.set(id, { secret });
      return secret;
    },
    async report(...events) {
      for (const e of events) {
        dispatcher.sink(e);
        await dispatcher.settled();
        clock.now += 1;
      }
    },
    async run() {
      worker.wake();
      await worker.settled();
    },
    async deliveries(targetId) {
      return (await store.listDeliveries(targetId, 1000)).reverse();
    },
  };
  await worker.settled();
  return env;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('alert worker: retries', { timeout: 30_000 }, () => {
  it('500, 500, 500, then 200: sent on the 4th try, 1, 2, 4 × firstMs apart; the last error kept until then', async () => {
    const env = await setup('sqlite', { retry: { firstMs: 30_000, maxMs: 3_600_000 } });
    const r = await startReceiver(
      { status: 500, body: 'boom' },
      { status: 500, body: 'boom' },
      { status: 500, body: 'still broken' },
      { status: 200, body: 'ok' },
    );
    await env.webhook('w', r);
    await env.report(plainEvent('operation_failed', 'Operation finished with 2 VMs failed'));
    await env.worker.settled();

    const [d] = await env.deliveries('w');
    if (!d) throw new Error('one delivery expected');
    const where = `127.0.0.1:${r.port}`;
    const first = Date.parse(d.createdAt);
    expect(d).toMatchObject({
      status: 'retrying',
      attempts: 1,
      lastError: `HTTP 500 from ${where}: boom`,
      lastAttemptAt: iso(first),
      nextAttemptAt: iso(first + 30_000),
    });

    // Not before its time.
    env.clock.now = first + 29_999;
    await env.run();
    expect(r.received).toHaveLength(1);

    env.clock.now = first + 30_000;
    await env.run();
    expect(await env.store.getDelivery(d.id)).toMatchObject({
      status: 'retrying',
      attempts: 2,
      nextAttemptAt: iso(first + 30_000 + 60_000),
    });

    env.clock.now = first + 90_000;
    await env.run();
    expect(await env.store.getDelivery(d.id)).toMatchObject({
      status: 'retrying',
      attempts: 3,
      lastError: `HTTP 500 from ${where}: still broken`,
      nextAttemptAt: iso(first + 90_000 + 120_000),
    });

    env.clock.now = first + 210_000;
    await env.run();
    expect(await env.store.getDelivery(d.id)).toMatchObject({
      status: 'sent',
      attempts: 4,
      lastError: null,
      sentAt: iso(first + 210_000),
      nextAttemptAt: null,
    });
    expect(r.received).toHaveLength(4);
    // One webhook-id for every try, so the receiver can tell a repeat.
    expect(new Set(r.received.map((q) => q.headers['webhook-id']))).toEqual(new Set([d.id]));
    expect(env.outcomes).toEqual(['webhook:retry', 'webhook:retry', 'webhook:retry', 'webhook:sent']);

    env.clock.now += 3_600_000;
    await env.run();
    expect(r.received).toHaveLength(4);
  });

  it('a receiver that never answers: failed once the retry time is over, "no answer within"; others served meanwhile', async () => {
    const env = await setup('sqlite', {
      timeoutMs: 300,
      retry: { firstMs: 1_000, maxMs: 4_000, forMs: 10_000 },
    });
    const hung = await startReceiver('hang');
    const fine = await startReceiver();
    // The hung one takes only the first event, so that its tries are of that one delivery.
    await env.webhook('hung', hung, { events: ['operation_failed'] });
    await env.webhook('fine', fine);
    await env.report(plainEvent('operation_failed'));

    // The healthy target has its message while the hung one still waits for an answer.
    await vi.waitFor(async () => expect((await env.deliveries('fine'))[0]?.status).toBe('sent'), WAIT);
    expect((await env.deliveries('hung'))[0]).toMatchObject({ status: 'queued', attempts: 0 });
    await env.worker.settled();

    const [d] = await env.deliveries('hung');
    if (!d) throw new Error('one delivery expected');
    const created = Date.parse(d.createdAt);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const now = (await env.store.getDelivery(d.id))!;
      if (now.status !== 'retrying') break;
      expect(now.lastError).toBe(`no answer within 0.3 s from 127.0.0.1:${hung.port}`);
      waits.push(Date.parse(now.nextAttemptAt!) - created);
      env.clock.now = Date.parse(now.nextAttemptAt!);
      env.worker.wake();
      if (i === 1) {
        // Another event while the hung receiver holds its try: the healthy target still gets it at once.
        await env.report(plainEvent('schedule_failed'));
        await vi.waitFor(async () => expect((await env.deliveries('fine'))[1]?.status).toBe('sent'), WAIT);
        expect((await env.store.getDelivery(d.id))?.attempts).toBe(2);
      }
      await env.worker.settled();
    }
    // 1 s, then 2 s, 4 s (the most), and the last try at the end of the 10 s, not past it.
    expect(waits).toEqual([1_000, 3_000, 7_000, 10_000]);
    expect(await env.store.getDelivery(d.id)).toMatchObject({
      status: 'failed',
      attempts: 5,
      lastError: `no answer within 0.3 s from 127.0.0.1:${hung.port}`,
      nextAttemptAt: null,
      sentAt: null,
    });
    expect(hung.received).toHaveLength(5);
    expect(fine.received).toHaveLength(2);
    expect(env.outcomes.filter((o) => o === 'webhook:failed')).toHaveLength(1);
    expect(env.logged.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      `Alert to "Target hung" failed for good (operation_failed): no answer within 0.3 s from 127.0.0.1:${hung.port}`,
    ]);
  });

  it('HTTP 410: failed at once, not tried again', async () => {
    const env = await setup('sqlite');
    const r = await startReceiver({ status: 410, body: 'channel_is_archived' });
    await env.webhook('w', r);
    await env.report(plainEvent('operation_failed'));
    await env.worker.settled();
    env.clock.now += 3_600_000;
    await env.run();
    expect((await env.deliveries('w'))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: `HTTP 410 from 127.0.0.1:${r.port}: channel_is_archived`,
    });
    expect(r.received).toHaveLength(1);
    expect(env.outcomes).toEqual(['webhook:failed']);
  });

  it('a Slack URL (the secret) reaches neither the error kept nor the log', async () => {
    const env = await setup('sqlite');
    const token = 'T0001/B0002/Xy9SecretSlackToken';
    const r = await startReceiver({ status: 500, body: `invalid_token /services/${token}` });
    await env.store.createTarget(target('s', { kind: 'slack', config: { host: '127.0.0.1' } }));
    env.secrets.set('s', { url: `${r.url}/services/${token}` });
    await env.report(vmEvent('vm_down', 1));
    env.clock.now += GROUP_WAIT_MS;
    await env.run();
    const [d] = await env.deliveries('s');
    expect(d?.status).toBe('retrying');
    expect(d?.lastError).toMatch(new RegExp(`^HTTP 500 from 127\\.0\\.0\\.1:${r.port}: invalid_token`));
    expect(d?.lastError).not.toContain('Xy9SecretSlackToken');
    const logged = JSON.stringify(env.logged);
    expect(logged).toContain('invalid_token');
    expect(logged).not.toContain('Xy9SecretSlackToken');
    expect(JSON.parse(r.received[0]?.body ?? '{}')).toMatchObject({
      text: 'VM vm-1 is down unexpectedly (error)',
    });
  });

  it('secrets sealed in the box are opened to sign; sealed with another key: an error in words, no secret logged', async () => {
    const box = SecretBox.random();
    const env = await setup('sqlite', { openSecrets: openSecretsWith(box) });
    const r = await startReceiver();
    const secret = webhookSecret();
    await env.store.createTarget(target('sealed', { config: { url: r.url }, secret: box.seal({ secret }) }));
    await env.store.createTarget(
      target('other', { config: { url: r.url }, secret: SecretBox.random().seal({ secret }) }),
    );
    await env.report(plainEvent('operation_failed'));
    await env.worker.settled();

    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    expect(() => new Webhook(secret).verify(got.body, got.headers)).not.toThrow();
    expect((await env.deliveries('sealed'))[0]?.status).toBe('sent');
    const [other] = await env.deliveries('other');
    expect(other).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(other?.lastError).toMatch(
      /^the stored alert secret cannot be opened: it was sealed with another key/,
    );
    expect(JSON.stringify(env.logged)).not.toContain(secret.slice('whsec_'.length));
  });

  it('a disabled target gets nothing queued before; an admin’s test goes anyway', async () => {
    const env = await setup('sqlite');
    const r = await startReceiver();
    await env.webhook('w', r);
    await env.report(plainEvent('operation_failed'));
    // Disabled between queueing and sending (the worker is not woken by the change).
    await env.worker.settled();
    await env.store.updateTarget('w', { enabled: false }, iso(env.clock.now));
    expect(r.received).toHaveLength(1);
    await env.report(plainEvent('operation_failed'));
    expect(await env.deliveries('w')).toHaveLength(1);

    const now = env.clock.now;
    const queued = (id: string, event: 'operation_failed' | 'test'): AlertDeliveryRecord => ({
      id,
      targetId: 'w',
      event,
      severity: 'info',
      title: event === 'test' ? 'Test message from Powerdeck' : 'Operation failed',
      vmKey: null,
      payload: JSON.stringify({ text: '' }),
      status: 'queued',
      attempts: 0,
      createdAt: iso(now),
      nextAttemptAt: iso(now),
      lastAttemptAt: null,
      lastError: null,
      sentAt: null,
      mergedInto: null,
    });
    await env.store.enqueue([
      queued('00000000-0000-4000-8000-0000000000a1', 'operation_failed'),
      queued('00000000-0000-4000-8000-0000000000a2', 'test'),
    ]);
    await env.run();
    expect(await env.store.getDelivery('00000000-0000-4000-8000-0000000000a1')).toMatchObject({
      status: 'failed',
      attempts: 0,
      lastError: 'not sent: the target is disabled',
    });
    expect(await env.store.getDelivery('00000000-0000-4000-8000-0000000000a2')).toMatchObject({
      status: 'sent',
      attempts: 1,
    });
    expect(r.received.map((q) => JSON.parse(q.body) as { type: string }).map((b) => b.type)).toEqual([
      'powerdeck.operation_failed',
      'powerdeck.test',
    ]);
  });

  it('stop() cuts off a send under way (it stays due, not counted as a try), then nothing is sent until started again', async () => {
    // A receiver that never answers, and a timeout far longer than the test: stop() must not wait for it.
    const env = await setup('sqlite', { timeoutMs: 60_000 });
    const hung = await startReceiver('hang');
    await env.webhook('w', hung);
    await env.report(plainEvent('operation_failed'));
    await vi.waitFor(() => expect(hung.received).toHaveLength(1), WAIT);
    const stopping = performance.now();
    await env.worker.stop();
    expect(performance.now() - stopping).toBeLessThan(5_000);
    expect((await env.deliveries('w'))[0]).toMatchObject({ status: 'queued', attempts: 0, lastError: null });
    expect(env.outcomes).toEqual([]);
    env.clock.now += 1_000;
    await env.report(plainEvent('operation_failed'));
    env.worker.wake();
    await env.worker.settled();
    expect(hung.received).toHaveLength(1);

    // Started again (leadership regained): both are sent, the first with the webhook-id it was cut off with.
    hung.answer({ status: 200 });
    env.worker.start();
    await vi.waitFor(async () => {
      expect((await env.deliveries('w')).map((d) => d.status)).toEqual(['sent', 'sent']);
    }, WAIT);
    expect(hung.received).toHaveLength(3);
    expect(hung.received[1]!.headers['webhook-id']).toBe(hung.received[0]!.headers['webhook-id']);
    expect(env.outcomes).toEqual(['webhook:sent', 'webhook:sent']);
  });
});

describe.each(BACKENDS)('alert worker: digests (%s)', { timeout: 30_000 }, (backend) => {
  it('30 VMs down at once: one digest listing the 30, signed; the 30 rows merged into it', async () => {
    const env = await setup(backend, { publicUrl: 'https://powerdeck.example.com' });
    const r = await startReceiver();
    const slack = await startReceiver();
    const secret = await env.webhook('w', r);
    await env.store.createTarget(target('s', { kind: 'slack', config: { host: '127.0.0.1' } }));
    env.secrets.set('s', { url: `${slack.url}/services/T/B/x` });

    await env.report(...Array.from({ length: 30 }, (_, i) => vmEvent('vm_down', i + 1)));
    await env.worker.settled();
    // Waiting for their group.
    expect(r.received).toHaveLength(0);

    env.clock.now += GROUP_WAIT_MS;
    await env.run();
    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    const body = new Webhook(secret).verify(got.body, got.headers) as {
      type: string;
      data: { title: string; vms: { key: number; name: string; status: string }[]; url?: string };
    };
    expect(body.type).toBe('powerdeck.vm_down_digest');
    expect(body.data.title).toBe('30 VMs down unexpectedly');
    expect(body.data.vms.map((v) => v.key).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    expect(body.data.vms[0]).toEqual({ key: 1, name: 'vm-1', status: 'error' });
    expect(body.data.url).toBe('https://powerdeck.example.com/');

    const rows = await env.deliveries('w');
    const digest = rows.find((d) => d.event === 'vm_down_digest');
    expect(digest).toMatchObject({ status: 'sent', attempts: 1, vmKey: null, id: got.headers['webhook-id'] });
    const downs = rows.filter((d) => d.event === 'vm_down');
    expect(downs).toHaveLength(30);
    expect(downs.every((d) => d.status === 'merged' && d.mergedInto === digest?.id)).toBe(true);

    // Slack's digest names 20 and counts the rest.
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]?.body).toContain('and 10 more');

    env.clock.now += 3_600_000;
    await env.run();
    expect(r.received).toHaveLength(1);
    expect(slack.received).toHaveLength(1);
    // The two targets are sent to side by side: in either order.
    expect([...env.outcomes].sort()).toEqual(['slack:sent', 'webhook:sent']);
  });

  it('at the threshold: one message each; one more: a digest', async () => {
    const env = await setup(backend);
    const r3 = await startReceiver();
    const r2 = await startReceiver();
    await env.webhook('three', r3, { digestThreshold: 3 });
    await env.webhook('two', r2, { digestThreshold: 2 });
    await env.report(vmEvent('vm_down', 1), vmEvent('vm_down', 2), vmEvent('vm_down', 3));
    env.clock.now += GROUP_WAIT_MS;
    await env.run();
    const types = (rcv: Receiver) => rcv.received.map((q) => (JSON.parse(q.body) as { type: string }).type);
    expect(types(r3)).toEqual(['powerdeck.vm_down', 'powerdeck.vm_down', 'powerdeck.vm_down']);
    expect(types(r2)).toEqual(['powerdeck.vm_down_digest']);
    expect((await env.deliveries('three')).map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('a vm_down outside the first one’s minute is not folded into its digest', async () => {
    const env = await setup(backend);
    const r = await startReceiver();
    await env.webhook('w', r, { digestThreshold: 1 });
    await env.report(vmEvent('vm_down', 1), vmEvent('vm_down', 2));
    env.clock.now += 61_000;
    await env.report(vmEvent('vm_down', 3));
    // The first two are due (and the third not yet: its group still waits).
    await env.run();
    const bodies = () =>
      r.received.map((q) => JSON.parse(q.body) as { type: string; data: { vms?: unknown[] } });
    expect(bodies().map((b) => [b.type, b.data.vms?.length])).toEqual([['powerdeck.vm_down_digest', 2]]);
    env.clock.now += GROUP_WAIT_MS;
    await env.run();
    expect(bodies().map((b) => b.type)).toEqual(['powerdeck.vm_down_digest', 'powerdeck.vm_down']);
  });
});
