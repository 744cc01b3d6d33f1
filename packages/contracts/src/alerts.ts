// Alerts over HTTP (issue 19): targets managed by admins, each with matchers, and their deliveries. The vocabulary
// and the limits are in ./alert-terms.
//   GET    /api/alerts/targets                   -> AlertTargetList                  (alerts:manage)
//   POST   /api/alerts/targets                   AlertTargetBody -> 201 AlertTargetCreated
//   GET    /api/alerts/targets/:id               -> AlertTarget
//   PUT    /api/alerts/targets/:id               AlertTargetBody -> AlertTarget     (a secret left out is kept)
//   DELETE /api/alerts/targets/:id               -> 204                             (its deliveries go with it)
//   POST   /api/alerts/targets/:id/test          -> 202 AlertDelivery               (queued now, sent at once)
//   GET    /api/alerts/targets/:id/deliveries    -> AlertDeliveryList               (newest first, up to 50)
// Secrets (a webhook's signing secret, a Slack or Teams webhook URL, an SMTP password) are stored encrypted and
// never shown again: an answer says only that one is set (and a Slack/Teams URL's host). A webhook's signing secret
// is generated when none is given and shown once, in the 201 answer (`signingSecret`).
// Refusals: 400 with the field in words, 404 unknown id, 409 a name already used, 403 naming what the role lacks.
// Every change is audited (kind `alert`, target `alert-target:<id>`); deliveries are not (they are listed here).
import Type, { type Static } from 'typebox';
import {
  ALERT_EVENTS,
  ALERT_SEVERITIES,
  COOLDOWN_MINUTES,
  DELIVERY_EVENTS,
  DELIVERY_STATUSES,
  DIGEST_THRESHOLD,
  MAX_EMAIL_RECIPIENTS,
  MAX_TARGET_NAME,
  SMTP_SECURITY,
} from './alert-terms';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ description: 'ISO 8601, UTC' });
const Url = Type.String({ minLength: 1, maxLength: 2000 });
const Email = Type.String({ minLength: 3, maxLength: 254 });

/** Which events reach a target. */
const MatcherFields = {
  /** The events sent here; empty: every event. */
  events: Type.Optional(Type.Array(Type.Enum(ALERT_EVENTS), { maxItems: ALERT_EVENTS.length })),
  /** VM events only for the VMs this fleet filter matches (./fleet-filter); empty: every VM. */
  vmFilter: Type.Optional(Type.String({ maxLength: 500 })),
  /** Events below this severity are not sent (default `info`: everything). */
  minSeverity: Type.Optional(Type.Enum(ALERT_SEVERITIES)),
  /** Minutes between two alerts of one event for one VM (COOLDOWN_MINUTES; default 15). */
  cooldownMinutes: Type.Optional(
    Type.Integer({ minimum: COOLDOWN_MINUTES.min, maximum: COOLDOWN_MINUTES.max }),
  ),
  /** More than this many VMs down within a minute: one digest (DIGEST_THRESHOLD; default 5). */
  digestThreshold: Type.Optional(
    Type.Integer({ minimum: DIGEST_THRESHOLD.min, maximum: DIGEST_THRESHOLD.max }),
  ),
  /** Default true; a disabled target gets nothing (not even queued). */
  enabled: Type.Optional(Type.Boolean()),
};

export const WebhookConfigBody = Type.Object(
  {
    /** http or https. */
    url: Url,
    /** `whsec_` + base64 of 24 to 64 bytes (Standard Webhooks); absent on create: one is generated. */
    secret: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** Slack or Teams: the incoming webhook's URL (https; http only to a loopback address), itself the secret. */
export const ChatConfigBody = Type.Object({ url: Type.Optional(Url) }, { additionalProperties: false });

export const EmailConfigBody = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    security: Type.Enum(SMTP_SECURITY),
    /** Absent or empty: no authentication. */
    username: Type.Optional(Type.String({ maxLength: 200 })),
    /** Left out on PUT: kept. */
    password: Type.Optional(Type.String({ maxLength: 500 })),
    from: Email,
    to: Type.Array(Email, { minItems: 1, maxItems: MAX_EMAIL_RECIPIENTS }),
  },
  { additionalProperties: false },
);

export const AlertTargetBody = Type.Union([
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: MAX_TARGET_NAME }),
      kind: Type.Literal('webhook'),
      webhook: WebhookConfigBody,
      ...MatcherFields,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: MAX_TARGET_NAME }),
      kind: Type.Literal('slack'),
      /** `url` is required on create. */
      slack: ChatConfigBody,
      ...MatcherFields,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: MAX_TARGET_NAME }),
      kind: Type.Literal('teams'),
      /** `url` is required on create. */
      teams: ChatConfigBody,
      ...MatcherFields,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: MAX_TARGET_NAME }),
      kind: Type.Literal('email'),
      email: EmailConfigBody,
      ...MatcherFields,
    },
    { additionalProperties: false },
  ),
]);
export type AlertTargetBody = Static<typeof AlertTargetBody>;

