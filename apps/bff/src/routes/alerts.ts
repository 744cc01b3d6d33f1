// Alert targets over HTTP (the contract, every route and refusal: packages/contracts/src/alerts.ts), for admins
// (`alerts:manage`; the auth plugin answers 401/403 in words, audits the refusal and checks CSRF).
// What people type is checked beyond the schema (400 naming the field): a webhook's URL (http or https, a host, no
// user name or password in it), a Slack or Teams URL (https; http only to this machine, for tests), a webhook's
// signing secret (`whsec_` + base64 of 24 to 64 bytes; generated on create when absent and answered once), e-mail
// addresses, the VM filter (every `status:` value known, and it must restrict something).
// Secrets are sealed (app.alerts.box) before they reach the store, never answered, never logged and never audited: not
// even a Slack URL, whose host alone is shown. A PUT replaces the settings, except that a secret left out keeps the
// stored one; a target's kind cannot change (its secrets would not fit): create a new target instead.
// Every change and every test message is audited (kind `alert`, target `alert-target:<id>`, params naming what
// changed, never a secret's value).
import { randomBytes, randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ALERT_EVENTS,
  COOLDOWN_MINUTES,
  DIGEST_THRESHOLD,
  MAX_TARGETS,
  TARGET_KIND_WORDS,
  type AlertEvent,
  type TargetKind,
} from '@powerdeck/contracts/alert-terms';
import {
  AlertDelivery,
  AlertDeliveryList,
  AlertTarget,
  AlertTargetBody,
  AlertTargetCreated,
  AlertTargetList,
  AlertTargetParams,
  type DeliverySummary,
} from '@powerdeck/contracts/alerts';
import { isEmptyFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { ErrorBody } from '@powerdeck/contracts/power';
import { isPowerStatus } from '@powerdeck/contracts/power-terms';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { auditActor } from '../audit-fields';
import type {
  ChatConfig,
  ChatSecrets,
  EmailConfig,
  EmailSecrets,
  WebhookConfig,
  WebhookSecrets,
} from '../alerts/target-settings';
import { openSecrets, targetSettings } from '../alerts/target-settings';
import { actorContext } from '../plugins/auth';
import { HttpError, refused } from '../plugins/errors';
import type {
  AlertDeliveryRecord,
  AlertTargetCounts,
  AlertTargetFields,
  AlertTargetRecord,
  Json,
} from '../stores/types';

const NoQuery = Type.Object({}, { additionalProperties: false });
const Errors = { '4xx': ErrorBody, '5xx': ErrorBody };
/** Room for MAX_EMAIL_RECIPIENTS long addresses and a long filter (the app's default is 4 KB). */
const TARGET_BODY_LIMIT = 16 * 1024;
/** The deliveries a target's page lists. */
const DELIVERIES_SHOWN = 50;
/** A Standard Webhooks secret: `whsec_` + base64 of this many bytes. */
const WEBHOOK_SECRET_BYTES = { min: 24, max: 64, generated: 32 } as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** A plausible address: no spaces, brackets or separators; a domain of letters, digits and hyphens by dots. */
const EMAIL =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*$/u;
/** An SMTP server's name or address, without scheme, port or path. */
const HOST =
  /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*|\[?[0-9a-fA-F:.]+\]?)$/u;
const STATUS_WORDS = new Set(['attention', 'transitional', 'changing', 'down']);

const invalid = (message: string) => new HttpError(400, message, 'invalid_alert_target');

/** The body's schema for each kind: a body is checked against its own kind's, whose refusal names its own fields. */
const BODY_OF_KIND = new Map(
  AlertTargetBody.anyOf.map((b) => [b.properties.kind.const as string, Compile(b)]),
);

/** What the checker says of the first thing wrong (TypeBox's errors, in Ajv's shape). */
interface ShapeError {
  keyword: string;
  instancePath: string;
  params: { requiredProperties?: string[]; additionalProperties?: string[]; allowedValues?: unknown[] };
  message: string;
}

/**
 * The body's shape, checked against its kind's schema before the route's (a union, whose refusal would name the
 * first kind's fields: "body is missing 'webhook'" for a Slack target), so that the 400 names what is wrong with it.
 */
