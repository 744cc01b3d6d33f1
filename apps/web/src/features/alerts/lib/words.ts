// Alert targets and their deliveries in words, as Admin › Alerts shows them: where a target sends, what it
// matches, how its deliveries fare (a failed one is a problem, said so and coloured so), and each delivery's
// status. Pure (tested in test/alerts-lib.test.ts). Types only from ./alerts (its values would bring TypeBox into
// the bundle); the vocabulary from ./alert-terms.
import {
  EVENT_WORDS,
  TARGET_KIND_WORDS,
  type AlertSeverity,
  type DeliveryStatus,
  type SmtpSecurity,
} from '@powerdeck/contracts/alert-terms';
import type { AlertTarget, TargetSettings } from '@powerdeck/contracts/alerts';
import { plural } from '../../../lib/format';
import type { Tone } from '../../../lib/status';

export const targetHref = (id: string): string => `/admin/alerts/${encodeURIComponent(id)}`;

/** The short name of a kind, for badges ("Webhook", "Slack", "Microsoft Teams", "E-mail"). */
export const KIND_BADGE: Readonly<Record<TargetSettings['kind'], string>> = {
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  email: 'E-mail',
};

export { TARGET_KIND_WORDS };

export const SECURITY_WORDS: Readonly<Record<SmtpSecurity, string>> = {
  tls: 'TLS',
  starttls: 'STARTTLS',
  none: 'None',
};

/** The port each security usually goes with: choosing a security moves a port still at another's default. */
export const SECURITY_PORT: Readonly<Record<SmtpSecurity, number>> = { tls: 465, starttls: 587, none: 25 };

export const SECURITY_HINTS: Readonly<Record<SmtpSecurity, string>> = {
  tls: 'TLS from the first byte (usually port 465).',
  starttls:
    'Plain at first, then TLS before anything is sent; refused if the server does not offer it (usually port 587).',
  none: 'Nothing is encrypted, password included: only for a relay on a network you trust (usually port 25).',
};

/** The minimum severity's choices. */
export const SEVERITY_CHOICES: Readonly<Record<AlertSeverity, string>> = {
  info: 'Info: every event',
  warning: 'Warning and critical',
  critical: 'Critical only',
};

const SEVERITY_WORDS: Readonly<Record<AlertSeverity, string>> = {
  info: 'any severity',
  warning: 'warning or critical',
  critical: 'critical only',
};

/** Where a target's messages go: its URL, the chat service's host (the rest of the URL is the secret), or the mail. */
export function destinationInWords(s: TargetSettings): string {
  switch (s.kind) {
    case 'webhook':
      return s.url;
    case 'slack':
    case 'teams':
      return `${KIND_BADGE[s.kind]} incoming webhook at ${s.host}`;
    case 'email':
      return `${s.to.join(', ')} through ${s.host}:${s.port} (${SECURITY_WORDS[s.security]})`;
  }
}

/** "Every event", or the events' words. */
export function eventsInWords(events: AlertTarget['events']): string {
  return events.length === 0 ? 'Every event' : events.map((e) => EVENT_WORDS[e]).join(', ');
}

/** What a target takes: "Every event · every VM · any severity". */
export function matchersInWords(t: Pick<AlertTarget, 'events' | 'vmFilter' | 'minSeverity'>): string {
  const vms = t.vmFilter.trim() ? `VMs matching “${t.vmFilter.trim()}”` : 'every VM';
  return `${eventsInWords(t.events)} · ${vms} · ${SEVERITY_WORDS[t.minSeverity]}`;
}

/** How it keeps storms down: "One alert per VM and event per 15 min; a digest past 5 VMs down in a minute". */
export function quietInWords(t: Pick<AlertTarget, 'cooldownMinutes' | 'digestThreshold'>): string {
  const cool =
    t.cooldownMinutes === 0
      ? 'No cool-down'
      : `One alert per VM and event per ${plural(t.cooldownMinutes, 'minute')}`;
  return `${cool}; one digest when more than ${plural(t.digestThreshold, 'VM')} go down within a minute`;
}

/** A delivery's status as a badge. */
export const DELIVERY_STATUS: Readonly<Record<DeliveryStatus, { label: string; tone: Tone }>> = {
  queued: { label: 'Queued', tone: 'moving' },
  retrying: { label: 'Retrying', tone: 'warn' },
  sent: { label: 'Sent', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
  merged: { label: 'In a digest', tone: 'idle' },
};

export interface Health {
  /** The badge: how the target fares now. */
  label: string;
  tone: Tone;
  /** A sentence saying what that means and what to do, or null when all is well. */
  problem: string | null;
}

/**
 * A target's delivery health: a failed delivery kept is a problem (red, and says where to look), a retry under way
 * needs attention, otherwise quiet. A disabled target is said to be so first: it gets nothing.
 */
export function healthOf(t: Pick<AlertTarget, 'enabled' | 'failed' | 'pending' | 'lastDelivery'>): Health {
  if (t.failed > 0) {
    return {
      label: `${plural(t.failed, 'failed delivery', 'failed deliveries')}`,
      tone: 'bad',
      problem: `${t.failed === 1 ? 'A message was' : `${plural(t.failed, 'message')} were`} not delivered after a day of retries${
        t.lastDelivery?.status === 'failed' && t.lastDelivery.error ? `: ${t.lastDelivery.error}` : ''
      }. Check the target's settings, then send a test.`,
    };
  }
  if (t.lastDelivery?.status === 'retrying') {
    return {
      label: 'Retrying',
      tone: 'warn',
      problem: `The last message has not got through yet${t.lastDelivery.error ? `: ${t.lastDelivery.error}` : ''}. Powerdeck keeps trying for a day.`,
    };
  }
  if (!t.enabled) return { label: 'Disabled', tone: 'idle', problem: null };
  if (t.pending > 0) return { label: `${t.pending} waiting`, tone: 'moving', problem: null };
  if (t.lastDelivery === null) return { label: 'Nothing sent yet', tone: 'idle', problem: null };
  return { label: 'Delivering', tone: 'ok', problem: null };
}

/** The last delivery in words: "Sent: Test message" (its time and error beside it). */
export function lastDeliveryWords(last: AlertTarget['lastDelivery']): string {
  if (last === null) return 'Nothing sent yet';
  return `${DELIVERY_STATUS[last.status].label}: ${EVENT_WORDS[last.event]}`;
}
