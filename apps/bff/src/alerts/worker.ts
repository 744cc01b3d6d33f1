// Sends what the dispatcher queued (alerts/dispatcher.ts), from the database, so that nothing is lost to a restart
// or a failover: the leader's worker runs a pass every `pollMs` and when woken. A pass reads the due deliveries
// (oldest first) and hands each target's to that target's lane: one lane per target, its deliveries in order,
// a few lanes at once (`parallel`). A lane still busy (a receiver that hangs, up to the send timeout) is left
// alone, so one slow target never holds up the others.
//
// For each delivery:
// - its target is gone: dropped (its deliveries went with it);
// - its target is disabled: failed at once, in words ("a test" is sent anyway: the admin asked for it);
// - a `vm_down` not tried yet: the other `vm_down` queued for the target within DIGEST_WINDOW_MS of it are
//   gathered; more than the target's `digestThreshold` of them are merged (in one transaction) into one
//   `vm_down_digest` listing the VMs, sent instead;
// - sent; the result written: `sent`; or `retrying` at now + firstMs, doubling each try up to maxMs (30 s, 1 min,
//   ... 1 h), never later than `forMs` after it was queued; or `failed` when a try at or after that still failed,
//   or the receiver refused for good (HTTP 410).
// `onAttempt(kind, outcome)` is told of every try (metrics). The worker never logs a secret: errors are words
// (alerts/senders.ts), and what is logged is the target's name and id and the delivery's id.
import { randomUUID } from 'node:crypto';
import {
  DIGEST_WINDOW_MS,
  EVENT_SEVERITY,
  RETRY_FOR_MS,
  type TargetKind,
} from '@powerdeck/contracts/alert-terms';
import { StoreError } from '../stores/errors';
import { iso } from '../stores/secrets';
import type { AlertDeliveryRecord, AlertStore, AlertTargetRecord, Clock } from '../stores/types';
import type { AlertLog } from './dispatcher';
import { deliveryData, render, type AlertData } from './render';
import { SecretBoxError, type SecretBox } from './secret-box';
import {
  createSender,
  type Send,
  type Sender,
  type SenderOptions,
  type SendResult,
  type TargetSecrets,
} from './senders';

export interface RetryOptions {
  /** The wait after the first failed try (doubling after each further one). */
  firstMs: number;
  /** The longest wait between two tries. */
  maxMs: number;
  /** How long after it was queued a delivery is still tried. */
  forMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { firstMs: 30_000, maxMs: 3_600_000, forMs: RETRY_FOR_MS };
export const POLL_MS = 5_000;
/** Lanes (targets) sending at once. */
export const PARALLEL_TARGETS = 4;
/** Due deliveries read per pass. */
const BATCH = 200;

export type AttemptOutcome = 'sent' | 'retry' | 'failed';

export interface DeliveryWorkerOptions {
  store: AlertStore;
  /** The target's opened secrets (alerts/secret-box.ts): webhook {secret}, slack/teams {url}, email {password}. */
  openSecrets: (target: AlertTargetRecord) => TargetSecrets | Promise<TargetSecrets>;
  log: AlertLog;
  /** One try (default: alerts/senders.ts with `sender`'s options; closed by stop()). */
  send?: Send;
  sender?: SenderOptions;
  /** Epoch ms (default Date.now; tests move it). */
  now?: Clock;
  retry?: Partial<RetryOptions>;
  /** A pass every this long (default POLL_MS), besides when woken. */
  pollMs?: number;
  /** Default PARALLEL_TARGETS. */
  parallel?: number;
  /** POWERDECK_PUBLIC_URL (origin): a digest links to the fleet. */
  publicUrl?: string;
  /** Told of every try: the target's kind and what came of it (metrics). */
  onAttempt?: (kind: TargetKind, outcome: AttemptOutcome) => void;
}

/** The worker's `openSecrets` over the box the targets' secrets are sealed in (none sealed: none). */
export function openSecretsWith(box: SecretBox): (target: AlertTargetRecord) => TargetSecrets {
  return (target) => (target.secret === null ? {} : box.open(target.secret));
}

/** The wait after the `attempts`-th failed try. */
export function backoffMs(attempts: number, retry: RetryOptions): number {
  return Math.min(retry.maxMs, retry.firstMs * 2 ** Math.max(0, attempts - 1));
}

/** A `vm_down` delivery's VM, for a digest's list. */
function digestVm(d: AlertDeliveryRecord): { key: number; name: string; status: string } {
  const vm = deliveryData(d).vm;
  if (vm) return { key: vm.key, name: vm.name, status: vm.status };
  return { key: d.vmKey ?? 0, name: `VM ${d.vmKey ?? '?'}`, status: 'unknown' };
}

export class DeliveryWorker {
  private readonly store: AlertStore;
  private readonly openSecrets: DeliveryWorkerOptions['openSecrets'];
  private readonly log: AlertLog;
  /** The test's send, or null: the worker's own sender, opened by start() and closed by stop(). */
  private readonly injectedSend: Send | null;
  private readonly senderOptions: SenderOptions | undefined;
  private sender: Sender | null = null;
  private readonly now: Clock;
  private readonly retry: RetryOptions;
  private readonly pollMs: number;
  private readonly parallel: number;
  private readonly publicUrl: string | undefined;
  private readonly onAttempt: DeliveryWorkerOptions['onAttempt'];