function checkShape(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const kind = (body as { kind?: unknown }).kind;
  const schema = typeof kind === 'string' ? BODY_OF_KIND.get(kind) : undefined;
  const fail = (words: string) => new HttpError(400, `Invalid request: ${words}`, 'invalid_request');
  if (!schema) throw fail(`body.kind must be one of ${[...BODY_OF_KIND.keys()].join(', ')}`);
  if (schema.Check(body)) return;
  const errors = schema.Errors(body) as unknown as ShapeError[];
  const e = errors.find((x) => x.keyword !== 'boolean') ?? errors[0];
  if (!e) return;
  const where = `body${e.instancePath.replace(/\//g, '.')}`;
  if (e.keyword === 'required')
    throw fail(`${where} is missing '${e.params.requiredProperties?.[0] ?? '?'}'`);
  if (e.keyword === 'additionalProperties') {
    throw fail(`${where} has an unknown field '${e.params.additionalProperties?.[0] ?? '?'}'`);
  }
  if (e.keyword === 'enum' && e.params.allowedValues) {
    throw fail(`${where} must be one of ${e.params.allowedValues.map(String).join(', ')}`);
  }
  throw fail(`${where} ${e.message}`);
}

/** What the body sets, checked: the fields to store, and which secrets it gives (absent: keep the stored ones). */
interface Checked {
  fields: Omit<AlertTargetFields, 'secret'>;
  /** The kind's secrets given in the body; null: none given (create: none; PUT: keep). */
  secrets: Record<string, string> | null;
  /** A webhook's signing secret Powerdeck made (create only). */
  generated: string | null;
}

/** A URL someone typed, parsed. Its refusals never repeat it (a Slack or Teams URL is itself the secret). */
function parseUrl(text: string, field: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalid(`${field}: give the whole address, such as ${example}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(
      `${field} must not carry a user name or password (user:pass@): remove them from the address`,
    );
  }
  return url;
}

function webhookUrl(text: string): string {
  const url = parseUrl(text, 'webhook.url', 'https://hooks.example.com/powerdeck');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('webhook.url must start with http:// or https://');
  }
  if (url.hostname === '') throw invalid('webhook.url must name a host');
  return url.toString();
}

/** A Slack or Teams incoming webhook's URL: https, or http to this machine (a receiver in a test). */
function chatUrl(text: string, kind: 'slack' | 'teams'): URL {
  const field = `${kind}.url`;
  const example =
    kind === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://example.webhook.office.com/…';
  const url = parseUrl(text, field, example);
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw invalid(`${field} must start with https:// (${TARGET_KIND_WORDS[kind]} gives an https address)`);
  }
  if (url.hostname === '') throw invalid(`${field} must name a host`);
  return url;
}

function webhookSecret(text: string): string {
  const secret = text.trim();
  const body = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : null;
  const bytes =
    body !== null && /^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0
      ? Buffer.from(body, 'base64').length
      : 0;
  if (bytes < WEBHOOK_SECRET_BYTES.min || bytes > WEBHOOK_SECRET_BYTES.max) {
    throw invalid(
      `webhook.secret must be whsec_ followed by the base64 of ${WEBHOOK_SECRET_BYTES.min} to ` +
        `${WEBHOOK_SECRET_BYTES.max} random bytes (leave it out and Powerdeck makes one)`,
    );
  }
  return secret;
}

function emailAddress(text: string, field: string): string {
  const address = text.trim();
  if (!EMAIL.test(address))
    throw invalid(`${field}: "${address}" is not an e-mail address such as ops@example.com`);
  return address;
}

/** A VM filter: every `status:` value known (a typo would let every VM through), and it restricts something. */
function vmFilter(text: string | undefined): string {
  const filter = (text ?? '').trim();
  if (filter === '') return '';
  for (const word of filter.toLowerCase().split(/\s+/)) {
    const status = /^status:(.*)$/.exec(word);
    if (!status) continue;
    for (const value of (status[1] ?? '').split(',')) {
      if (value === '') continue;
      if (!isPowerStatus(value) && !STATUS_WORDS.has(value)) {
        throw invalid(
          `vmFilter: '${value}' is not a status: use a VergeOS status (running, stopped, error, …), ` +
            'attention, transitional or down',
        );
      }
    }
  }
  if (isEmptyFilter(parseFilter(filter))) {
    throw invalid(`vmFilter: '${filter}' restricts nothing: name words, status:<status> or node:<name>`);
  }
  return filter;
}

