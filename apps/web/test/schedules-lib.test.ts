// The schedules' pure functions, against hand-written expectations: times in a zone (and across a date line and
// midnight), relative times, a schedule's "when" in words, a VM's next action in the viewer's zone, the form's
// draft checked and turned into the server's bodies, and which VMs a filter or a search names.
import type { NextAction, Schedule, ScheduleBody } from '@powerdeck/contracts/schedules';
import { describe, expect, it } from 'vitest';
import {
  draftFromSchedule,
  draftProblems,
  EMPTY_DRAFT,
  previewBody,
  scheduleBody,
  type ScheduleDraft,
} from '../src/features/schedules/lib/draft';
import { filterMatches, searchVms, someNames } from '../src/lib/vm-targets';
import {
  actionInWords,
  indexNextActions,
  nextActionText,
  nextDate,
  scheduleState,
  targetsInWords,
  whenInWords,
} from '../src/features/schedules/lib/words';
import { relativeTo, timeZones, zonedDateTime, zonedParts } from '../src/features/schedules/lib/zones';
import { vm } from './fleet-fixtures';

const at = (iso: string) => Date.parse(iso);

describe('times in a zone', () => {
  it('the same moment in Berlin, New York and Sydney', () => {
    const t = at('2026-12-07T18:00:00Z');
    expect(zonedDateTime(t, 'Europe/Berlin')).toBe('Mon 2026-12-07 19:00');
    expect(zonedDateTime(t, 'America/New_York')).toBe('Mon 2026-12-07 13:00');
    // Sydney is at UTC+11 in December: already Tuesday.
    expect(zonedDateTime(t, 'Australia/Sydney')).toBe('Tue 2026-12-08 05:00');
  });
  it('midnight is 00:00, not 24:00', () => {
    expect(zonedParts(at('2026-12-07T23:00:00Z'), 'Europe/Berlin')).toEqual({
      date: '2026-12-08',
      time: '00:00',
      weekday: 'Tue',
    });
  });
  it('summer time: Berlin is two hours ahead of UTC in July', () => {
    expect(zonedDateTime(at('2026-07-01T05:30:00Z'), 'Europe/Berlin')).toBe('Wed 2026-07-01 07:30');
  });
  it("the zones to choose from: UTC always, a schedule's own zone kept, sorted, each once", () => {
    const zones = timeZones(['Europe/Berlin', 'Etc/GMT+5']);
    expect(zones).toContain('UTC');
    expect(zones).toContain('Etc/GMT+5');
    expect(zones.filter((z) => z === 'Europe/Berlin')).toEqual(['Europe/Berlin']);
    expect(zones).toEqual([...zones].sort());
  });
  it('relative to now', () => {
    const now = at('2026-12-07T10:00:00Z');
    expect(relativeTo(now + 3 * 3600_000, now)).toBe('in 3 h');
    expect(relativeTo(now + 12 * 60_000, now)).toBe('in 12 min');
    expect(relativeTo(now + 40_000, now)).toBe('in 40 s');
    expect(relativeTo(now + 300, now)).toBe('now');
    expect(relativeTo(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(relativeTo(now + 47 * 3600_000, now)).toBe('in 47 h');
    expect(relativeTo(now + 3 * 86400_000, now)).toBe('in 3 d');
  });
});

describe('a schedule in words', () => {
  it('when it runs', () => {
    expect(whenInWords({ kind: 'weekdays', time: '19:00' }, 'Europe/Berlin')).toBe(
      'Weekdays at 19:00 (Europe/Berlin)',
    );
    expect(whenInWords({ kind: 'daily', time: '06:15' })).toBe('Daily at 06:15');
    // Monday first, whatever order the days came in; Sunday last.
    expect(whenInWords({ kind: 'weekly', days: [3, 1], time: '07:30' })).toBe('Every Mon, Wed at 07:30');
    expect(whenInWords({ kind: 'weekly', days: [0, 5], time: '18:00' })).toBe('Every Fri, Sun at 18:00');
    expect(whenInWords({ kind: 'weekly', days: [0, 1, 2, 3, 4, 5, 6], time: '01:00' })).toBe(
      'Every day at 01:00',
    );
    expect(whenInWords({ kind: 'once', date: '2026-12-24', time: '18:00' })).toBe(
      'Once on 2026-12-24 at 18:00',
    );
    expect(whenInWords({ kind: 'cron', expression: ' 0 2 * * 6 ' })).toBe('cron 0 2 * * 6');
  });
  it('its targets, action and state', () => {
    expect(targetsInWords({ kind: 'vms', vms: [1, 2, 3] })).toBe('3 chosen VMs');
    expect(targetsInWords({ kind: 'vms', vms: [7] })).toBe('1 chosen VM');
    expect(targetsInWords({ kind: 'filter', filter: 'lab status:running' })).toBe(
      'VMs matching “lab status:running”',
    );
    expect(targetsInWords({ kind: 'plan', plan: 'p1' }, (id) => (id === 'p1' ? 'Site A' : undefined))).toBe(
      'Plan “Site A”',
    );
    expect(targetsInWords({ kind: 'plan', plan: 'gone' }, () => undefined)).toBe('A power plan');
    expect(actionInWords({ action: 'shutdown', forceAfterS: 120 })).toBe('Shut down, force off after 120 s');
    expect(actionInWords({ action: 'shutdown', forceAfterS: null })).toBe('Shut down');
    expect(actionInWords({ action: 'forceOff', forceAfterS: null })).toBe('Force off');
    const paused = { by: 'bob', reason: 'freeze', at: '2026-12-01T00:00:00Z' };
    expect(scheduleState({ enabled: true, paused: null }).label).toBe('Enabled');
    expect(scheduleState({ enabled: false, paused: null }).label).toBe('Disabled');
    expect(scheduleState({ enabled: true, paused }).label).toBe('Paused');
  });
});

describe("a VM's next action", () => {
  const action = (a: Partial<NextAction>): NextAction => ({
    vm: 1,
    scheduleId: 's1',
    scheduleName: 'Office hours',
    action: 'shutdown',
    at: '2026-12-07T18:00:00Z',
    ...a,
  });
  const now = at('2026-12-07T10:00:00Z');

  it('today: the time alone, in the viewer zone', () => {
    expect(nextActionText(action({}), now, 'Europe/Berlin')).toBe('Shut down at 19:00 · Office hours');
    expect(nextActionText(action({}), now, 'America/New_York')).toBe('Shut down at 13:00 · Office hours');
  });
  it('tomorrow, and later with the date', () => {
    expect(
      nextActionText(action({ action: 'start', at: '2026-12-08T06:30:00Z' }), now, 'Europe/Berlin'),
    ).toBe('Start tomorrow at 07:30 · Office hours');
    expect(
      nextActionText(
        action({ action: 'reboot', scheduleName: 'Patch night', at: '2026-12-12T01:00:00Z' }),
        now,
        'Europe/Berlin',
      ),
    ).toBe('Reboot Sat 2026-12-12 at 02:00 · Patch night');
  });
  it('"today" is the viewer zone\'s day: 23:30 UTC is already tomorrow in Sydney', () => {
    expect(nextActionText(action({ at: '2026-12-07T23:30:00Z' }), now, 'Australia/Sydney')).toBe(
      'Shut down tomorrow at 10:30 · Office hours',
    );
  });
  it('the day after, across months and leap days', () => {
    expect(nextDate('2026-12-31')).toBe('2027-01-01');
    expect(nextDate('2028-02-28')).toBe('2028-02-29');
    expect(nextDate('2027-02-28')).toBe('2027-03-01');
  });
  it('the earliest action of each VM', () => {
    const early = action({ scheduleId: 'a', at: '2026-12-07T18:00:00Z' });
    const late = action({ scheduleId: 'b', at: '2026-12-08T18:00:00Z' });
    const other = action({ vm: 2 });
    const byVm = indexNextActions([late, other, early]);
    expect(byVm.get(1)).toBe(early);
    expect(byVm.get(2)).toBe(other);
    expect(byVm.get(3)).toBeUndefined();
  });
});

describe('the form draft', () => {
  const ready: ScheduleDraft = { ...EMPTY_DRAFT, name: ' Office hours ', vms: [3, 1] };

  it('an empty draft wants a name and targets, and has nothing to preview', () => {
    expect(draftProblems(EMPTY_DRAFT)).toEqual({
      name: 'Give the schedule a name',
      targets: 'Choose at least one VM',
    });
    expect(previewBody(EMPTY_DRAFT)).toBeNull();
  });
  it('previews a complete draft, in the server zone when it names none', () => {
    expect(previewBody(ready)).toEqual({
      action: 'shutdown',
      targets: { kind: 'vms', vms: [3, 1] },
      when: { kind: 'weekdays', time: '19:00' },
    });
    expect(previewBody({ ...ready, timeZone: 'Europe/Berlin', exclusions: ['2026-12-24'] })).toMatchObject({
      timeZone: 'Europe/Berlin',
      exclusions: ['2026-12-24'],
    });
  });
  it('each kind of "when" is checked', () => {
    expect(draftProblems({ ...ready, time: '' }).when).toBe('Give a time (HH:MM, 24 h)');
    expect(draftProblems({ ...ready, time: '24:00' }).when).toBe('Give a time (HH:MM, 24 h)');
    expect(draftProblems({ ...ready, whenKind: 'weekly', days: [] }).when).toBe('Choose at least one day');
    expect(draftProblems({ ...ready, whenKind: 'once', date: '' }).when).toBe('Give a date');
    expect(draftProblems({ ...ready, whenKind: 'cron', expression: '  ' }).when).toBe(
      'Type a cron expression, e.g. 0 2 * * 6',
    );
    // The browser does not read cron: the server says what is wrong with one (the preview shows it).
    expect(draftProblems({ ...ready, whenKind: 'cron', expression: '61 * * * *' })).toEqual({});
  });
  it('grace minutes, force-off seconds and a filter are checked', () => {
    expect(draftProblems({ ...ready, grace: '1441' }).grace).toBe('Between 0 and 1440 minutes');
    expect(draftProblems({ ...ready, grace: '-1' }).grace).toBe('Between 0 and 1440 minutes');
    expect(draftProblems({ ...ready, grace: '0' })).toEqual({});
    expect(draftProblems({ ...ready, forceAfter: true, forceAfterSeconds: '5' }).forceAfter).toMatch(
      /^Between \d+ and \d+ s$/,
    );
    // A reboot has no escalation: the unticked-or-not seconds do not matter.
    expect(draftProblems({ ...ready, action: 'reboot', forceAfter: true, forceAfterSeconds: 'x' })).toEqual(
      {},
    );
    expect(draftProblems({ ...ready, targetKind: 'filter', filter: ' ' }).targets).toBe(
      'Type a filter, e.g. lab status:running',
    );
  });
  it('the body to save', () => {
    expect(
      scheduleBody({
        ...ready,
        forceAfter: true,
        forceAfterSeconds: '300',
        whenKind: 'weekly',
        days: [5, 1],
        time: '07:30',
        timeZone: 'Europe/Berlin',
        grace: '30',
        exclusions: ['2026-12-31', '2026-12-24'],
      }),
    ).toEqual({
      name: 'Office hours',
      enabled: true,
      action: 'shutdown',
      forceAfterS: 300,
      targets: { kind: 'vms', vms: [3, 1] },
      when: { kind: 'weekly', days: [1, 5], time: '07:30' },
      timeZone: 'Europe/Berlin',
      graceMinutes: 30,
      exclusions: ['2026-12-24', '2026-12-31'],
    });
    // Not a shut down: no escalation; a filter trimmed; no grace typed: the server's default.
    expect(
      scheduleBody({ ...ready, action: 'start', forceAfter: true, targetKind: 'filter', filter: ' lab ' }),
    ).toEqual({
      name: 'Office hours',
      enabled: true,
      action: 'start',
      forceAfterS: null,
      targets: { kind: 'filter', filter: 'lab' },
      when: { kind: 'weekdays', time: '19:00' },
      exclusions: [],
    });
  });
  it('a power plan: chosen, started or shut down only, never with the schedule’s own escalation', () => {
    const plan: ScheduleDraft = { ...ready, targetKind: 'plan', plan: '' };
    expect(draftProblems(plan).targets).toBe('Choose a plan');
    expect(draftProblems({ ...plan, plan: 'p1', action: 'reboot' }).targets).toBe(
      'A schedule of a plan starts it or shuts it down',
    );
    // Its tiers say whether to force off: the schedule's own seconds are neither checked nor sent.
    const shut = { ...plan, plan: 'p1', forceAfter: true, forceAfterSeconds: 'x' };
    expect(draftProblems(shut)).toEqual({});
    expect(scheduleBody(shut)).toMatchObject({ forceAfterS: null, targets: { kind: 'plan', plan: 'p1' } });
    expect(previewBody(shut)?.targets).toEqual({ kind: 'plan', plan: 'p1' });
    const saved = {
      ...scheduleBody(shut),
      timeZone: 'Europe/Berlin',
      graceMinutes: 15,
      id: 's2',
    } as Partial<Schedule> as Schedule;
    expect(draftFromSchedule(saved)).toMatchObject({ targetKind: 'plan', plan: 'p1' });
  });
  it('a saved schedule comes back into the form as it was', () => {
    const body: ScheduleBody = {
      name: 'Patch night',
      enabled: false,
      action: 'reboot',
      forceAfterS: null,
      targets: { kind: 'filter', filter: 'status:running node:node2' },
      when: { kind: 'cron', expression: '0 2 * * 6' },
      timeZone: 'America/New_York',
      graceMinutes: 5,
      exclusions: ['2026-12-26'],
    };
    const saved = { ...body, id: 's1', owner: 'alice' } as Partial<Schedule> as Schedule;
    expect(scheduleBody(draftFromSchedule(saved))).toEqual(body);
  });
});

describe('which VMs the targets name', () => {
  const fleet = [
    vm(1, { name: 'lab-web-01' }),
    vm(2, { name: 'lab-db-01', status: 'stopped' }),
    vm(3, { name: 'prod-web-01' }),
    vm(4, { name: 'lab-web-02', nodeName: 'node2' }),
  ];
  it('a filter, by the fleet filter language', () => {
    const names = (text: string) => filterMatches(fleet, text).map((v) => v.name);
    expect(names('lab')).toEqual(['lab-web-01', 'lab-db-01', 'lab-web-02']);
    expect(names('lab status:running')).toEqual(['lab-web-01', 'lab-web-02']);
    expect(names('web node:node2')).toEqual(['lab-web-02']);
    // A filter that restricts nothing names no VM (a schedule never means "everything"), as on the server.
    expect(names('  ')).toEqual([]);
    expect(names('status:sleepy')).toEqual([]);
  });
  it('the picker: a search, at most a page of it, and how many in all', () => {
    const r = searchVms(fleet, 'WEB', 2);
    expect(r.shown.map((v) => v.key)).toEqual([1, 3]);
    expect(r.total).toBe(3);
    expect(searchVms(fleet, '', 10).total).toBe(4);
  });
  it('the first few names', () => {
    expect(someNames(['a', 'b'])).toBe('a, b');
    expect(someNames(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  });
});
