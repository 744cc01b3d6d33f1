// When schedules run, checked against times worked out by hand from each zone's rules (not against croner itself).
// 2026 transitions: Europe/Berlin 29 Mar 02:00 CET -> 03:00 CEST, 25 Oct 03:00 CEST -> 02:00 CET;
// America/New_York 8 Mar 02:00 EST -> 03:00 EDT, 1 Nov 02:00 EDT -> 01:00 EST;
// Australia/Sydney 5 Apr 03:00 AEDT -> 02:00 AEST, 4 Oct 02:00 AEST -> 03:00 AEDT.
import type { When } from '@powerdeck/contracts/schedules';
import { describe, expect, it } from 'vitest';
import { CompiledTiming, TimingError, checkTimeZone } from '../src/schedules/timing';

const t = (when: When, timeZone: string, exclusions: string[] = []) =>
  new CompiledTiming({ when, timeZone, exclusions });
const ms = (iso: string) => Date.parse(iso);
const iso = (list: { at: number }[]) => list.map((u) => new Date(u.at).toISOString());
const daily = (time: string): When => ({ kind: 'daily', time });

describe('fixed times on DST days', () => {
  it('Europe/Berlin: 02:30 runs at 03:00 CEST on the spring-forward day, once (CEST) on the fall-back day', () => {
    expect(iso(t(daily('02:30'), 'Europe/Berlin').upcoming(ms('2026-03-28T12:00:00Z'), 3))).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first valid moment after 02:30
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(iso(t(daily('02:30'), 'Europe/Berlin').upcoming(ms('2026-10-24T12:00:00Z'), 3))).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; 02:30 CET (01:30Z) is the same wall time again: not run
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('America/New_York: 02:30 runs at 03:00 EDT on 8 March; 01:30 runs once (EDT) on 1 November', () => {
    expect(iso(t(daily('02:30'), 'America/New_York').upcoming(ms('2026-03-07T12:00:00Z'), 2))).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    expect(iso(t(daily('01:30'), 'America/New_York').upcoming(ms('2026-10-31T12:00:00Z'), 2))).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) not run
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('Australia/Sydney: 02:30 runs once (AEDT) on 5 April and at 03:00 AEDT on 4 October', () => {
    expect(iso(t(daily('02:30'), 'Australia/Sydney').upcoming(ms('2026-04-04T00:00:00Z'), 2))).toEqual([
      '2026-04-04T15:30:00.000Z', // 02:30 AEDT (UTC+11); 02:30 AEST (16:30Z) not run
      '2026-04-05T16:30:00.000Z', // 02:30 AEST (UTC+10) the next day
    ]);
    expect(iso(t(daily('02:30'), 'Australia/Sydney').upcoming(ms('2026-10-03T00:00:00Z'), 2))).toEqual([
      '2026-10-03T16:00:00.000Z', // 03:00 AEDT
      '2026-10-04T15:30:00.000Z',
    ]);
  });

  it('a once in the spring-forward gap runs at the first valid moment, a once in the repeated hour runs once', () => {
    const gap = t({ kind: 'once', date: '2026-03-29', time: '02:30' }, 'Europe/Berlin');
    expect(iso(gap.upcoming(ms('2026-01-01T00:00:00Z'), 5))).toEqual(['2026-03-29T01:00:00.000Z']);
    const twice = t({ kind: 'once', date: '2026-11-01', time: '01:30' }, 'America/New_York');
    expect(iso(twice.upcoming(ms('2026-01-01T00:00:00Z'), 5))).toEqual(['2026-11-01T05:30:00.000Z']);
  });

  it('a list of hours is fixed times; a step through the hours keeps to elapsed time in the repeated hour', () => {
    const list = t({ kind: 'cron', expression: '30 2,14 * * *' }, 'Europe/Berlin');
    expect(iso(list.upcoming(ms('2026-10-24T23:00:00Z'), 2))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T13:30:00.000Z',
    ]);
    const every = t({ kind: 'cron', expression: '*/30 * * * *' }, 'Europe/Berlin');
    expect(iso(every.upcoming(ms('2026-10-25T00:00:00Z'), 4))).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
  });
});

describe('kinds of when', () => {
  it('weekdays at 19:00 in Berlin, from a Thursday evening: Friday, then Monday to Thursday', () => {
    expect(
      iso(t({ kind: 'weekdays', time: '19:00' }, 'Europe/Berlin').upcoming(ms('2026-12-03T21:00:00Z'), 5)),
    ).toEqual([
      '2026-12-04T18:00:00.000Z',
      '2026-12-07T18:00:00.000Z',
      '2026-12-08T18:00:00.000Z',
      '2026-12-09T18:00:00.000Z',
      '2026-12-10T18:00:00.000Z',
    ]);
  });

  it('weekly on Monday and Wednesday at 07:30 in New York (EST)', () => {
    const w = t({ kind: 'weekly', days: [3, 1], time: '07:30' }, 'America/New_York');
    expect(iso(w.upcoming(ms('2026-12-03T00:00:00Z'), 3))).toEqual([
      '2026-12-07T12:30:00.000Z',
      '2026-12-09T12:30:00.000Z',
      '2026-12-14T12:30:00.000Z',
    ]);
  });

  it('once: its one moment, then nothing', () => {
    const once = t({ kind: 'once', date: '2026-12-24', time: '18:00' }, 'Europe/Berlin');
    expect(iso(once.upcoming(ms('2026-12-03T00:00:00Z'), 5))).toEqual(['2026-12-24T17:00:00.000Z']);
    expect(once.next(ms('2026-12-24T17:00:00Z'))).toBeNull();
  });

  it('cron: day-of-week names and the nicknames croner knows', () => {
    const c = t({ kind: 'cron', expression: '0 2 * * SAT' }, 'UTC');
    expect(iso(c.upcoming(ms('2026-12-03T00:00:00Z'), 2))).toEqual([
      '2026-12-05T02:00:00.000Z',
      '2026-12-12T02:00:00.000Z',
    ]);
    expect(
      iso(t({ kind: 'cron', expression: '@daily' }, 'UTC').upcoming(ms('2026-12-03T10:00:00Z'), 1)),
    ).toEqual(['2026-12-04T00:00:00.000Z']);
  });
});

describe('exclusions', () => {
  it('marks runs on an exclusion date (in the zone, not in UTC)', () => {
    const x = t(daily('07:00'), 'Australia/Sydney', ['2026-12-25']);
    // 07:00 AEDT on 25 December is 20:00 UTC on the 24th.
    expect(x.upcoming(ms('2026-12-23T12:00:00Z'), 3)).toEqual([
      { at: ms('2026-12-23T20:00:00Z'), excluded: false },
      { at: ms('2026-12-24T20:00:00Z'), excluded: true },
      { at: ms('2026-12-25T20:00:00Z'), excluded: false },
    ]);
  });
});

describe('missed runs', () => {
  it('between: the runs in (after, until], the newest ones when there are more than asked for', () => {
    const d = t(daily('08:00'), 'UTC');
    expect(d.between(ms('2026-12-01T08:00:00Z'), ms('2026-12-04T08:00:00Z'), 10)).toEqual([
      ms('2026-12-02T08:00:00Z'),
      ms('2026-12-03T08:00:00Z'),
      ms('2026-12-04T08:00:00Z'),
    ]);
    expect(d.between(ms('2026-12-01T08:00:00Z'), ms('2026-12-04T07:59:59Z'), 1)).toEqual([
      ms('2026-12-03T08:00:00Z'),
    ]);
  });
});

describe('what people type', () => {
  const reason = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(TimingError);
      return `${(err as TimingError).field}: ${(err as Error).message}`;
    }
    throw new Error('no error');
  };

  it('names the field and the problem', () => {
    expect(reason(() => t(daily('08:00'), 'Mars/Base'))).toBe(
      "timeZone: Unknown time zone 'Mars/Base': use an IANA name such as Europe/Berlin",
    );
    expect(reason(() => t({ kind: 'cron', expression: '61 * * * *' }, 'UTC'))).toBe(
      'when: Cron expression: Invalid value for minute: 61',
    );
    expect(reason(() => t({ kind: 'cron', expression: '0 2 * * * *' }, 'UTC'))).toMatch(
      /^when: Cron expression: five fields/,
    );
    expect(reason(() => t({ kind: 'once', date: '2027-02-29', time: '08:00' }, 'UTC'))).toBe(
      'when: 2027-02-29 is not a date',
    );
    expect(reason(() => t(daily('08:00'), 'UTC', ['2026-02-30']))).toBe(
      'exclusions: Exclusion 2026-02-30 is not a date',
    );
  });

  it('time zones by their canonical name', () => {
    expect(checkTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(checkTimeZone('utc')).toBe('UTC');
  });
});