/** The events in the contract's order, each once. */
function eventsOf(events: readonly AlertEvent[] | undefined): AlertEvent[] {
  const given = new Set(events ?? []);
  return ALERT_EVENTS.filter((e) => given.has(e));
}

/**
 * The body checked, trimmed and with its defaults. `stored`: the target a PUT replaces (its secrets are kept where
 * the body leaves them out); absent on create, where a Slack or Teams URL is required and a webhook's signing secret
 * is made when none is given.
 */
function check(body: AlertTargetBody, stored?: AlertTargetRecord): Checked {
  const name = body.name.trim();
  if (!name) throw invalid('Give the alert target a name (name)');
  if (stored && stored.kind !== body.kind) {
    throw invalid(
      `An alert target's kind cannot change (${TARGET_KIND_WORDS[stored.kind]} to ` +
        `${TARGET_KIND_WORDS[body.kind]}): create a new target and delete this one`,
    );
  }
  const matchers = {
    events: eventsOf(body.events),
    vmFilter: vmFilter(body.vmFilter),
    minSeverity: body.minSeverity ?? 'info',
    cooldownMinutes: body.cooldownMinutes ?? COOLDOWN_MINUTES.default,
    digestThreshold: body.digestThreshold ?? DIGEST_THRESHOLD.default,
    enabled: body.enabled ?? true,
  };
  const fields = (config: WebhookConfig | ChatConfig | EmailConfig) => ({
    name,
    config: config as unknown as Record<string, unknown>,
    ...matchers,
  });
  switch (body.kind) {
    case 'webhook': {
      const url = webhookUrl(body.webhook.url);
      let secret = body.webhook.secret === undefined ? null : webhookSecret(body.webhook.secret);
      let generated: string | null = null;
      if (secret === null && !stored) {
        secret = `whsec_${randomBytes(WEBHOOK_SECRET_BYTES.generated).toString('base64')}`;
        generated = secret;
      }
      const secrets: WebhookSecrets | null = secret === null ? null : { secret };
      return { fields: fields({ url }), secrets: secrets as Record<string, string> | null, generated };
    }
    case 'slack':
    case 'teams': {
      const given = body.kind === 'slack' ? body.slack.url : body.teams.url;
      if (given === undefined) {
        if (!stored)
          throw invalid(`Give the ${TARGET_KIND_WORDS[body.kind]} incoming webhook's URL (${body.kind}.url)`);
        return { fields: fields(stored.config as unknown as ChatConfig), secrets: null, generated: null };
      }
      const url = chatUrl(given, body.kind);
      const secrets: ChatSecrets = { url: url.toString() };
      return { fields: fields({ host: url.host }), secrets: { ...secrets }, generated: null };
    }
    case 'email': {
      const e = body.email;
      const host = e.host.trim();
      if (!HOST.test(host)) {
        throw invalid(
          "email.host: give the SMTP server's name or address only, such as smtp.example.com (no smtp:// and no port)",
        );
      }
      const to = [...new Set(e.to.map((a, i) => emailAddress(a, `email.to.${i}`)))];
      const username = e.username?.trim() || null;
      const config: EmailConfig = {
        host,
        port: e.port,
        security: e.security,
        username,
        from: emailAddress(e.from, 'email.from'),
        to,
      };
      // No user name: no authentication, and no password kept. A user name needs a password: given, or (PUT) the
      // stored one kept when the body leaves it out.
      let secrets: Record<string, string> | null;
      if (username === null) {
        if (e.password) {
          throw invalid(
            'email.password goes with a user name: give email.username, or leave the password out',
          );
        }
        secrets = {};
      } else if (e.password) {
        const given: EmailSecrets = { password: e.password };
        secrets = { ...given };
      } else if (e.password === undefined && stored?.secret) {
        secrets = null;
      } else {
        throw invalid(`Give the password of ${username} on the SMTP server (email.password)`);
      }
      return { fields: fields(config), secrets, generated: null };
    }
  }
}

