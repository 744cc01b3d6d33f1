// The alert target form's draft: what the admin typed, kept as typed (nothing is lost on a refusal), checked here
// by the BFF's own rules (./alerts' AlertTargetBody: a name, a URL per kind, an e-mail's server and addresses,
// the matchers' bounds) and turned into the body to send. Secrets are never in a draft made from a saved target
// (the BFF never answers them): editing shows that one is set, and only one typed after "Replace" is sent; left
// empty, the BFF keeps the one it has. A 400 or 409 from the BFF is put by its field when its words name one.
// Pure (tested in test/alerts-lib.test.ts).
import {
  ALERT_EVENTS,
  COOLDOWN_MINUTES,
  DIGEST_THRESHOLD,
  MAX_EMAIL_RECIPIENTS,
  MAX_TARGET_NAME,
  type AlertEvent,
  type AlertSeverity,
  type SmtpSecurity,
  type TargetKind,
} from '@powerdeck/contracts/alert-terms';
import type { AlertTarget, AlertTargetBody } from '@powerdeck/contracts/alerts';
import { isEmptyFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { isPowerStatus } from '@powerdeck/contracts/power-terms';
import { parseWhole } from '../../../lib/whole-number';
import { SECURITY_PORT } from './words';

/** The VM filter's longest (the contract's `vmFilter` maxLength). */
export const MAX_VM_FILTER = 500;

export interface TargetDraft {
  kind: TargetKind;
  name: string;
  /** A webhook's URL (not a secret: shown again), or a new Slack or Teams URL (a secret: never shown again). */
  url: string;
  /** A webhook's own signing secret; empty: Powerdeck makes one (new) or keeps the one it has (editing). */
  secret: string;
  host: string;
  port: string;
  security: SmtpSecurity;
  username: string;
  password: string;
  from: string;
  /** Addresses separated by commas, semicolons, spaces or lines. */
  to: string;
  /** None ticked: every event. */
  events: readonly AlertEvent[];
  vmFilter: string;
  minSeverity: AlertSeverity;
  /** As typed. */
  cooldown: string;
  digest: string;
  enabled: boolean;
  /**
   * Editing: the secret the BFF holds (a webhook's signing secret, a Slack or Teams URL, an SMTP password), as
   * `{ set }`, and whether the admin chose to replace it. Null for a new target.
   */
  saved: { set: boolean; replacing: boolean } | null;
}

export function emptyDraft(kind: TargetKind = 'webhook'): TargetDraft {
  return {
    kind,
    name: '',
    url: '',
    secret: '',
    host: '',
    port: String(SECURITY_PORT.starttls),
    security: 'starttls',
    username: '',
    password: '',
    from: '',
    to: '',
    events: [],
    vmFilter: '',
    minSeverity: 'info',
    cooldown: String(COOLDOWN_MINUTES.default),
    digest: String(DIGEST_THRESHOLD.default),
    enabled: true,
    saved: null,
  };
}

/** A saved target, to edit: its settings as shown, and no secret at all. */
export function draftFromTarget(t: AlertTarget): TargetDraft {
  const d: TargetDraft = {
    ...emptyDraft(t.settings.kind),
    name: t.name,
    events: [...t.events],
    vmFilter: t.vmFilter,
    minSeverity: t.minSeverity,
    cooldown: String(t.cooldownMinutes),
    digest: String(t.digestThreshold),
    enabled: t.enabled,
  };
  const s = t.settings;
  switch (s.kind) {
    case 'webhook':
      return { ...d, url: s.url, saved: { set: s.secretSet, replacing: false } };
    case 'slack':
    case 'teams':
      return { ...d, saved: { set: true, replacing: false } };
    case 'email':
      return {
        ...d,
        host: s.host,
        port: String(s.port),
        security: s.security,
        username: s.username ?? '',
        from: s.from,
        to: s.to.join(', '),
        saved: { set: s.passwordSet, replacing: false },
      };
  }
}

/** A new security; the port follows it when it was still the old security's usual one. */
export function withSecurity(d: TargetDraft, security: SmtpSecurity): TargetDraft {
  const port = d.port.trim() === String(SECURITY_PORT[d.security]) ? String(SECURITY_PORT[security]) : d.port;
  return { ...d, security, port };
}

/** Ticks or unticks an event, keeping the contract's order. */
export function withEvent(d: TargetDraft, event: AlertEvent, on: boolean): TargetDraft {
  const chosen = new Set(d.events);
  if (on) chosen.add(event);
  else chosen.delete(event);
  return { ...d, events: ALERT_EVENTS.filter((e) => chosen.has(e)) };
}

/** Whether the form asks for the secret now: always for a new target; editing, once "Replace" is pressed, or when none is set. */
export function asksForSecret(d: TargetDraft): boolean {
  return d.saved === null || d.saved.replacing || !d.saved.set;
}

// ------------------------------------------------------------------------------------------------------------
// Checking

export type FieldKey =
  | 'name'
  | 'url'
  | 'secret'
  | 'host'
  | 'port'
  | 'security'
  | 'username'
  | 'password'
  | 'from'
  | 'to'
  | 'events'
  | 'vmFilter'
  | 'minSeverity'
  | 'cooldown'
  | 'digest';

export type TargetProblems = Partial<Record<FieldKey, string>>;

// The BFF's own rules (routes/alerts.ts): a plausible address (no spaces, brackets or separators; a domain of
// letters, digits and hyphens by dots), an SMTP server's name or address alone (no scheme, port or path).
const EMAIL =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*$/u;
const HOST =
  /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*|\[?[0-9a-fA-F:.]+\]?)$/u;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** `status:` values besides VergeOS's statuses (./fleet-filter). */
