// Times in a named IANA zone, as the schedules show them: "Mon 2026-12-07 19:00" in the schedule's zone, and the
// same moment in the viewer's zone (Intl's). One cached Intl formatter per zone. Pure (tested in
// test/schedules-lib.test.ts).
import { shortDuration } from '../../../lib/format';

export interface ZonedParts {
  /** "2026-12-07" */
  date: string;
  /** "19:00" (24 h) */
  time: string;
  /** "Mon" */
  weekday: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock date, time and weekday of an instant (epoch ms) in `zone`. */
export function zonedParts(ms: number, zone: string): ZonedParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(ms)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    weekday: parts.weekday ?? '',
  };
}

/** "Mon 2026-12-07 19:00" in `zone`. */
export function zonedDateTime(ms: number, zone: string): string {
  const p = zonedParts(ms, zone);
  return `${p.weekday} ${p.date} ${p.time}`;
}

/** The viewer's own zone, as the browser knows it. */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * The IANA zones the browser knows (for the form's select), with UTC (Chromium leaves it out of its list) and
 * `ensure` (a schedule's own zone) in it.
 */
export function timeZones(ensure: readonly string[] = []): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = new Set(['UTC', ...known]);
  for (const z of ensure) if (z) all.add(z);
  return [...all].sort();
}

/** Whether the browser can show times in `zone`. */
export function isKnownZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Relative to now: "in 3 h", "in 12 min", "in 40 s", "now" (within the second), "5 min ago". */
export function relativeTo(ms: number, nowMs: number): string {
  const s = (ms - nowMs) / 1000;
  if (Math.abs(s) < 1) return 'now';
  return s > 0 ? `in ${shortDuration(s)}` : `${shortDuration(-s)} ago`;
}