/** A target's settings as shown: no secret, only whether it is set. */
export const TargetSettings = Type.Union([
  Type.Object({ kind: Type.Literal('webhook'), url: Type.String(), secretSet: Type.Boolean() }),
  /** `host`: the webhook URL's host (the rest of it is the secret). */
  Type.Object({ kind: Type.Literal('slack'), host: Type.String() }),
  Type.Object({ kind: Type.Literal('teams'), host: Type.String() }),
  Type.Object({
    kind: Type.Literal('email'),
    host: Type.String(),
    port: Type.Integer(),
    security: Type.Enum(SMTP_SECURITY),
    username: Nullable(Type.String()),
    passwordSet: Type.Boolean(),
    from: Type.String(),
    to: Type.Array(Type.String()),
  }),
]);
export type TargetSettings = Static<typeof TargetSettings>;

export const DeliverySummary = Type.Object({
  status: Type.Enum(DELIVERY_STATUSES),
  event: Type.Enum(DELIVERY_EVENTS),
  at: Iso,
  /** The last try's error, in words (never a secret). */
  error: Nullable(Type.String()),
});
export type DeliverySummary = Static<typeof DeliverySummary>;

export const AlertTarget = Type.Object({
  id: Type.String(),
  name: Type.String(),
  settings: TargetSettings,
  events: Type.Array(Type.Enum(ALERT_EVENTS)),
  vmFilter: Type.String(),
  minSeverity: Type.Enum(ALERT_SEVERITIES),
  cooldownMinutes: Type.Integer(),
  digestThreshold: Type.Integer(),
  enabled: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Iso,
  updatedAt: Iso,
  /** The newest delivery, or null. */
  lastDelivery: Nullable(DeliverySummary),
  /** Deliveries waiting (queued or retrying) and failed (kept). */
  pending: Type.Integer(),
  failed: Type.Integer(),
});
export type AlertTarget = Static<typeof AlertTarget>;

export const AlertTargetCreated = Type.Object({
  target: AlertTarget,
  /** A webhook's signing secret when Powerdeck generated it: shown this once. */
  signingSecret: Nullable(Type.String()),
});
export type AlertTargetCreated = Static<typeof AlertTargetCreated>;

export const AlertTargetList = Type.Object({ targets: Type.Array(AlertTarget) });
export type AlertTargetList = Static<typeof AlertTargetList>;

export const AlertTargetParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type AlertTargetParams = Static<typeof AlertTargetParams>;

export const AlertDelivery = Type.Object({
  /** Also the webhook's `webhook-id` (a receiver drops a repeat by it). */
  id: Type.String(),
  targetId: Type.String(),
  event: Type.Enum(DELIVERY_EVENTS),
  severity: Type.Enum(ALERT_SEVERITIES),
  /** The message's one line, e.g. "VM web-01 is down unexpectedly (error)". */
  title: Type.String(),
  vmKey: Nullable(Type.Integer()),
  status: Type.Enum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  createdAt: Iso,
  lastAttemptAt: Nullable(Iso),
  nextAttemptAt: Nullable(Iso),
  sentAt: Nullable(Iso),
  lastError: Nullable(Type.String()),
  /** A `merged` delivery's digest. */
  mergedInto: Nullable(Type.String()),
});
export type AlertDelivery = Static<typeof AlertDelivery>;

export const AlertDeliveryList = Type.Object({ deliveries: Type.Array(AlertDelivery) });
export type AlertDeliveryList = Static<typeof AlertDeliveryList>;

/**
 * The JSON a webhook target receives (Standard Webhooks' recommended shape), signed in the `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` headers (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under
 * the secret's bytes). `type` is `powerdeck.` + the delivery's event.
 */
export const WebhookPayload = Type.Object({
  type: Type.String(),
  timestamp: Iso,
  data: Type.Object({
    event: Type.Enum(DELIVERY_EVENTS),
    severity: Type.Enum(ALERT_SEVERITIES),
    title: Type.String(),
    /** More lines, plain text. */
    text: Type.String(),
    /** The VM (one-VM events). */
    vm: Type.Optional(
      Type.Object({
        key: Type.Integer(),
        name: Type.String(),
        status: Type.String(),
        node: Nullable(Type.String()),
      }),
    ),
    /** The VMs of a digest. */
    vms: Type.Optional(
      Type.Array(Type.Object({ key: Type.Integer(), name: Type.String(), status: Type.String() })),
    ),
    operationId: Type.Optional(Type.String()),
    scheduleId: Type.Optional(Type.String()),
    server: Type.Optional(Type.String()),
    /** A link to the page in Powerdeck (POWERDECK_PUBLIC_URL set). */
    url: Type.Optional(Type.String()),
  }),
});
export type WebhookPayload = Static<typeof WebhookPayload>;