const STATUS_WORDS = new Set(['attention', 'transitional', 'changing', 'down']);

/** The addresses of the `To` field, as typed, without the blanks between them. */
export function recipients(text: string): string[] {
  return text.split(/[\s,;]+/).filter(Boolean);
}

function urlOf(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function webhookUrlProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Type the address the alerts are posted to, e.g. https://alerts.example.com/powerdeck';
  const u = urlOf(t);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    return 'Use an http:// or https:// address, e.g. https://alerts.example.com/powerdeck';
  return undefined;
}

function chatUrlProblem(text: string, kind: 'slack' | 'teams'): string | undefined {
  const t = text.trim();
  const where = kind === 'slack' ? 'Slack' : 'Teams';
  if (!t) return `Paste the incoming webhook's URL from ${where}`;
  const u = urlOf(t);
  if (!u || (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))))
    return `Use the https:// address ${where} gave for the incoming webhook`;
  return undefined;
}

/** A Standard Webhooks secret: `whsec_` and the (padded) base64 of 24 to 64 random bytes. */
export function secretProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const b64 = /^whsec_([A-Za-z0-9+/]+)(={0,2})$/.exec(t);
  const length = (b64?.[1]?.length ?? 0) + (b64?.[2]?.length ?? 0);
  const bytes = (length / 4) * 3 - (b64?.[2]?.length ?? 0);
  if (!b64 || length % 4 !== 0 || bytes < 24 || bytes > 64)
    return 'A signing secret is whsec_ followed by the base64 of 24 to 64 random bytes; leave it empty and Powerdeck makes one';
  return undefined;
}

/**
 * A VM filter the BFF takes: every `status:` value known (a typo would let every VM through), and, when not empty,
 * restricting something.
 */
export function vmFilterProblem(text: string): string | undefined {
  const filter = text.trim();
  if (!filter) return undefined;
  if (filter.length > MAX_VM_FILTER) return `At most ${MAX_VM_FILTER} characters`;
  for (const word of filter.toLowerCase().split(/\s+/)) {
    const values = /^status:(.*)$/.exec(word)?.[1]?.split(',') ?? [];
    const unknown = values.find((v) => v !== '' && !isPowerStatus(v) && !STATUS_WORDS.has(v));
    if (unknown !== undefined)
      return `“${unknown}” is not a status: use a VergeOS status (running, stopped, error, …), attention, transitional or down`;
  }
  if (isEmptyFilter(parseFilter(filter)))
    return 'This filter restricts nothing: name words, status:<status> or node:<name> (or leave it empty for every VM)';
  return undefined;
}

const between = (b: { min: number; max: number }, unit: string) => `Between ${b.min} and ${b.max} ${unit}`;

/** What is wrong with the draft, by field (empty: nothing). */
export function draftProblems(d: TargetDraft): TargetProblems {
  const p: TargetProblems = {};
  const name = d.name.trim();
  if (!name) p.name = 'Give the target a name, e.g. "On-call Slack"';
  else if (name.length > MAX_TARGET_NAME) p.name = `At most ${MAX_TARGET_NAME} characters`;

  switch (d.kind) {
    case 'webhook':
      p.url = webhookUrlProblem(d.url);
      if (asksForSecret(d)) p.secret = secretProblem(d.secret);
      break;
    case 'slack':
    case 'teams':
      // Editing: an empty "new URL" keeps the one saved.
      if (d.saved === null || (d.saved.replacing && d.url.trim())) p.url = chatUrlProblem(d.url, d.kind);
      break;
    case 'email': {
      if (!d.host.trim()) p.host = "Type the SMTP server's host name, e.g. smtp.example.com";
      else if (!HOST.test(d.host.trim()))
        p.host = "The SMTP server's name or address only, e.g. smtp.example.com (no smtp:// and no port)";
      if (parseWhole(d.port, { min: 1, max: 65535 }) === null) p.port = 'A port from 1 to 65535';
      const from = d.from.trim();
      if (!from) p.from = "Type the sender's address, e.g. powerdeck@example.com";
      else if (!EMAIL.test(from)) p.from = `“${from}” is not an e-mail address`;
      const to = recipients(d.to);
      const bad = to.find((a) => !EMAIL.test(a));
      if (to.length === 0) p.to = 'Type at least one address to send the alerts to';
      else if (bad !== undefined) p.to = `“${bad}” is not an e-mail address`;
      else if (to.length > MAX_EMAIL_RECIPIENTS) p.to = `At most ${MAX_EMAIL_RECIPIENTS} addresses`;
      // A user name needs a password (typed, or the one saved); a password goes with a user name.
      const user = d.username.trim();
      const typed = asksForSecret(d) && d.password !== '';
      if (user && !typed && !(d.saved?.set ?? false))
        p.password = `Type the password of ${user} on the SMTP server`;
      else if (!user && typed)
        p.username = 'A password goes with a user name: type it, or leave the password empty';
      break;
    }
  }

  p.vmFilter = vmFilterProblem(d.vmFilter);
  if (parseWhole(d.cooldown, COOLDOWN_MINUTES) === null) p.cooldown = between(COOLDOWN_MINUTES, 'minutes');
  if (parseWhole(d.digest, DIGEST_THRESHOLD) === null) p.digest = between(DIGEST_THRESHOLD, 'VMs');
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}

