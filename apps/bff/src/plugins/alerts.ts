// Alerts as an app plugin: decorates `app.alerts`, what the alert routes (routes/alerts.ts) and the delivery worker
// share: the box that seals targets' secrets, "send test" (a `test` delivery queued now, for a disabled target too,
// then the worker woken), and the worker's wake-up (a no-op until the worker is wired: setWake). The store is
// `app.stores.alerts`. Registered after schedules and housekeeping.
import { randomUUID } from 'node:crypto';
import { EVENT_SEVERITY } from '@powerdeck/contracts/alert-terms';
import type { WebhookPayload } from '@powerdeck/contracts/alerts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SecretBox } from '../alerts/secret-box';
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
  done();
}

export default fp(alertsPlugin, {
  name: 'alerts',
  fastify: '5.x',
  dependencies: ['stores', 'cluster'],
});