  private timer: NodeJS.Timeout | null = null;
  private started = false;
  /** The pass under way (and any asked for while it ran). */
  private running: Promise<void> | null = null;
  private again = false;
  /** Targets being sent to: target id -> its lane. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** A pass left due deliveries for later (lanes busy or full): a lane that ends starts another pass. */
  private leftOver = false;

  constructor(options: DeliveryWorkerOptions) {
    this.store = options.store;
    this.openSecrets = options.openSecrets;
    this.log = options.log;
    this.injectedSend = options.send ?? null;
    this.senderOptions = options.sender;
    this.now = options.now ?? Date.now;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.pollMs = options.pollMs ?? POLL_MS;
    this.parallel = Math.max(1, options.parallel ?? PARALLEL_TARGETS);
    this.publicUrl = options.publicUrl;
    this.onAttempt = options.onAttempt;
  }

  /** Starts passing (the leader's duty); a pass at once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // Started again after a stop (leadership lost and regained): a fresh sender, the old one was closed.
    if (this.injectedSend === null && this.sender === null) this.sender = createSender(this.senderOptions);
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * Stops passing; a send under way is cut off (a receiver that hangs would otherwise hold a shutdown or a handover
   * for the whole timeout) and stays due at once, for whoever sends next (this server started again, or the next
   * leader: the same webhook-id, so a receiver that did get it can drop the repeat). Resolves once nothing runs.
   */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const sender = this.sender;
    this.sender = null;
    const closing = sender?.close();
    await this.settled();
    await closing;
  }

  /** A pass now (or right after the one under way). Nothing while stopped. */
  wake(): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.passes().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once no pass runs and no lane sends. */
  async settled(): Promise<void> {
    for (;;) {
      const busy = [this.running, ...this.lanes.values()].filter((p): p is Promise<void> => p !== null);
      if (busy.length === 0) return;
      await Promise.allSettled(busy);
    }
  }

