// The fleet poller: one loop for the whole fleet, whatever the number of browsers. Each tick is exactly two
// upstream requests (the VM list with its joined machine status, and the nodes), run together. One poll at a
// time: the next tick is scheduled when the current one ends, so a slow VergeOS is never polled twice at once.
//
// Cadence, decided at the end of each poll:
// - `fastIntervalMs` while any VM is in a transitional status, or within `fastWindowMs` of an accepted action;
// - otherwise `intervalMs`;
// - after `backoff.afterFailures` failures in a row: `intervalMs * 2^(n - afterFailures + 1)`, at most
//   `backoff.maxMs` (never faster than `intervalMs`), until a poll succeeds again.
// A failed poll keeps the last good data, marked stale with a reason in words and since when: the time VergeOS
// last answered a poll (what the data is as of), which does not move while polls keep failing.
// A poll whose answer changes nothing keeps the state as it is (same body, same ETag, no event).
import { formatDuration, describeFailure, isShutdown } from './failure';
import { mapFleet, type MappedFleet } from './map';
import { buildState, initialContent, serialiseContent, type FleetContent } from './snapshot';
import type { FleetPoller, FleetPollerStatus, FleetState } from './types';

export interface PollOptions {
  /** Normal cadence (ms). */
  intervalMs: number;
  /** Cadence while VMs change state or after an accepted action (ms). */
  fastIntervalMs: number;
  /** How long to poll fast after an accepted action (ms). */
  fastWindowMs: number;
}

export interface BackoffOptions {
  /** Failures in a row before backing off (default 3). */
  afterFailures: number;
  /** The longest delay between polls while backing off (default 60 s). */
  maxMs: number;
}

const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { afterFailures: 3, maxMs: 60_000 };

/** The two reads of a tick. Each resolves with VergeOS's rows (checked by the mapping, not trusted). */
interface FleetSource {
  vms(signal: AbortSignal): Promise<unknown>;
  nodes(signal: AbortSignal): Promise<unknown>;
}

