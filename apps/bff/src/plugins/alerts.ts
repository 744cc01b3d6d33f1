// Alerts as an app plugin: decorates `app.alerts`, what the alert routes (routes/alerts.ts) and the delivery worker
// share: the box that seals targets' secrets, "send test" (a `test` delivery queued now, for a disabled target too,
// then the worker woken), and the worker's wake-up. The store is `app.stores.alerts`. Registered after schedules and
// housekeeping.
//
// What happens flows sources -> dispatcher -> database -> worker: the sources (alerts/sources) watch the running BFF
// and report events, the dispatcher (alerts/dispatcher.ts) decides which targets hear of each (matchers, cool-down,
// "back" only after "down") and queues their deliveries, the worker (alerts/worker.ts) sends what is due (retries,
// digests). All three run where the fleet is polled and operations run: with one server from ready to close; with
// several, as a leader duty, so that each event is told once and each delivery sent by one server. A delivery queued
// by a leader that then stops is in the database: the next leader's worker sends it.
import { randomUUID } from 'node:crypto';
import { EVENT_SEVERITY, type TargetKind } from '@powerdeck/contracts/alert-terms';
import type { WebhookPayload } from '@powerdeck/contracts/alerts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createDispatcher, type Dispatcher } from '../alerts/dispatcher';
import { CHANNELS } from '../cluster/bus';
import { SecretBox } from '../alerts/secret-box';
import type { SenderOptions } from '../alerts/senders';
import { startAlertSources } from '../alerts/sources';
import { DeliveryWorker, openSecretsWith, type AttemptOutcome, type RetryOptions } from '../alerts/worker';
import { StoreError } from '../stores/errors';
import type { AlertDeliveryRecord, Clock } from '../stores/types';

export interface AlertsPluginOptions {
  /**
   * The 32-byte key targets' secrets are sealed with (server.ts derives it from the audit key); absent: a random key
   * for this app (tests: nothing sealed outlives the app).
   */
  secretKey?: Buffer;
  /** The clock deliveries are stamped with (tests move it). */
  now?: Clock;
  /** How long VergeOS may go without answering before `vergeos_unreachable` (default 5 min; config.alerts). */
  unreachableAfterMs?: number;
  /** POWERDECK_PUBLIC_URL (origin): messages link to the page in Powerdeck. */
  publicUrl?: string;
  /** How long a `vm_down` waits for others to join it in a digest (default 30 s; tests shorten it). */
  groupWaitMs?: number;
  /** Retry backoff and how long to keep trying (default 30 s doubling to 1 h, for a day; tests shorten them). */
  retry?: Partial<RetryOptions>;
  /** The worker looks for due deliveries this often besides when woken (default 5 s). */
  pollMs?: number;
  /** One try's timeout, and a CA trusted besides the system roots (POWERDECK_ALERT_CA_FILE). */
  sender?: SenderOptions;
  /** How often the VergeOS source looks at the time since the last answer (tests). */
  checkEveryMs?: number;
  /** Told of every delivery try, besides the metrics (tests). */
  onAttempt?: (kind: TargetKind, outcome: AttemptOutcome) => void;
}

export interface Alerts {
  box: SecretBox;
  /**
   * Queues a `test` delivery to the target, due now (even when the target is disabled: an admin checks it before
   * turning it on), and wakes the worker. Throws StoreError 'not_found' for an unknown target.
   */
  sendTest(targetId: string, actor: string): Promise<AlertDeliveryRecord>;
  /** Tells the worker there is something to send (no-op until the worker is wired). */
  wake(): void;
  setWake(fn: () => void): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    alerts: Alerts;
  }
}

function alertsPlugin(app: FastifyInstance, opts: AlertsPluginOptions, done: (err?: Error) => void) {
  const store = app.stores.alerts;
  const now = opts.now ?? Date.now;
  let wakeWorker: () => void = () => undefined;

  const alerts: Alerts = {
    box: opts.secretKey ? new SecretBox(opts.secretKey) : SecretBox.random(),
    async sendTest(targetId, actor) {
      const target = await store.getTarget(targetId);
      if (!target) throw new StoreError('not_found', `No alert target ${targetId}`);
      const at = new Date(now()).toISOString();
      const data: WebhookPayload['data'] = {
        event: 'test',
        severity: EVENT_SEVERITY.test,
        title: `Test message from Powerdeck to "${target.name}"`,
        text: `${actor} sent this test from Powerdeck to check the alert target "${target.name}". If you read this, alerts reach you here.`,
      };
      const delivery: AlertDeliveryRecord = {
        id: randomUUID(),
        targetId: target.id,
        event: 'test',
        severity: data.severity,
        title: data.title,
        vmKey: null,
        payload: JSON.stringify(data),
        status: 'queued',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
        lastAttemptAt: null,
        lastError: null,
        sentAt: null,
        mergedInto: null,
      };
      await store.enqueue([delivery]);
      alerts.wake();
      return delivery;
    },
    wake: () => wakeWorker(),
    setWake: (fn) => {
      wakeWorker = fn;
    },
  };
  app.decorate('alerts', alerts);

  const log = app.log.child({ component: 'alerts' });
  const worker = new DeliveryWorker({
    store,
    openSecrets: openSecretsWith(alerts.box),
    log,
    now,
    ...(opts.retry !== undefined ? { retry: opts.retry } : {}),
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    ...(opts.sender !== undefined ? { sender: opts.sender } : {}),
    ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
    onAttempt: (kind, outcome) => {
      app.metrics.alertDelivery(kind, outcome);
      opts.onAttempt?.(kind, outcome);
    },
  });
  const cluster = app.cluster;
  if (cluster) {
    // A test pressed on any server is queued in the database; the leader's worker (the only one started) hears of
    // it at once rather than at its next pass. The notification reaches this server too.
    alerts.setWake(() => {
      cluster.bus
        .notify(CHANNELS.alerts, '', cluster.pool)
        .catch((err: unknown) => log.warn({ err }, 'could not tell the leader of a queued alert'));
    });
    const unlisten = cluster.bus.on(CHANNELS.alerts, () => worker.wake());
    app.addHook('onClose', (_app, hookDone) => {
      unlisten();
      hookDone();
    });
  } else {
    alerts.setWake(() => worker.wake());
  }
  const dispatcher: Dispatcher = createDispatcher({
    store,
    wake: () => worker.wake(),
    log,
    now,
    ...(opts.groupWaitMs !== undefined ? { groupWaitMs: opts.groupWaitMs } : {}),
    ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
  });
  let stopSources: (() => void) | null = null;
  const begin = () => {
    worker.start();
    stopSources = startAlertSources(app, dispatcher.sink, {
      unreachableAfterMs: opts.unreachableAfterMs ?? 5 * 60_000,
      now,
      ...(opts.checkEveryMs !== undefined ? { checkEveryMs: opts.checkEveryMs } : {}),
    });
  };
  const end = async () => {
    stopSources?.();
    stopSources = null;
    // What the sources reported is queued before the worker stops (a next leader sends it).
    await dispatcher.settled();
    await worker.stop();
  };
  if (cluster) {
    cluster.duty({ name: 'alerts', gain: begin, lose: end });
  } else {
    app.addHook('onReady', (hookDone) => {
      begin();
      hookDone();
    });
    app.addHook('preClose', end);
  }
  done();
}

export default fp(alertsPlugin, {
  name: 'alerts',
  fastify: '5.x',
  dependencies: ['stores', 'metrics', 'cluster', 'fleet-poller', 'fleet-stops', 'operations', 'schedules'],
});
