// A delivery as the message each kind of target expects. The delivery keeps one payload (the webhook's `data`,
// stored as JSON when it was queued); this turns it, when it is sent, into:
// - webhook: the Standard Webhooks JSON `{type: 'powerdeck.<event>', timestamp, data}` (alerts.ts WebhookPayload);
// - Slack: an incoming-webhook message, a one-line `text` (what notifications show) and Block Kit `blocks`;
// - Teams: a Workflows / incoming-webhook message carrying one Adaptive Card;
// - e-mail: a subject, a plain text body and a simple HTML body.
// Names come from VergeOS and may hold anything: each format escapes them its own way (Slack's three control
// characters, HTML), and long ones are cut to what the service accepts, so one odd VM name cannot get a message
// refused.
import {
  ALERT_SEVERITIES,
  DELIVERY_EVENTS,
  EVENT_WORDS,
  type AlertSeverity,
  type DeliveryEvent,
  type TargetKind,
} from '@powerdeck/contracts/alert-terms';
import type { WebhookPayload } from '@powerdeck/contracts/alerts';
import type { AlertDeliveryRecord } from '../stores/types';

export type AlertData = WebhookPayload['data'];
type DigestVm = NonNullable<AlertData['vms']>[number];

/** What rendering reads of a delivery. */
export type DeliveryToRender = Pick<
  AlertDeliveryRecord,
  'event' | 'severity' | 'title' | 'payload' | 'createdAt'
>;

/** A digest names at most this many VMs in a chat message (Slack and Teams cut long messages), then "and N more". */
export const CHAT_DIGEST_VMS = 20;
/** An e-mail has room for more. */
export const EMAIL_DIGEST_VMS = 200;

// Slack's limits (Block Kit reference): a header's text 150 characters, a section's text 3000, a field 2000.
const SLACK_HEADER_MAX = 150;
const SLACK_SECTION_MAX = 3000;
const SLACK_FIELD_MAX = 2000;
const NAME_MAX = 120;

const LINK_WORDS = 'Open in Powerdeck';