type LogFn = (obj: object, msg: string) => void;
/** The part of Fastify's (pino's) logger the poller uses. */
export interface PollerLog {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

interface FleetPollerOptions {
  source: FleetSource;
  poll: PollOptions;
  backoff?: Partial<BackoffOptions> | undefined;
  log: PollerLog;
  /** Epoch ms (tests). */
  now?: () => number;
  /**
   * Called after every poll, whether or not it changed anything (the leader shares each one: cluster/; the metrics
   * count it): whether it succeeded, and how long it took in seconds.
   */
  onPolled?: (poll: { ok: boolean; seconds: number }) => void;
}

export interface RunnableFleetPoller extends FleetPoller {
  /** Polls at once, then on the cadence. */
  start(): void;
  /** Clears the timer, aborts the poll in flight and waits for it to settle. Idempotent. */
  stop(): Promise<void>;
}

/** At most this many distinct mapping warnings are remembered (each is logged once). */
const WARNINGS_REMEMBERED = 1000;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number of ms`);
  return value;
}

export function createFleetPoller(options: FleetPollerOptions): RunnableFleetPoller {
  const { source, log } = options;
  const now = options.now ?? Date.now;
  const intervalMs = positive('poll.intervalMs', options.poll.intervalMs);
  const fastIntervalMs = positive('poll.fastIntervalMs', options.poll.fastIntervalMs);
  const fastWindowMs = options.poll.fastWindowMs;
  if (!Number.isFinite(fastWindowMs) || fastWindowMs < 0) {
    throw new TypeError('poll.fastWindowMs must be a number of ms, 0 or more');
  }
  const afterFailures = Math.max(
    1,
    Math.trunc(options.backoff?.afterFailures ?? DEFAULT_BACKOFF.afterFailures),
  );
  // Backing off never polls faster than the normal cadence.
  const backoffMaxMs = Math.max(
    intervalMs,
    positive('backoff.maxMs', options.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs),
  );

  let content = initialContent(intervalMs);
  let contentJson = serialiseContent(content);
  let fetchedAt: string | null = null;
  let state: FleetState = buildState(fetchedAt, content, contentJson);
  let lastGood: MappedFleet | null = null;

  const listeners = new Set<(state: FleetState) => void>();
  const warned = new Set<string>();

  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;
  let controller: AbortController | null = null;
  let wakeRequested = false;
  let fastUntil = 0;
  let polls = 0;
  let cadence = intervalMs;

  let failures = 0;
  /** When a gateway answer last made a failing poller probe early (see upstreamAnswered). */
  let lastProbeAt = Number.NEGATIVE_INFINITY;
  let lastSuccessAt: number | null = null;
  /** When start() was called: what "stale since" counts from before VergeOS's first answer. */
  let startedAt: number | null = null;
  let lastFailureAt: number | null = null;
  let staleSince: string | null = null;
  let failureReason: string | null = null;

  function cadenceAfter(at: number, transitional: boolean): number {
    if (failures >= afterFailures) {
      return Math.min(backoffMaxMs, intervalMs * 2 ** (failures - afterFailures + 1));
    }
    return transitional || at < fastUntil ? Math.min(fastIntervalMs, intervalMs) : intervalMs;
  }

  /** Replaces the state if the content differs; `newFetchedAt` is set only then (null: keep the old one). */
  function publish(next: FleetContent, newFetchedAt: string | null): void {
    const json = serialiseContent(next);
    if (json === contentJson) return;
    content = next;
    contentJson = json;
    if (newFetchedAt !== null) fetchedAt = newFetchedAt;
    state = buildState(fetchedAt, content, contentJson);
    for (const listener of [...listeners]) {
      try {
        listener(state);
      } catch (error) {
        log.error({ err: error }, 'a fleet listener failed');
      }
    }
  }

  function warnOnce(message: string): void {
    if (warned.has(message)) return;
    if (warned.size >= WARNINGS_REMEMBERED) warned.clear();
    warned.add(message);
    log.warn({ vergeos: 'fleet' }, message);
  }

  function succeeded(mapped: MappedFleet): void {
    const at = now();
    for (const w of mapped.warnings) warnOnce(w);
    if (failures > 0) {
      log.info(
        { failedPolls: failures, staleSince },
        `fleet poll succeeded after ${failures} failure${failures === 1 ? '' : 's'}: fleet data is live again`,
      );
    }
    failures = 0;
    failureReason = null;
    staleSince = null;
    lastSuccessAt = at;
    lastGood = mapped;
    cadence = cadenceAfter(at, mapped.transitional);
    publish(
      {
        stale: false,
        staleReason: null,
        staleSince: null,
        pollIntervalMs: cadence,
        normalIntervalMs: intervalMs,
        vms: mapped.vms,
        nodes: mapped.nodes,
      },
      new Date(at).toISOString(),
    );
  }

  function failed(error: unknown): void {
    const at = now();
    failures += 1;
    lastFailureAt = at;
    // The data is as of VergeOS's last answer (not this failure, which for a hang is a read timeout later).
    staleSince = new Date(lastSuccessAt ?? startedAt ?? at).toISOString();
    const reason = describeFailure(error);
    cadence = cadenceAfter(at, lastGood?.transitional ?? false);
    const backingOff = failures >= afterFailures;

    // One warning per change of state (first failure, another reason, backoff engaged), not one per tick.
    const changed = failures === 1 || reason !== failureReason;
    if (changed) {
      log.warn(
        { err: error, failedPolls: failures },
        `fleet poll failed: ${reason}; serving the last data as stale`,
      );
    }
    if (failures === afterFailures) {
      log.warn(
        { failedPolls: failures, retryInMs: cadence, maxMs: backoffMaxMs },
        `${failures} fleet polls failed in a row (${reason}): backing off, next poll in ${formatDuration(cadence)} (at most ${formatDuration(backoffMaxMs)} apart)`,
      );
    } else if (!changed) {
      log.debug({ failedPolls: failures, retryInMs: cadence }, `fleet poll failed again: ${reason}`);
    }
    failureReason = reason;

    publish(
      {
        stale: true,
        staleReason: backingOff ? `${reason}; retrying in ${formatDuration(cadence)}` : reason,
        staleSince,
        pollIntervalMs: cadence,
        normalIntervalMs: intervalMs,
        vms: lastGood?.vms ?? [],
        nodes: lastGood?.nodes ?? [],
      },
      null,
    );
  }

  async function pollOnce(): Promise<void> {
    polls += 1;
    const ctl = new AbortController();
    controller = ctl;
    const started = performance.now();
    let ok = false;
    try {
      const [vmRows, nodeRows] = await Promise.all([source.vms(ctl.signal), source.nodes(ctl.signal)]);
      if (stopped) return;
      succeeded(mapFleet(vmRows, nodeRows));
      ok = true;
    } catch (error) {
      ctl.abort(); // the other request of the tick, if it is still running
      if (stopped || isShutdown(error)) return;
      try {
        failed(error);
      } catch (inner) {
        log.error({ err: inner }, 'the fleet poller could not record a failed poll');
      }
    } finally {
      controller = null;
    }
    if (!stopped) options.onPolled?.({ ok, seconds: (performance.now() - started) / 1000 });
  }

  function schedule(delayMs: number): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      void tick();
    }, delayMs);
    // The app's server keeps the process alive, not the poller.
    timer.unref();
  }

  async function tick(): Promise<void> {
    if (stopped || inFlight) return;
    wakeRequested = false;
    inFlight = pollOnce();
    try {
      await inFlight;
    } finally {
      inFlight = null;
    }
    if (stopped) return;
    schedule(wakeRequested ? 0 : cadence);
  }

  function wake(): void {
    if (stopped || !started) return;
    if (inFlight) wakeRequested = true;
    else schedule(0);
  }

  return {
    current: () => state,
    subscribe(listener) {
      if (stopped) return () => undefined;
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    wake,
    actionAccepted() {
      fastUntil = Math.max(fastUntil, now() + fastWindowMs);
      wake();
    },
    upstreamAnswered() {
      if (failures === 0 || inFlight) return;
      const at = now();
      if (at - lastProbeAt < intervalMs) return;
      lastProbeAt = at;
      wake();
    },
    lastSuccessAt: () => lastSuccessAt,
    dataAgeMs: () => (lastSuccessAt === null ? null : Math.max(0, Math.round(now() - lastSuccessAt))),
    status: (): FleetPollerStatus => ({
      lastSuccessAt,
      lastFailureAt,
      consecutiveFailures: failures,
      polls,
      polling: inFlight !== null,
      scheduled: timer !== null,
      pollIntervalMs: cadence,
      subscribers: listeners.size,
      stopped,
    }),
    start() {
      if (started || stopped) return;
      started = true;
      startedAt = now();
      schedule(0);
    },
    async stop() {
      if (stopped) {
        await inFlight;
        return;
      }
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      controller?.abort();
      listeners.clear();
      await inFlight;
    },
  };
}
