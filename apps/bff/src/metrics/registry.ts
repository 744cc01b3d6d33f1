// Powerdeck's metrics: one prom-client Registry per app (never prom-client's global one: tests build many apps in
// one process, and each must count only its own), with typed handles for what the rest of the BFF reports.
// Conventions (Prometheus's): every name starts with `powerdeck_`, values are in base units (seconds), counters end
// in `_total`, and no label names a VM (VM keys and names would make a series per VM): labels take a few fixed values.
// What each metric means is in docs/metrics.md.
import { OPERATION_STEPS } from '@powerdeck/contracts/operation-terms';
import type { OperationAction, OperationStep } from '@powerdeck/contracts/operation-terms';
import { TARGET_KINDS, type TargetKind } from '@powerdeck/contracts/alert-terms';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import type { OperationEnd, OperationObserver, StepEnd } from '../operations/observer';
import type { AuditRecord } from '../stores/types';
import {
  POWER_ACTION_LABELS,
  POWER_OUTCOME_LABELS,
  powerActionOf,
  SIGN_IN_METHODS,
  SIGN_IN_OUTCOMES,
  signInOf,
} from './audit';
import { upstreamInterceptor } from './upstream';

export const METRIC_PREFIX = 'powerdeck_';

/** How an alert delivery attempt ended: sent, failed but tried again later, or given up (failed for good). */
export const ALERT_DELIVERY_OUTCOMES = ['sent', 'retry', 'failed'] as const;
export type AlertDeliveryOutcome = (typeof ALERT_DELIVERY_OUTCOMES)[number];

/** The event streams whose open clients are counted. */
export const SSE_STREAMS = ['fleet', 'operations'] as const;
export type SseStreamName = (typeof SSE_STREAMS)[number];

const ESCALATION_TRIGGERS = ['deadline', 'force_now'] as const;

/** What the registry reads when it is scraped (nothing is polled in between). */
export interface MetricsSources {
  /** Powerdeck's version, and the name of this server (several servers: its POWERDECK_SERVER_NAME). */
  version: string;
  server: string;
  /**
   * How old the fleet data is: ms since the last fleet poll that succeeded, by the poller's clock (the figure of the
   * x-powerdeck-data-age header); null before the first.
   */
  fleetDataAgeMs(): number | null;
  /** Open event-stream clients of each stream. */
  sseClients(stream: SseStreamName): number;
  /** Several servers: whether this one leads now; absent with one server (the metric is then not exported). */
  isLeader?: () => boolean;
  /** Process and Node.js metrics (CPU, memory, event loop, GC) too, with the prefix (default false). */
  processMetrics?: boolean;
}

export interface Metrics {
  readonly registry: Registry;
  /** prom-client's content type for the text format. */
  readonly contentType: string;
  /** The undici interceptor that counts every request to VergeOS (compose it into each connection to VergeOS). */
  readonly upstream: Dispatcher.DispatcherComposeInterceptor;
  /** One fleet poll ended: how, and how long it took (seconds). */
  polled(outcome: 'ok' | 'error', seconds: number): void;
  /** What the operation engine tells as operations and steps end. */
  readonly operations: OperationObserver;
  /** An audit row was appended: a power action's outcome or a sign-in is counted. */
  audited(row: AuditRecord): void;
  /** One attempt to deliver an alert ended (the alert worker calls this). */
  alertDelivery(kind: TargetKind, outcome: AlertDeliveryOutcome): void;
  /** One HTTP request Powerdeck answered: its route template (`unmatched` for none), method and status. */
  served(route: string, method: string, status: number): void;
  /** The text a scrape answers. */
  scrape(): Promise<string>;
}

/** Buckets for things that take milliseconds to seconds (polls, requests to VergeOS). */
/** Every pair of two labels' values exported at 0 from the start, so that a rate over them exists before the first. */
function atZero<A extends string, B extends string>(
  counter: Counter<A | B>,
  a: A,
  aValues: readonly string[],
  b: B,
  bValues: readonly string[],
): void {
  for (const x of aValues) {
    for (const y of bValues) counter.inc({ [a]: x, [b]: y } as Partial<Record<A | B, string>>, 0);
  }
}

const FAST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Buckets for a VM's step (a start, a shut down: seconds to minutes). */
const STEP_BUCKETS = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800];
/** Buckets for an operation (one VM to hundreds: seconds to an hour). */
const OPERATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

