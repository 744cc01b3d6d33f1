// Alerts' vocabulary (issue 19), without TypeBox so that the web app can import the values. The schemas are in
// ./alerts.

/**
 * What Powerdeck tells people about:
 * - `vm_down`: a VM went down unexpectedly (the wall's decision: fleet/stops.ts, a stop nobody asked for);
 * - `vm_back`: that VM runs again (sent only to a target that got its `vm_down`);
 * - `operation_failed`: an operation (power action on several VMs, plan run, schedule run) finished with failures;
 * - `schedule_missed`, `schedule_failed`: a scheduled run was missed (Powerdeck was not running) or failed to start;
 * - `vergeos_unreachable`: VergeOS has not answered for longer than the configured minutes; `vergeos_back`: it
 *   answers again (sent only to a target that got the `vergeos_unreachable`);
 * - `leader_changed`: with several servers, another server took over the leader's duties.
 */
export const ALERT_EVENTS = [
  'vm_down',
  'vm_back',
  'operation_failed',
  'schedule_missed',
  'schedule_failed',
  'vergeos_unreachable',
  'vergeos_back',
  'leader_changed',
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** What a delivery carries: an event, several `vm_down` merged into one message, or an admin's "send test". */
export const DELIVERY_EVENTS = [...ALERT_EVENTS, 'vm_down_digest', 'test'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Each event's severity (a target's `minSeverity` drops the ones below it). */
export const EVENT_SEVERITY: Readonly<Record<DeliveryEvent, AlertSeverity>> = {
  vm_down: 'critical',
  vm_down_digest: 'critical',
  vm_back: 'info',
  operation_failed: 'warning',
  schedule_missed: 'warning',
  schedule_failed: 'warning',
  vergeos_unreachable: 'critical',
  vergeos_back: 'info',
  leader_changed: 'info',
  test: 'info',
};

export function severityAtLeast(s: AlertSeverity, min: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(s) >= ALERT_SEVERITIES.indexOf(min);
}

/** Words for the UI and the messages. */
export const EVENT_WORDS: Readonly<Record<DeliveryEvent, string>> = {
  vm_down: 'VM down unexpectedly',
  vm_down_digest: 'Several VMs down unexpectedly',
  vm_back: 'VM back up',
  operation_failed: 'Operation finished with failures',
  schedule_missed: 'Scheduled run missed',
  schedule_failed: 'Scheduled run failed',
  vergeos_unreachable: 'VergeOS unreachable',
  vergeos_back: 'VergeOS answers again',
  leader_changed: 'Leader changed',
  test: 'Test message',
};

/** Where alerts go: a signed JSON webhook (Standard Webhooks), Slack or Teams incoming webhooks, e-mail (SMTP). */
export const TARGET_KINDS = ['webhook', 'slack', 'teams', 'email'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const TARGET_KIND_WORDS: Readonly<Record<TargetKind, string>> = {
  webhook: 'Webhook (signed JSON)',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  email: 'E-mail (SMTP)',
};

/** How an SMTP connection is secured: TLS from the start (465), STARTTLS required (587), none (25, trusted LAN). */
export const SMTP_SECURITY = ['tls', 'starttls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

/**
 * A delivery's life: `queued` (waiting for its first try or its group wait), `retrying` (a try failed; the next is
 * at `nextAttemptAt`), `sent`, `failed` (kept trying for RETRY_FOR_MS, or refused for good), `merged` (folded into
 * a `vm_down_digest`, named by `mergedInto`).
 */
export const DELIVERY_STATUSES = ['queued', 'retrying', 'sent', 'failed', 'merged'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One alert per VM and event per target within this many minutes (a target's `cooldownMinutes`). */
export const COOLDOWN_MINUTES = { min: 0, max: 1440, default: 15 } as const;
/** More than this many VMs down within DIGEST_WINDOW_MS: one digest instead (a target's `digestThreshold`). */
export const DIGEST_THRESHOLD = { min: 1, max: 1000, default: 5 } as const;
export const DIGEST_WINDOW_MS = 60_000;
/** A failed delivery is tried again with backoff for this long after it was queued, then kept as failed. */
export const RETRY_FOR_MS = 24 * 3600_000;

export const MAX_TARGET_NAME = 80;
export const MAX_TARGETS = 50;
export const MAX_EMAIL_RECIPIENTS = 20;