  private async passes(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (err) {
        this.log.error({ err }, 'Alert deliveries: a pass failed; the next one tries again');
      }
    } while (this.again && this.started);
  }

  private async pass(): Promise<void> {
    this.leftOver = false;
    const due = await this.store.due(iso(this.now()), BATCH);
    if (due.length === BATCH) this.leftOver = true;
    const byTarget = new Map<string, AlertDeliveryRecord[]>();
    for (const d of due) {
      const list = byTarget.get(d.targetId);
      if (list) list.push(d);
      else byTarget.set(d.targetId, [d]);
    }
    for (const [targetId, list] of byTarget) {
      if (this.lanes.has(targetId) || this.lanes.size >= this.parallel) {
        this.leftOver = true;
        continue;
      }
      const lane = this.lane(targetId, list)
        .catch((err: unknown) => {
          this.log.error({ err, target: targetId }, 'Alert deliveries: sending to a target failed');
        })
        .finally(() => {
          this.lanes.delete(targetId);
          if (this.leftOver) this.wake();
        });
      this.lanes.set(targetId, lane);
    }
  }

  /** One target's due deliveries, in order. */
  private async lane(targetId: string, list: readonly AlertDeliveryRecord[]): Promise<void> {
    const target = await this.store.getTarget(targetId);
    // Gone: its deliveries were deleted with it (a pass that read them just before has nothing to do).
    if (target === null) return;
    const merged = new Set<string>();
    for (const d of list) {
      // Stopped: the rest stay due for whoever sends next.
      if (!this.started) return;
      if (merged.has(d.id)) continue;
      if (!target.enabled && d.event !== 'test') {
        await this.drop(d, 'not sent: the target is disabled');
        continue;
      }
      const digest = await this.digestFor(target, d);
      if (digest) {
        for (const id of digest.ids) merged.add(id);
        await this.attempt(target, digest.delivery);
      } else {
        await this.attempt(target, d);
      }
    }
  }

  /**
   * For a `vm_down` not tried yet: when more than the target's threshold of them were queued within the digest
   * window from it, the digest that replaces them (queued, and they marked merged, in one transaction).
   */
  private async digestFor(
    target: AlertTargetRecord,
    d: AlertDeliveryRecord,
  ): Promise<{ delivery: AlertDeliveryRecord; ids: string[] } | null> {
    if (d.event !== 'vm_down' || d.status !== 'queued' || d.attempts > 0) return null;
    const from = Date.parse(d.createdAt);
    const downs = await this.store.queuedDowns(target.id, d.createdAt, iso(from + DIGEST_WINDOW_MS));
    if (downs.length <= target.digestThreshold) return null;
    const at = this.now();
    const vms = downs.map(digestVm);
    const data: AlertData = {
      event: 'vm_down_digest',
      severity: EVENT_SEVERITY.vm_down_digest,
      title: `${vms.length} VMs down unexpectedly`,
      text: `${vms.length} VMs went down unexpectedly within a minute, without a power action from Powerdeck.`,
      vms,
    };
    if (this.publicUrl !== undefined) data.url = `${this.publicUrl.replace(/\/+$/, '')}/`;
    const digest: AlertDeliveryRecord = {
      id: randomUUID(),
      targetId: target.id,
      event: 'vm_down_digest',
      severity: data.severity,
      title: data.title,
      vmKey: null,
      payload: JSON.stringify(data),
      status: 'queued',
      attempts: 0,
      createdAt: iso(at),
      nextAttemptAt: iso(at),
      lastAttemptAt: null,
      lastError: null,
      sentAt: null,
      mergedInto: null,
    };
    const ids = downs.map((x) => x.id);
    await this.store.merge(ids, digest);
    this.log.info(
      { target: target.id, digest: digest.id, vms: vms.length },
      `Alerts: ${vms.length} VMs down within a minute, one digest to "${target.name}"`,
    );
    return { delivery: digest, ids };
  }

  private async attempt(target: AlertTargetRecord, d: AlertDeliveryRecord): Promise<void> {
    const at = this.now();
    let result: SendResult;
    try {
      const secrets = await this.openSecrets(target);
      const send = this.injectedSend ?? this.sender?.send;
      if (send === undefined) throw new Error('the delivery worker is stopped');
      result = await send(target, secrets, render(d, target.kind), { deliveryId: d.id, at });
    } catch (err) {
      // Not the send (it answers in words): the secrets could not be opened (SecretBoxError says why, in words and
      // without any part of the secret), or a bug.
      const words =
        err instanceof SecretBoxError
          ? err.message
          : 'could not prepare the message (an error in Powerdeck; see its log)';
      this.log.error({ err, target: target.id, delivery: d.id }, `Alert delivery: could not try: ${words}`);
      result = { ok: false, error: words, permanent: false };
    }
    if (!result.ok && !this.started) {
      // Cut off by stop(): not the receiver's doing, and not a try that counts; due again at once.
      await this.store
        .recordAttempt(d.id, {
          status: d.status === 'queued' ? 'queued' : 'retrying',
          attempts: d.attempts,
          lastAttemptAt: d.lastAttemptAt,
          lastError: d.lastError,
          nextAttemptAt: iso(at),
          sentAt: null,
        })
        .catch((err: unknown) =>
          this.log.error({ err, delivery: d.id }, 'Alert delivery: could not be put back after a stop'),
        );
      return;
    }
    await this.record(target, d, at, result);
  }

  /** Ends a delivery without trying it (not an attempt: the count stays, onAttempt is not told). */
  private async drop(d: AlertDeliveryRecord, why: string): Promise<void> {
    await this.store
      .recordAttempt(d.id, {
        status: 'failed',
        attempts: d.attempts,
        lastAttemptAt: d.lastAttemptAt,
        lastError: why,
        nextAttemptAt: null,
        sentAt: null,
      })
      .catch((err: unknown) =>
        this.log.error({ err, delivery: d.id }, 'Alert delivery: could not be dropped'),
      );
  }

  private async record(target: AlertTargetRecord, d: AlertDeliveryRecord, at: number, result: SendResult) {
    const attempts = d.attempts + 1;
    let outcome: AttemptOutcome;
    let update: Parameters<AlertStore['recordAttempt']>[1];
    if (result.ok) {
      outcome = 'sent';
      update = {
        status: 'sent',
        attempts,
        lastAttemptAt: iso(at),
        lastError: null,
        nextAttemptAt: null,
        sentAt: iso(at),
      };
    } else {
      const deadline = Date.parse(d.createdAt) + this.retry.forMs;
      const giveUp = result.permanent || at >= deadline;
      outcome = giveUp ? 'failed' : 'retry';
      update = {
        status: giveUp ? 'failed' : 'retrying',
        attempts,
        lastAttemptAt: iso(at),
        lastError: result.error,
        // The last try is at the deadline itself, not a backoff past it.
        nextAttemptAt: giveUp ? null : iso(Math.min(at + backoffMs(attempts, this.retry), deadline)),
        sentAt: null,
      };
      const where = { target: target.id, delivery: d.id, attempts };
      if (giveUp) {
        this.log.warn(where, `Alert to "${target.name}" failed for good (${d.event}): ${result.error}`);
      } else {
        this.log.info(
          where,
          `Alert to "${target.name}" not delivered, trying again (${d.event}): ${result.error}`,
        );
      }
    }
    try {
      await this.store.recordAttempt(d.id, update);
    } catch (err) {
      // Deleted with its target meanwhile: nothing to keep. Anything else: logged; the next pass tries again.
      if (!(err instanceof StoreError && err.code === 'not_found')) {
        this.log.error({ err, delivery: d.id }, 'Alert delivery: the result could not be stored');
      }
    }
    this.onAttempt?.(target.kind, outcome);
  }
}