// ---------------------------------------------------------------------------------------------
// The payload

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The delivery's `data`, with the event, severity and title of the delivery itself and only the contract's fields
 * (so the webhook's body is exactly the contract whatever was stored). A payload that does not parse still gives a
 * message: the title says what happened.
 */
export function deliveryData(d: DeliveryToRender): AlertData {
  let stored: unknown;
  try {
    stored = JSON.parse(d.payload);
  } catch {
    stored = {};
  }
  const p = isObject(stored) ? stored : {};
  const data: AlertData = {
    event: (DELIVERY_EVENTS as readonly string[]).includes(d.event) ? d.event : 'test',
    severity: (ALERT_SEVERITIES as readonly string[]).includes(d.severity) ? d.severity : 'info',
    title: d.title,
    text: str(p.text) ?? '',
  };
  if (isObject(p.vm) && typeof p.vm.key === 'number' && typeof p.vm.name === 'string') {
    data.vm = {
      key: p.vm.key,
      name: p.vm.name,
      status: str(p.vm.status) ?? 'unknown',
      node: str(p.vm.node) ?? null,
    };
  }
  if (Array.isArray(p.vms)) {
    data.vms = p.vms
      .filter((v): v is Record<string, unknown> => isObject(v))
      .filter((v) => typeof v.key === 'number' && typeof v.name === 'string')
      .map((v) => ({ key: v.key as number, name: v.name as string, status: str(v.status) ?? 'unknown' }));
  }
  for (const field of ['operationId', 'scheduleId', 'server', 'url'] as const) {
    const value = str(p[field]);
    if (value !== undefined) data[field] = value;
  }
  return data;
}

/** The link to the page, only when it is an http(s) address (it goes into href attributes and Slack links). */
function linkOf(data: AlertData): string | undefined {
  if (data.url === undefined) return undefined;
  try {
    const u = new URL(data.url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

const SEVERITY_WORDS: Readonly<Record<AlertSeverity, string>> = {
  critical: 'Critical',
  warning: 'Warning',
  info: 'Info',
};

/** The facts under the text, label and value, plain. */
function facts(data: AlertData, createdAt: string): [string, string][] {
  const out: [string, string][] = [];
  if (data.vm) {
    out.push(['VM', cut(data.vm.name, NAME_MAX)]);
    out.push(['Status', data.vm.status]);
    if (data.vm.node !== null) out.push(['Node', cut(data.vm.node, NAME_MAX)]);
  }
  if (data.vms) out.push(['VMs', String(data.vms.length)]);
  if (data.operationId !== undefined) out.push(['Operation', data.operationId]);
  if (data.scheduleId !== undefined) out.push(['Schedule', data.scheduleId]);
  if (data.server !== undefined) out.push(['Server', cut(data.server, NAME_MAX)]);
  out.push(['Event', EVENT_WORDS[data.event]]);
  out.push(['Severity', SEVERITY_WORDS[data.severity]]);
  out.push(['When', createdAt]);
  return out;
}

function digestLines(vms: readonly DigestVm[], max: number): { lines: string[]; more: number } {
  const shown = vms.slice(0, max);
  return {
    lines: shown.map((v) => `${cut(v.name, NAME_MAX)} (${v.status})`),
    more: vms.length - shown.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook (Standard Webhooks)

export function renderWebhook(d: DeliveryToRender): WebhookPayload {
  return { type: `powerdeck.${d.event}`, timestamp: d.createdAt, data: deliveryData(d) };
}

// ---------------------------------------------------------------------------------------------
// Slack (incoming webhook, Block Kit)

/** Slack reads `&`, `<` and `>` as markup (`<!channel>` would ping everyone): these three, and only these, escaped. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

export interface SlackMessage {
  /** The one line notifications and old clients show. */
  text: string;
  blocks: SlackBlock[];
}

function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text };
}

export function renderSlack(d: DeliveryToRender): SlackMessage {
  const data = deliveryData(d);
  const blocks: SlackBlock[] = [
    // plain_text is shown as it is: no markup to escape, only the length to keep.
    {
      type: 'header',
      text: { type: 'plain_text', text: cut(oneLine(data.title), SLACK_HEADER_MAX), emoji: true },
    },
  ];
  if (data.text.trim() !== '') {
    blocks.push({ type: 'section', text: mrkdwn(cut(slackEscape(data.text), SLACK_SECTION_MAX)) });
  }
  const shown = facts(data, d.createdAt).filter(([label]) => label !== 'Event' && label !== 'When');
  blocks.push({
    type: 'section',
    // At most 10 fields in a section (Block Kit); there are never more than 8.
    fields: shown.map(([label, value]) => mrkdwn(cut(`*${label}*\n${slackEscape(value)}`, SLACK_FIELD_MAX))),
  });
  if (data.vms && data.vms.length > 0) {
    const { lines, more } = digestLines(data.vms, CHAT_DIGEST_VMS);
    const list = lines.map((l) => `• ${slackEscape(l)}`);
    if (more > 0) list.push(`and ${more} more`);
    blocks.push({ type: 'section', text: mrkdwn(cut(list.join('\n'), SLACK_SECTION_MAX)) });
  }
  const link = linkOf(data);
  const context = [`${EVENT_WORDS[data.event]} · ${d.createdAt}`];
  // In a Slack link `|` ends the address: it is percent-encoded (URL.href leaves it as it is).
  if (link !== undefined) context.push(`<${slackEscape(link.replace(/\|/g, '%7C'))}|${LINK_WORDS}>`);
  blocks.push({ type: 'context', elements: context.map((c) => mrkdwn(c)) });
  return { text: slackEscape(oneLine(data.title)), blocks };
}

// ---------------------------------------------------------------------------------------------
// Microsoft Teams (Workflows "When a Teams webhook request is received", or a legacy incoming webhook)

export interface TeamsMessage {
  type: 'message';
  attachments: {
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }[];
}

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  body: AdaptiveElement[];
  actions?: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams?: { width: 'Full' };
}

export type AdaptiveElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      size?: 'Medium' | 'Large';
      weight?: 'Bolder';
      color?: 'Attention' | 'Warning' | 'Good' | 'Default';
      isSubtle?: boolean;
    }
  | { type: 'FactSet'; facts: { title: string; value: string }[] };

const TEAMS_COLOUR: Readonly<Record<AlertSeverity, 'Attention' | 'Warning' | 'Default'>> = {
  critical: 'Attention',
  warning: 'Warning',
  info: 'Default',
};

/** Back again: good news, in green. */
const GOOD_NEWS: ReadonlySet<DeliveryEvent> = new Set<DeliveryEvent>(['vm_back', 'vergeos_back']);

export function renderTeams(d: DeliveryToRender): TeamsMessage {
  const data = deliveryData(d);
  const body: AdaptiveElement[] = [
    {
      type: 'TextBlock',
      text: oneLine(data.title),
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: GOOD_NEWS.has(data.event) ? 'Good' : TEAMS_COLOUR[data.severity],
    },
  ];
  if (data.text.trim() !== '') body.push({ type: 'TextBlock', text: data.text, wrap: true });
  body.push({
    type: 'FactSet',
    facts: facts(data, d.createdAt).map(([title, value]) => ({ title, value })),
  });
  if (data.vms && data.vms.length > 0) {
    const shown = data.vms.slice(0, CHAT_DIGEST_VMS);
    body.push({
      type: 'FactSet',
      facts: shown.map((v) => ({ title: cut(v.name, NAME_MAX), value: v.status })),
    });
    const more = data.vms.length - shown.length;
    if (more > 0) body.push({ type: 'TextBlock', text: `and ${more} more`, wrap: true, isSubtle: true });
  }
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  };
  const link = linkOf(data);
  if (link !== undefined) card.actions = [{ type: 'Action.OpenUrl', title: LINK_WORDS, url: link }];
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// E-mail

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

export function htmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderEmail(d: DeliveryToRender): EmailMessage {
  const data = deliveryData(d);
  const title = oneLine(data.title);
  const link = linkOf(data);
  const rows = facts(data, d.createdAt);
  const digest = data.vms && data.vms.length > 0 ? digestLines(data.vms, EMAIL_DIGEST_VMS) : null;

  const text: string[] = [title, ''];
  if (data.text.trim() !== '') text.push(data.text, '');
  for (const [label, value] of rows) text.push(`${label}: ${value}`);
  if (digest) {
    text.push('', ...digest.lines.map((l) => `- ${l}`));
    if (digest.more > 0) text.push(`and ${digest.more} more`);
  }
  if (link !== undefined) text.push('', `${LINK_WORDS}: ${link}`);
  text.push('', '-- ', 'Sent by Powerdeck.');

  const html: string[] = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif">',
    `<h2>${htmlEscape(title)}</h2>`,
  ];
  if (data.text.trim() !== '') {
    html.push(`<p>${htmlEscape(data.text).replace(/\r?\n/g, '<br>')}</p>`);
  }
  html.push('<table>');
  for (const [label, value] of rows) {
    html.push(`<tr><th align="left">${htmlEscape(label)}</th><td>${htmlEscape(value)}</td></tr>`);
  }
  html.push('</table>');
  if (digest) {
    html.push('<ul>', ...digest.lines.map((l) => `<li>${htmlEscape(l)}</li>`), '</ul>');
    if (digest.more > 0) html.push(`<p>and ${digest.more} more</p>`);
  }
  if (link !== undefined) html.push(`<p><a href="${htmlEscape(link)}">${LINK_WORDS}</a></p>`);
  html.push('<p style="color: #666">Sent by Powerdeck.</p>', '</body></html>');

  return { subject: `[Powerdeck] ${title}`, text: text.join('\n'), html: html.join('\n') };
}

// ---------------------------------------------------------------------------------------------

/** A delivery rendered for one kind of target. */
export type RenderedMessage =
  | { kind: 'webhook'; body: WebhookPayload }
  | { kind: 'slack'; body: SlackMessage }
  | { kind: 'teams'; body: TeamsMessage }
  | { kind: 'email'; email: EmailMessage };

export function render(d: DeliveryToRender, kind: TargetKind): RenderedMessage {
  switch (kind) {
    case 'webhook':
      return { kind, body: renderWebhook(d) };
    case 'slack':
      return { kind, body: renderSlack(d) };
    case 'teams':
      return { kind, body: renderTeams(d) };
    case 'email':
      return { kind, email: renderEmail(d) };
  }
}
