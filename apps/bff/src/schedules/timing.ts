// When a schedule runs: its `when` (daily, weekdays, weekly, once, cron) in an IANA time zone, as moments (epoch ms).
// croner computes the moments (its DST rules are ours: a fixed time that does not exist that day runs at the first
// valid moment after it; one that exists twice runs once, at its first occurrence; a cron expression stepping
// through the hours keeps to elapsed time); this module turns a `when` into a croner pattern, checks what people
// type (time zone, cron expression, dates) with messages that name the field, and marks exclusion dates.
// Pure: every function takes the moment to count from. Tested against hand-written times (test/schedule-timing).
import type { When } from '@powerdeck/contracts/schedules';
import { Cron } from 'croner';

/** A schedule's timing as people wrote it, checked. */
export interface Timing {
  when: When;
  timeZone: string;
  /** `YYYY-MM-DD` in the zone: no run on these days. */
  exclusions: readonly string[];
}

export interface UpcomingMoment {
  at: number;
  /** On one of the exclusion dates (in the zone). */
  excluded: boolean;
}

/** Something wrong with a schedule's timing, in words that name the field (answered as 400). */
export class TimingError extends Error {
  override name = 'TimingError';
  constructor(
    readonly field: 'timeZone' | 'when' | 'exclusions',
    message: string,
  ) {
    super(message);
  }
}

/** The zone this process runs in (the default of a schedule that names none). */
export function serverTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The zone's canonical IANA name, or a TimingError. */
export function checkTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new TimingError('timeZone', `Unknown time zone '${zone}': use an IANA name such as Europe/Berlin`);
  }
}

/** Whether `YYYY-MM-DD` names a real day (not 2027-02-29). */
function realDate(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function hm(time: string): [number, number] {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return [h, m];
}

/** The croner pattern and mode of a `when`. */
function patternOf(when: When): { pattern: string; mode: '5-part' | '7-part' } {
  switch (when.kind) {
    case 'daily': {
      const [h, m] = hm(when.time);
      return { pattern: `${m} ${h} * * *`, mode: '5-part' };
    }
    case 'weekdays': {
      const [h, m] = hm(when.time);
      return { pattern: `${m} ${h} * * 1-5`, mode: '5-part' };
    }
    case 'weekly': {
      const [h, m] = hm(when.time);
      const days = [...when.days].sort((a, b) => a - b).join(',');
      return { pattern: `${m} ${h} * * ${days}`, mode: '5-part' };
    }
    case 'once': {
      if (!realDate(when.date)) throw new TimingError('when', `${when.date} is not a date`);
      const [h, m] = hm(when.time);
      const [y, mo, d] = when.date.split('-').map(Number) as [number, number, number];
      // Seconds, minutes, hours, day, month, weekday, year: one moment.
      return { pattern: `0 ${m} ${h} ${d} ${mo} * ${y}`, mode: '7-part' };
    }
    case 'cron': {
      const expression = when.expression.trim();
      if (!expression.startsWith('@') && expression.split(/\s+/).length !== 5) {
        throw new TimingError(
          'when',
          'Cron expression: five fields (minute hour day-of-month month day-of-week), e.g. 0 19 * * 1-5',
        );
      }
      return { pattern: expression, mode: '5-part' };
    }
  }
}

/** A schedule's timing, checked and ready to compute moments (keep one per schedule: building it parses). */
export class CompiledTiming {
  readonly timeZone: string;
  private readonly cron: Cron;
  private readonly exclusions: ReadonlySet<string>;
  private readonly dayFormat: Intl.DateTimeFormat;

  constructor(timing: Timing) {
    this.timeZone = checkTimeZone(timing.timeZone);
    for (const date of timing.exclusions) {
      if (!realDate(date)) throw new TimingError('exclusions', `Exclusion ${date} is not a date`);
    }
    this.exclusions = new Set(timing.exclusions);
    const { pattern, mode } = patternOf(timing.when);
    try {
      this.cron = new Cron(pattern, {
        timezone: this.timeZone,
        paused: true,
        mode,
        // Lists and ranges of hours are fixed times too (`0 7,19 * * *` runs once at each on DST days), as in
        // Vixie cron; only `*` and steps in the minute or hour follow elapsed time.
        fixedTimeRule: 'no-wildcard',
      });
    } catch (err) {
      const message = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
      throw new TimingError('when', `Cron expression: ${message}`);
    }
    this.dayFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone: this.timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
  }

  /** The first run strictly after `afterMs`, or null when there is none (a `once` that passed). */
  next(afterMs: number): number | null {
    const at = this.cron.nextRun(new Date(afterMs));
    return at === null ? null : at.getTime();
  }

  /** The local date (`YYYY-MM-DD`) of a moment in the schedule's zone. */
  localDate(ms: number): string {
    return this.dayFormat.format(ms);
  }

  excluded(ms: number): boolean {
    return this.exclusions.size > 0 && this.exclusions.has(this.localDate(ms));
  }

  /** The next `count` runs after `afterMs`, excluded ones included and marked. */
  upcoming(afterMs: number, count: number): UpcomingMoment[] {
    const out: UpcomingMoment[] = [];
    let from = afterMs;
    while (out.length < count) {
      const at = this.next(from);
      if (at === null) break;
      out.push({ at, excluded: this.excluded(at) });
      from = at;
    }
    return out;
  }

  /** Runs in (afterMs, untilMs], oldest first, at most `max` (the newest ones when there are more). */
  between(afterMs: number, untilMs: number, max: number): number[] {
    const out: number[] = [];
    let from = afterMs;
    for (;;) {
      const at = this.next(from);
      if (at === null || at > untilMs) break;
      out.push(at);
      if (out.length > max) out.shift();
      from = at;
    }
    return out;
  }
}
