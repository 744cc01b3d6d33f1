// Schedules in words, as the Schedules page and the cards show them. Pure (tested in test/schedules-lib.test.ts).
// Types only from ./schedules (its values would bring TypeBox into the bundle); the words from ./schedule-terms.
import { SCHEDULE_ACTION_WORDS, WEEKDAY_NAMES, type RunOutcome } from '@powerdeck/contracts/schedule-terms';
import type { NextAction, Schedule, Targets, When } from '@powerdeck/contracts/schedules';
import type { Tone } from '../../../lib/status';
import { plural } from '../../../lib/format';
import { zonedParts } from './zones';

/** Monday first, as people read a week. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;
const shortDay = (d: number) => (WEEKDAY_NAMES[d] ?? '').slice(0, 3);

/**
 * When a schedule runs: "Weekdays at 19:00", "Every Mon, Wed at 07:30", "Once on 2026-12-24 at 18:00",
 * "cron 0 2 * * 6"; with `zone`, followed by it in brackets.
 */
export function whenInWords(when: When, zone?: string): string {
  let text: string;
  switch (when.kind) {
    case 'daily':
      text = `Daily at ${when.time}`;
      break;
    case 'weekdays':
      text = `Weekdays at ${when.time}`;
      break;
    case 'weekly': {
      const days = WEEK_ORDER.filter((d) => when.days.includes(d));
      text =
        days.length === 7
          ? `Every day at ${when.time}`
          : `Every ${days.map(shortDay).join(', ')} at ${when.time}`;
      break;
    }
    case 'once':
      text = `Once on ${when.date} at ${when.time}`;
      break;
    case 'cron':
      text = `cron ${when.expression.trim()}`;
      break;
  }
  return zone ? `${text} (${zone})` : text;
}

/**
 * The targets: "3 chosen VMs", "VMs matching “lab status:running”", "Plan “Site A”" (`planName` names a plan by its
 * id; one it does not know is "A power plan").
 */
export function targetsInWords(targets: Targets, planName?: (id: string) => string | undefined): string {
  if (targets.kind === 'plan') {
    const name = planName?.(targets.plan);
    return name === undefined ? 'A power plan' : `Plan “${name}”`;
  }
  return targets.kind === 'vms'
    ? `${plural(targets.vms.length, 'chosen VM')}`
    : `VMs matching “${targets.filter}”`;
}

/** The action, with its escalation: "Shut down, force off after 120 s". */
export function actionInWords(s: Pick<Schedule, 'action' | 'forceAfterS'>): string {
  const words = SCHEDULE_ACTION_WORDS[s.action];
  return s.action === 'shutdown' && s.forceAfterS !== null
    ? `${words}, force off after ${s.forceAfterS} s`
    : words;
}

/** A schedule's state: paused wins over disabled. */
export function scheduleState(s: Pick<Schedule, 'enabled' | 'paused'>): { label: string; tone: Tone } {
  if (s.paused) return { label: 'Paused', tone: 'warn' };
  return s.enabled ? { label: 'Enabled', tone: 'ok' } : { label: 'Disabled', tone: 'idle' };
}

/** A run's outcome in words, and its colour. */
export const RUN_OUTCOME_WORDS: Readonly<Record<RunOutcome, { label: string; tone: Tone }>> = {
  started: { label: 'Started', tone: 'ok' },
  skipped: { label: 'Skipped', tone: 'idle' },
  excluded: { label: 'Excluded date', tone: 'idle' },
  missed: { label: 'Missed', tone: 'warn' },
  empty: { label: 'No VMs matched', tone: 'idle' },
  failed: { label: 'Failed', tone: 'bad' },
};

/** For each VM its earliest next action (the server sends one per VM; the earliest wins if it sends more). */
export function indexNextActions(actions: readonly NextAction[]): Map<number, NextAction> {
  const byVm = new Map<number, NextAction>();
  for (const a of actions) {
    const had = byVm.get(a.vm);
    if (!had || Date.parse(a.at) < Date.parse(had.at)) byVm.set(a.vm, a);
  }
  return byVm;
}

/** The calendar day after a `YYYY-MM-DD`. */
export function nextDate(date: string): string {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * A VM's next action in the viewer's zone: "Shut down at 19:00 · Office hours" today, "Start tomorrow at 07:30 ·
 * Office hours", "Reboot Sat 2026-12-12 at 02:00 · Patch night" later.
 */
export function nextActionText(a: NextAction, nowMs: number, zone: string): string {
  const at = zonedParts(Date.parse(a.at), zone);
  const today = zonedParts(nowMs, zone).date;
  const tomorrow = nextDate(today);
  const day = at.date === today ? '' : at.date === tomorrow ? 'tomorrow ' : `${at.weekday} ${at.date} `;
  return `${SCHEDULE_ACTION_WORDS[a.action]} ${day}at ${at.time} · ${a.scheduleName}`;
}