const HTTP_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const registers = [registry];

  new Gauge({
    name: 'powerdeck_info',
    help: 'Always 1: this server and the version it runs.',
    labelNames: ['version', 'server'],
    registers,
  }).set({ version: sources.version, server: sources.server }, 1);

  const isLeader = sources.isLeader;
  if (isLeader) {
    new Gauge({
      name: 'powerdeck_leader',
      help: 'Several servers: 1 while this server leads (polls VergeOS, runs operations and schedules), else 0.',
      registers,
      collect() {
        this.set(isLeader() ? 1 : 0);
      },
    });
  }

  // Fleet polls.
  const pollDuration = new Histogram({
    name: 'powerdeck_fleet_poll_duration_seconds',
    help: 'How long each fleet poll took (both of its requests to VergeOS), by outcome (ok, error); its _count is the polls.',
    labelNames: ['outcome'],
    buckets: FAST_BUCKETS,
    registers,
  });
  for (const outcome of ['ok', 'error']) pollDuration.zero({ outcome });
  new Gauge({
    name: 'powerdeck_fleet_last_successful_poll_age_seconds',
    help: 'Seconds since the last fleet poll that succeeded (how old the fleet data is); absent before the first.',
    registers,
    collect() {
      const ageMs = sources.fleetDataAgeMs();
      if (ageMs === null) this.remove();
      else this.set(ageMs / 1000);
    },
  });

  // Requests to VergeOS.
  const upstreamRequests = new Counter({
    name: 'powerdeck_upstream_requests_total',
    help: 'Requests Powerdeck made to VergeOS (polls, operation steps, forwarded VergeOS routes, logins), by route and status (the HTTP status, or timeout, aborted, error).',
    labelNames: ['route', 'status'],
    registers,
  });
  const upstreamDuration = new Histogram({
    name: 'powerdeck_upstream_request_duration_seconds',
    help: "How long VergeOS took to answer Powerdeck's requests (until the answer's end), by route.",
    labelNames: ['route'],
    buckets: FAST_BUCKETS,
    registers,
  });

  // Power actions, operations.
  const powerActions = new Counter({
    name: 'powerdeck_power_actions_total',
    help: 'Power actions on VMs (forwarded, or steps of operations, schedules and plans), by VergeOS action (reboot: a graceful reset) and outcome.',
    labelNames: ['action', 'outcome'],
    registers,
  });
  atZero(powerActions, 'action', POWER_ACTION_LABELS, 'outcome', POWER_OUTCOME_LABELS);
  const operationDuration = new Histogram({
    name: 'powerdeck_operation_duration_seconds',
    help: 'How long operations took from start to end, by action and status (finished, failed: finished with failed VMs, cancelled).',
    labelNames: ['action', 'status'],
    buckets: OPERATION_BUCKETS,
    registers,
  });
  const stepDuration = new Histogram({
    name: 'powerdeck_operation_step_duration_seconds',
    help: 'How long each VM step of an operation took from sending it to its end, by step (poweron, poweroff, reboot, kill) and outcome.',
    labelNames: ['action', 'outcome'],
    buckets: STEP_BUCKETS,
    registers,
  });
  const escalations = new Counter({
    name: 'powerdeck_operation_escalations_total',
    help: 'Shut downs forced off, by trigger (deadline: the guest did not stop in time; force_now: a person).',
    labelNames: ['trigger'],
    registers,
  });
  const stepTimeouts = new Counter({
    name: 'powerdeck_operation_step_timeouts_total',
    help: 'Steps whose VM did not get there in time (and were not escalated), by step.',
    labelNames: ['action'],
    registers,
  });
  // Counters start at zero for every label set they can have, so that rate() and increase() see the first one; the
  // operation histograms (a dozen buckets each) appear with their first observation.
  for (const action of OPERATION_STEPS) stepTimeouts.inc({ action }, 0);
  for (const trigger of ESCALATION_TRIGGERS) escalations.inc({ trigger }, 0);

  // People and browsers.
  new Gauge({
    name: 'powerdeck_sse_clients',
    help: 'Open event-stream clients (pages and walls following the fleet or the operations), by stream.',
    labelNames: ['stream'],
    registers,
    collect() {
      for (const stream of SSE_STREAMS) this.set({ stream }, sources.sseClients(stream));
    },
  });
  const signIns = new Counter({
    name: 'powerdeck_sign_ins_total',
    help: 'Sign-ins by method (password, token: a VergeOS login, sso, display_link) and outcome (success, failure, locked, refused).',
    labelNames: ['method', 'outcome'],
    registers,
  });
  atZero(signIns, 'method', SIGN_IN_METHODS, 'outcome', SIGN_IN_OUTCOMES);
  const httpRequests = new Counter({
    name: 'powerdeck_http_requests_total',
    help: 'HTTP requests Powerdeck answered, by route template, method and status class (2xx, 4xx...).',
    labelNames: ['route', 'method', 'status_class'],
    registers,
  });

  // Alerts.
  const alertDeliveries = new Counter({
    name: 'powerdeck_alert_deliveries_total',
    help: 'Attempts to deliver an alert, by target kind and outcome (sent; retry: failed, tried again later; failed: given up).',
    labelNames: ['target_kind', 'outcome'],
    registers,
  });
  atZero(alertDeliveries, 'target_kind', TARGET_KINDS, 'outcome', ALERT_DELIVERY_OUTCOMES);

  if (sources.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  const operations: OperationObserver = {
    operationEnded(action: OperationAction, status: OperationEnd, seconds: number) {
      operationDuration.observe({ action, status }, seconds);
    },
    stepEnded(action: OperationStep, outcome: StepEnd, seconds: number) {
      stepDuration.observe({ action, outcome }, seconds);
      if (outcome === 'timeout') stepTimeouts.inc({ action });
    },
    escalated(trigger) {
      escalations.inc({ trigger });
    },
  };

  return {
    registry,
    contentType: registry.contentType,
    upstream: upstreamInterceptor((route, status, seconds) => {
      upstreamRequests.inc({ route, status });
      upstreamDuration.observe({ route }, seconds);
    }),
    polled(outcome, seconds) {
      pollDuration.observe({ outcome }, seconds);
    },
    operations,
    audited(row) {
      const power = powerActionOf(row);
      if (power) powerActions.inc(power);
      const signIn = signInOf(row);
      if (signIn) signIns.inc(signIn);
    },
    alertDelivery(target_kind, outcome) {
      alertDeliveries.inc({ target_kind, outcome });
    },
    served(route, method, status) {
      httpRequests.inc({
        route,
        method: HTTP_METHODS.has(method) ? method : 'other',
        status_class: `${Math.trunc(status / 100)}xx`,
      });
    },
    scrape: () => registry.metrics(),
  };
}
