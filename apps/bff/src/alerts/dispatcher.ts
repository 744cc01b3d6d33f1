// From what happened to who hears of it. The sources (alerts/sources/*) report events to the sink; for each event
// the dispatcher reads the targets and queues one delivery in the database per target that takes it, then wakes the
// worker (alerts/worker.ts), which sends. A target takes an event when:
// - it is enabled;
// - its matchers let the event through: the event is among its events (none listed: every event), the event's
//   severity is at least its minimum, and for a VM's event the VM matches its VM filter (the fleet filter language,
//   `status:down` meaning down unexpectedly, as on the wall);
// - no storm: a `vm_down` for the same VM, a `vergeos_unreachable` or a `leader_changed` was not queued for this
//   target within its cool-down. Events that name one occurrence (an operation, a scheduled run) have no cool-down:
//   each is news. Back messages have none either: they follow their own rule, below;
// - "back" only after "down": a `vm_back` (`vergeos_back`) goes to a target whose last `vm_down` for that VM
//   (`vergeos_unreachable`) was queued or sent (not failed, and when merged into a digest, a digest not failed),
//   with no back queued since. So the back goes exactly where the down went; the VM filter is not asked again
//   (the VM's status has changed, and `status:down` would never match a VM that runs again).
// A `vm_down` waits `groupWaitMs` (30 s) before its first try, so that the worker can fold a burst of them into one
// digest; everything else is due at once.
//
// Events are handled one after another, in the order reported: the cool-down and "back only after down" read what
// the one before queued. The sink never throws and never waits: a failure (the database) is logged and the event
// dropped, as an alert that cannot be queued cannot be sent either.
import { randomUUID } from 'node:crypto';
import { EVENT_SEVERITY, severityAtLeast, type AlertEvent } from '@powerdeck/contracts/alert-terms';
import { isEmptyFilter, matchesFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import type { FastifyBaseLogger } from 'fastify';
import { iso } from '../stores/secrets';
import type { AlertDeliveryRecord, AlertStore, AlertTargetRecord, Clock } from '../stores/types';
import type { AlertData } from './render';
import type { AlertEventInput, AlertSink } from './types';

/** How long a `vm_down` waits for others to join it in a digest. */
export const GROUP_WAIT_MS = 30_000;

export type AlertLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

export interface DispatcherOptions {
  store: AlertStore;
  /** Wakes the worker once deliveries are queued. */
  wake: () => void;
  log: AlertLog;
  /** Epoch ms (default Date.now; tests move it). */
  now?: Clock;
  /** Default GROUP_WAIT_MS. */
  groupWaitMs?: number;
  /** POWERDECK_PUBLIC_URL (origin): an event's `path` becomes a link in the message. */
  publicUrl?: string;
}

export interface Dispatcher {
  sink: AlertSink;
  /** Resolves once every event reported so far is handled. */
  settled(): Promise<void>;
}

/** Events that cool down: a state that can come and go (a VM down, VergeOS unreachable, the leader). */
const COOLS_DOWN: ReadonlySet<AlertEvent> = new Set<AlertEvent>([
  'vm_down',
  'vergeos_unreachable',
  'leader_changed',
]);

/** A back event and the down event it answers. */
const BACK_OF: Partial<Record<AlertEvent, AlertEvent>> = {
  vm_back: 'vm_down',
  vergeos_back: 'vergeos_unreachable',
};

/** Whether the target's matchers let the event through (events, severity, VM filter). */
export function takes(target: AlertTargetRecord, e: AlertEventInput): boolean {
  if (!target.enabled) return false;
  if (target.events.length > 0 && !target.events.includes(e.event)) return false;
  if (!severityAtLeast(EVENT_SEVERITY[e.event], target.minSeverity)) return false;
  // The VM filter picks VMs: events about no VM pass it, and a back event follows its down (see above).
  if (e.vm !== undefined && BACK_OF[e.event] === undefined) {
    const filter = parseFilter(target.vmFilter);
    if (!isEmptyFilter(filter)) {
      const vm = { name: e.vm.name, status: e.vm.status, nodeName: e.vm.node };
      if (!matchesFilter(vm, filter, e.event === 'vm_down')) return false;
    }
  }
  return true;
}

/** The delivery's payload: the webhook's `data` (alerts.ts WebhookPayload). */
function payloadOf(e: AlertEventInput, publicUrl: string | undefined): AlertData {
  const data: AlertData = {
    event: e.event,
    severity: EVENT_SEVERITY[e.event],
    title: e.title,
    text: e.text,
  };
  if (e.vm) data.vm = { key: e.vm.key, name: e.vm.name, status: e.vm.status, node: e.vm.node };
  if (e.operationId !== undefined) data.operationId = e.operationId;
  if (e.scheduleId !== undefined) data.scheduleId = e.scheduleId;
  if (e.server !== undefined) data.server = e.server;
  if (publicUrl !== undefined && e.path !== undefined && e.path.startsWith('/')) {
    data.url = `${publicUrl.replace(/\/+$/, '')}${e.path}`;
  }
  return data;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, wake, log } = options;
  const now = options.now ?? Date.now;
  const groupWaitMs = options.groupWaitMs ?? GROUP_WAIT_MS;
  let queue: Promise<void> = Promise.resolve();

  /** Whether the target's history lets this event through: the cool-down and "back only after down". */
  async function historyAllows(target: AlertTargetRecord, e: AlertEventInput, at: number): Promise<boolean> {
    const vmKey = e.vm?.key ?? null;
    const downEvent = BACK_OF[e.event];
    if (downEvent !== undefined) {
      const down = await store.lastDelivery(target.id, downEvent, vmKey);
      if (down === null) return false;
      if (down.status === 'merged' && down.mergedInto !== null) {
        const digest = await store.getDelivery(down.mergedInto);
        if (digest === null || digest.status === 'failed') return false;
      }
      const back = await store.lastDelivery(target.id, e.event, vmKey);
      return back === null || Date.parse(back.createdAt) < Date.parse(down.createdAt);
    }
    if (COOLS_DOWN.has(e.event) && target.cooldownMinutes > 0) {
      const last = await store.lastDelivery(target.id, e.event, vmKey);
      if (last !== null && at - Date.parse(last.createdAt) < target.cooldownMinutes * 60_000) return false;
    }
    return true;
  }

  async function handle(e: AlertEventInput): Promise<void> {
    const at = now();
    const targets = await store.listTargets();
    const payload = JSON.stringify(payloadOf(e, options.publicUrl));
    const queued: AlertDeliveryRecord[] = [];
    for (const target of targets) {
      if (!takes(target, e) || !(await historyAllows(target, e, at))) continue;
      queued.push({
        id: randomUUID(),
        targetId: target.id,
        event: e.event,
        severity: EVENT_SEVERITY[e.event],
        title: e.title,
        vmKey: e.vm?.key ?? null,
        payload,
        status: 'queued',
        attempts: 0,
        createdAt: iso(at),
        nextAttemptAt: iso(e.event === 'vm_down' ? at + groupWaitMs : at),
        lastAttemptAt: null,
        lastError: null,
        sentAt: null,
        mergedInto: null,
      });
    }
    if (queued.length === 0) return;
    await store.enqueue(queued);
    wake();
  }

  const sink: AlertSink = (e) => {
    queue = queue
      .then(() => handle(e))
      .catch((err: unknown) => {
        log.error({ err, event: e.event }, `Alert not queued (${e.event}): ${e.title}`);
      });
  };

  return {
    sink,
    settled: async () => {
      // Events reported while waiting are waited for too.
      let seen: Promise<void>;
      do {
        seen = queue;
        await seen;
      } while (seen !== queue);
    },
  };
}