/** The names of what a PUT changed (a secret: that it was replaced or dropped, never its value). */
function changedNames(before: AlertTargetRecord, after: AlertTargetRecord, secretChanged: boolean): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const names: string[] = [];
  for (const f of [
    'name',
    'events',
    'vmFilter',
    'minSeverity',
    'cooldownMinutes',
    'digestThreshold',
    'enabled',
  ] as const) {
    if (!same(before[f], after[f])) names.push(f);
  }
  const keys = new Set([...Object.keys(before.config), ...Object.keys(after.config)]);
  // A Slack or Teams URL is a secret: its host (in config) is not named apart from it.
  const chat = after.kind === 'slack' || after.kind === 'teams';
  for (const k of [...keys].sort()) {
    if (!chat && !same(before.config[k], after.config[k])) names.push(`${after.kind}.${k}`);
  }
  if (secretChanged) {
    names.push(
      { webhook: 'webhook.secret', slack: 'slack.url', teams: 'teams.url', email: 'email.password' }[
        after.kind
      ],
    );
  }
  return names;
}

/** Whether a PUT's secrets replace the stored ones (given), or drop them (`{}` where some were stored). */
function secretChanged(secrets: Record<string, string> | null, before: AlertTargetRecord): boolean {
  if (secrets === null) return false;
  return Object.keys(secrets).length > 0 || before.secret !== null;
}

/** What an audit row says of a target's settings: what an answer shows of them (never a secret). */
function auditSettings(t: AlertTargetRecord): { [key: string]: Json } {
  const { kind: _kind, ...settings } = targetSettings(t);
  return {
    name: t.name,
    kind: t.kind,
    settings,
    events: t.events,
    vmFilter: t.vmFilter,
    minSeverity: t.minSeverity,
    cooldownMinutes: t.cooldownMinutes,
    digestThreshold: t.digestThreshold,
    enabled: t.enabled,
  };
}

function summaryOf(d: AlertDeliveryRecord | null): DeliverySummary | null {
  if (!d) return null;
  return {
    status: d.status,
    event: d.event,
    at: d.sentAt ?? d.lastAttemptAt ?? d.createdAt,
    error: d.lastError,
  };
}

function shown(t: AlertTargetRecord, counts: AlertTargetCounts | undefined): AlertTarget {
  return {
    id: t.id,
    name: t.name,
    settings: targetSettings(t),
    events: t.events,
    vmFilter: t.vmFilter,
    minSeverity: t.minSeverity,
    cooldownMinutes: t.cooldownMinutes,
    digestThreshold: t.digestThreshold,
    enabled: t.enabled,
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    lastDelivery: summaryOf(counts?.last ?? null),
    pending: counts?.pending ?? 0,
    failed: counts?.failed ?? 0,
  };
}

/** A delivery as listed: everything but its payload. */
function deliveryOf(d: AlertDeliveryRecord): AlertDelivery {
  const { payload: _payload, ...shownFields } = d;
  return shownFields;
}