export const hasProblems = (p: TargetProblems): boolean => Object.keys(p).length > 0;

// ------------------------------------------------------------------------------------------------------------
// The body

/** The body to send (check `draftProblems` first). A secret goes only when typed (new, or after "Replace"). */
export function targetBody(d: TargetDraft): AlertTargetBody {
  const matchers = {
    events: [...d.events],
    vmFilter: d.vmFilter.trim(),
    minSeverity: d.minSeverity,
    cooldownMinutes: parseWhole(d.cooldown, COOLDOWN_MINUTES) ?? COOLDOWN_MINUTES.default,
    digestThreshold: parseWhole(d.digest, DIGEST_THRESHOLD) ?? DIGEST_THRESHOLD.default,
    enabled: d.enabled,
  };
  const name = d.name.trim();
  const typed = (text: string) => (asksForSecret(d) && text.trim() ? text.trim() : undefined);
  switch (d.kind) {
    case 'webhook': {
      const secret = typed(d.secret);
      return {
        name,
        kind: 'webhook',
        webhook: { url: d.url.trim(), ...(secret === undefined ? {} : { secret }) },
        ...matchers,
      };
    }
    case 'slack':
    case 'teams': {
      const url = typed(d.url);
      const chat = url === undefined ? {} : { url };
      return d.kind === 'slack'
        ? { name, kind: 'slack', slack: chat, ...matchers }
        : { name, kind: 'teams', teams: chat, ...matchers };
    }
    case 'email': {
      // A password is never trimmed: spaces may be part of it.
      const password = asksForSecret(d) && d.password !== '' ? d.password : undefined;
      return {
        name,
        kind: 'email',
        email: {
          host: d.host.trim(),
          port: parseWhole(d.port, { min: 1, max: 65535 }) ?? SECURITY_PORT[d.security],
          security: d.security,
          username: d.username.trim(),
          ...(password === undefined ? {} : { password }),
          from: d.from.trim(),
          to: recipients(d.to),
        },
        ...matchers,
      };
    }
  }
}

// ------------------------------------------------------------------------------------------------------------
// The BFF's refusals

/** The body's paths as the BFF names them (`webhook.url`, `body/email/to/2`), by the form's field. */
const PATHS: readonly [RegExp, FieldKey][] = [
  [/\b(?:webhook|slack|teams)[./]url\b/, 'url'],
  [/\bwebhook[./]secret\b/, 'secret'],
  [/\bemail[./]host\b/, 'host'],
  [/\bemail[./]port\b/, 'port'],
  [/\bemail[./]security\b/, 'security'],
  [/\bemail[./]username\b/, 'username'],
  [/\bemail[./]password\b/, 'password'],
  [/\bemail[./]from\b/, 'from'],
  [/\bemail[./]to\b/, 'to'],
  [/\bvmFilter\b/, 'vmFilter'],
  [/\bcooldownMinutes\b/, 'cooldown'],
  [/\bdigestThreshold\b/, 'digest'],
  [/\bminSeverity\b/, 'minSeverity'],
  [/\bevents\b/, 'events'],
  [/(?:\(|\bbody[./])name\b/, 'name'],
];

/**
 * Where a refusal belongs: the field its words name (a 409 is a name already used), or null (shown at the top).
 * The words are the BFF's, unchanged.
 */
export function refusalField(error: { status?: number; message: string }): FieldKey | null {
  // 409: a name already used ("An alert target named … exists already"); or too many targets (at the top).
  if (error.status === 409) return /\bnamed?\b/i.test(error.message) ? 'name' : null;
  if (error.status !== 400) return null;
  for (const [re, field] of PATHS) if (re.test(error.message)) return field;
  return null;
}

/**
 * A refusal's words as shown by its field: without the body path the BFF names it by ("slack.url must start with
 * https://…" reads "Must start with https://…" under the URL field; "Invalid request: body.email.port must be <=
 * 65535" reads "Must be <= 65535").
 */
export function refusalWords(message: string): string {
  const words = message
    .replace(/^Invalid request: body(?:\.[\w.]+)?\s*/, '')
    .replace(
      /^(?:(?:webhook|slack|teams|email)\.[\w.]+|vmFilter|name|events|minSeverity|cooldownMinutes|digestThreshold):?\s+/,
      '',
    )
    .replace(/\s*\((?:[\w]+\.)*[\w]+\)\.?$/, '');
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : message;
}