export default function alertRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const store = app.stores.alerts;
  const { box } = app.alerts;
  const config = { permission: 'alerts:manage' } as const;
  const shaped = (request: FastifyRequest, _reply: unknown, next: (err?: Error) => void) => {
    try {
      checkShape(request.body);
      next();
    } catch (err) {
      next(err as Error);
    }
  };

  async function found(id: string): Promise<AlertTargetRecord> {
    const t = await store.getTarget(id);
    if (!t) throw new HttpError(404, `No alert target ${id}`, 'not_found');
    return t;
  }

  async function shownWithCounts(t: AlertTargetRecord): Promise<AlertTarget> {
    return shown(t, (await store.counts()).get(t.id));
  }

  async function audited(
    request: FastifyRequest,
    t: { id: string; name: string; kind: TargetKind },
    action: 'create' | 'edit' | 'delete' | 'test',
    params: { [key: string]: Json },
  ): Promise<void> {
    await app.stores.audit.append({
      kind: 'alert',
      outcome: 'accepted',
      ...auditActor(actorContext(request, request.principal)),
      action: `alert:${action}`,
      target: `alert-target:${t.id}`,
      params: { name: t.name, kind: t.kind, ...params },
    });
    request.log.info({ alertTargetId: t.id, action }, 'alert target');
  }

  /** The secrets to store: the body's sealed, or (null given on PUT) the stored ones kept. */
  function sealed(
    secrets: Record<string, string> | null,
    stored: AlertTargetRecord | undefined,
  ): string | null {
    if (secrets === null) return stored?.secret ?? null;
    return Object.keys(secrets).length === 0 ? null : box.seal(secrets);
  }

  r.get(
    '/api/alerts/targets',
    { schema: { querystring: NoQuery, response: { 200: AlertTargetList, ...Errors } }, config },
    async () => {
      const [targets, counts] = await Promise.all([store.listTargets(), store.counts()]);
      return { targets: targets.map((t) => shown(t, counts.get(t.id))) };
    },
  );

  r.post(
    '/api/alerts/targets',
    {
      bodyLimit: TARGET_BODY_LIMIT,
      schema: {
        body: AlertTargetBody,
        querystring: NoQuery,
        response: { 201: AlertTargetCreated, ...Errors },
      },
      preValidation: shaped,
      config,
    },
    async (request, reply) => {
      const checked = check(request.body);
      if ((await store.listTargets()).length >= MAX_TARGETS) {
        throw new HttpError(
          409,
          `Powerdeck keeps at most ${MAX_TARGETS} alert targets: delete one you no longer use first`,
          'conflict',
        );
      }
      const at = new Date().toISOString();
      const t = await store
        .createTarget({
          id: randomUUID(),
          kind: request.body.kind,
          ...checked.fields,
          secret: sealed(checked.secrets, undefined),
          createdBy: request.principal!.actor,
          createdAt: at,
          updatedAt: at,
        })
        .catch((err: unknown) => {
          throw refused(err);
        });
      await audited(request, t, 'create', {
        ...auditSettings(t),
        ...(checked.generated ? { signingSecret: 'generated' } : {}),
      });
      return reply.code(201).send({ target: shown(t, undefined), signingSecret: checked.generated });
    },
  );

  r.get(
    '/api/alerts/targets/:id',
    {
      schema: { params: AlertTargetParams, querystring: NoQuery, response: { 200: AlertTarget, ...Errors } },
      config,
    },
    async (request) => shownWithCounts(await found(request.params.id)),
  );

  r.put(
    '/api/alerts/targets/:id',
    {
      bodyLimit: TARGET_BODY_LIMIT,
      schema: {
        params: AlertTargetParams,
        body: AlertTargetBody,
        querystring: NoQuery,
        response: { 200: AlertTarget, ...Errors },
      },
      preValidation: shaped,
      config,
    },
    async (request) => {
      const before = await found(request.params.id);
      const checked = check(request.body, before);
      const after = await store
        .updateTarget(
          before.id,
          { ...checked.fields, secret: sealed(checked.secrets, before) },
          new Date().toISOString(),
        )
        .catch((err: unknown) => {
          throw refused(err);
        });
      await audited(request, after, 'edit', {
        changed: changedNames(before, after, secretChanged(checked.secrets, before)),
      });
      return shownWithCounts(after);
    },
  );

  r.delete(
    '/api/alerts/targets/:id',
    {
      schema: { params: AlertTargetParams, querystring: NoQuery, response: { 204: Type.Null(), ...Errors } },
      config,
    },
    async (request, reply) => {
      const t = await found(request.params.id);
      if (await store.deleteTarget(t.id)) await audited(request, t, 'delete', {});
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/alerts/targets/:id/test',
    {
      schema: {
        params: AlertTargetParams,
        querystring: NoQuery,
        response: { 202: AlertDelivery, ...Errors },
      },
      config,
    },
    async (request, reply) => {
      const t = await found(request.params.id);
      // A target whose secrets no longer open (another key) cannot send: say so now rather than fail later.
      try {
        openSecrets(box, t);
      } catch (err) {
        throw new HttpError(
          409,
          `${(err as Error).message.charAt(0).toUpperCase()}${(err as Error).message.slice(1)}`,
          'conflict',
        );
      }
      const delivery = await app.alerts.sendTest(t.id, request.principal!.actor).catch((err: unknown) => {
        throw refused(err);
      });
      await audited(request, t, 'test', { deliveryId: delivery.id });
      return reply.code(202).send(deliveryOf(delivery));
    },
  );

  r.get(
    '/api/alerts/targets/:id/deliveries',
    {
      schema: {
        params: AlertTargetParams,
        querystring: NoQuery,
        response: { 200: AlertDeliveryList, ...Errors },
      },
      config,
    },
    async (request) => {
      const t = await found(request.params.id);
      return { deliveries: (await store.listDeliveries(t.id, DELIVERIES_SHOWN)).map(deliveryOf) };
    },
  );

  done();
}
