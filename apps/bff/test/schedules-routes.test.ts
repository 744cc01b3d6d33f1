// The schedules routes as the contract words them: a schedule is created, read, listed, edited and deleted (its
// history stays); what people type is refused with 400 naming the field (a zone, a cron expression, a date that
// does not exist, a filter that names nothing, forceAfterS on a start); unknown ids are 404; skipping a moment that
// is not an upcoming run is 409; skip, pause and resume need a reason; every change is audited as kind `schedule`;
// the preview computes without storing; next-actions gives each VM its next scheduled action.
import type { Preview, Schedule } from '@powerdeck/contracts/schedules';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keysIn, SCALE } from './operations-support';
import { body, createSchedule, MONDAY_0600_BERLIN, scheduleApp, TestTime } from './schedules-support';
import { signIn, startSim, type TestApp } from './support';

const MIN = 60_000;
let sim: Simulator;
let app: TestApp;
let time: TestTime;
beforeAll(async () => {
  sim = await startSim({ timeScale: SCALE });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await app.close();
});

async function fresh(): Promise<void> {
  time = new TestTime();
  app = await scheduleApp(sim, time);
}

function call(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  headers = app.adminHeaders,
) {
  return app.inject({
    method,
    url,
    headers,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

describe('schedules over HTTP', () => {
  it('creates, reads, lists, edits and deletes a schedule; every change is audited; its history stays', async () => {
    await fresh();
    const key = keysIn(app, 'running', 1)[0]!;
    const s = await createSchedule(app, body({ targets: { kind: 'vms', vms: [key] }, forceAfterS: 120 }));
    expect(s).toMatchObject({
      name: 'Lab off',
      owner: 'admin',
      timeZone: 'Europe/Berlin',
      graceMinutes: 15,
      exclusions: [],
      forceAfterS: 120,
      paused: null,
      skips: [],
      lastRun: null,
      next: '2030-01-07T06:00:00.000Z',
    });
    expect(s.upcoming.map((u) => u.at)).toEqual([
      '2030-01-07T06:00:00.000Z',
      '2030-01-08T06:00:00.000Z',
      '2030-01-09T06:00:00.000Z',
      '2030-01-10T06:00:00.000Z',
      '2030-01-11T06:00:00.000Z',
    ]);
    expect(s.capacity).toMatchObject({ vms: 1, applies: 1 });
    expect((await call('GET', `/api/schedules/${s.id}`)).json<Schedule>().id).toBe(s.id);
    expect(
      (await call('GET', '/api/schedules')).json<{ schedules: Schedule[] }>().schedules.map((x) => x.id),
    ).toEqual([s.id]);

    const edited = await call(
      'PUT',
      `/api/schedules/${s.id}`,
      body({ name: 'Lab off late', targets: { kind: 'vms', vms: [key] } }),
    );
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json<Schedule>()).toMatchObject({ name: 'Lab off late', forceAfterS: null });

    await app.testStores.schedules.recordRun({
      scheduleId: s.id,
      scheduleName: 'Lab off late',
      scheduledFor: '2030-01-06T06:00:00.000Z',
      outcome: 'missed',
      detail: 'x',
      operationId: null,
    });
    expect((await call('DELETE', `/api/schedules/${s.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/schedules/${s.id}`)).statusCode).toBe(404);
    const runs = await call('GET', `/api/schedules/runs?schedule=${s.id}`);
    // The page asks with a limit in its query string (text, never coerced): 1 to 500.
    expect((await call('GET', `/api/schedules/runs?schedule=${s.id}&limit=50`)).statusCode).toBe(200);
    expect((await call('GET', '/api/schedules/runs?limit=500')).statusCode).toBe(200);
    for (const bad of ['0', '501', '5x', '-1']) {
      expect((await call('GET', `/api/schedules/runs?limit=${bad}`)).statusCode).toBe(400);
    }
    expect(runs.json<{ runs: { scheduleName: string }[] }>().runs.map((r) => r.scheduleName)).toEqual([
      'Lab off late',
    ]);

    const rows = (await app.testStores.audit.query({ kind: 'schedule', order: 'asc' })).rows;
    expect(rows.map((r) => [r.action, r.actor, r.target, r.scheduleId, r.scheduleName, r.outcome])).toEqual([
      ['schedule:create', 'admin', `schedule:${s.id}`, s.id, 'Lab off', 'accepted'],
      ['schedule:edit', 'admin', `schedule:${s.id}`, s.id, 'Lab off late', 'accepted'],
      ['schedule:delete', 'admin', `schedule:${s.id}`, s.id, 'Lab off late', 'accepted'],
    ]);
  });

  it('refuses what people type wrong with 400 naming the field', async () => {
    await fresh();
    const cases: [Record<string, unknown>, string][] = [
      [{ timeZone: 'Mars/Base' }, "Unknown time zone 'Mars/Base'"],
      [{ when: { kind: 'cron', expression: '61 * * * *' } }, 'Cron expression:'],
      [{ when: { kind: 'cron', expression: '0 7 * *' } }, 'Cron expression: five fields'],
      [{ when: { kind: 'once', date: '2030-02-30', time: '07:00' } }, '2030-02-30 is not a date'],
      [
        { when: { kind: 'once', date: '2026-01-05', time: '07:00' }, timeZone: 'Europe/Berlin' },
        '2026-01-05 07:00 (Europe/Berlin) has passed',
      ],
      [{ exclusions: ['2030-02-30'] }, 'Exclusion 2030-02-30 is not a date'],
      [
        { targets: { kind: 'filter', filter: 'status:nonsense' } },
        "Targets filter 'status:nonsense' restricts nothing",
      ],
      [{ action: 'start', forceAfterS: 120 }, "forceAfterS is only valid with action 'shutdown'"],
      [{ when: { kind: 'daily', time: '25:00' } }, 'Invalid request: body.when.time'],
      [{ name: '' }, 'Invalid request: body.name'],
    ];
    for (const [over, words] of cases) {
      const res = await call('POST', '/api/schedules', body(over));
      expect(`${res.statusCode} ${res.json<{ err: string }>().err}`).toContain(`400 ${words}`);
    }
    expect(await app.testStores.schedules.count()).toBe(0);
  });

  it('unknown ids are 404; skipping a moment that is not an upcoming run is 409; reasons are required', async () => {
    await fresh();
    expect((await call('GET', '/api/schedules/nope')).statusCode).toBe(404);
    expect((await call('PUT', '/api/schedules/nope', body())).statusCode).toBe(404);
    expect((await call('DELETE', '/api/schedules/nope')).statusCode).toBe(404);
    expect((await call('POST', '/api/schedules/nope/pause', { reason: 'x' })).statusCode).toBe(404);

    const s = await createSchedule(app, body());
    const notUpcoming = await call('POST', `/api/schedules/${s.id}/skip`, {
      at: '2030-01-07T06:01:00.000Z',
      reason: 'typo',
    });
    expect(notUpcoming.statusCode).toBe(409);
    expect(notUpcoming.json<{ err: string }>().err).toBe(
      "2030-01-07T06:01:00.000Z is not one of the schedule's next 5 runs",
    );
    // The sixth run is not shown, so not skippable.
    expect(
      (await call('POST', `/api/schedules/${s.id}/skip`, { at: '2030-01-14T06:00:00.000Z', reason: 'x' }))
        .statusCode,
    ).toBe(409);
    for (const payload of [{ at: s.upcoming[0]!.at }, { at: s.upcoming[0]!.at, reason: '' }]) {
      expect((await call('POST', `/api/schedules/${s.id}/skip`, payload)).statusCode).toBe(400);
    }
    expect(
      (await call('POST', `/api/schedules/${s.id}/skip`, { at: s.upcoming[0]!.at, reason: '   ' }))
        .statusCode,
    ).toBe(400);
    expect((await call('POST', `/api/schedules/${s.id}/pause`, {})).statusCode).toBe(400);
    expect((await call('POST', `/api/schedules/${s.id}/resume`, { reason: '' })).statusCode).toBe(400);
    expect((await call('POST', `/api/schedules/${s.id}/resume`, { reason: 'x' })).statusCode).toBe(409);
  });

  it('a help-desk user skips the next run with a reason and takes it back; both audited', async () => {
    await fresh();
    const s = await createSchedule(app, body());
    const helpdesk = await signIn(app, 'helpdesk');
    const skipped = await call(
      'POST',
      `/api/schedules/${s.id}/skip`,
      { at: s.upcoming[0]!.at, reason: 'patch night moved' },
      helpdesk,
    );
    expect(skipped.statusCode, skipped.body).toBe(200);
    const after = skipped.json<Schedule>();
    expect(after.upcoming[0]).toEqual({ at: s.upcoming[0]!.at, skipped: true, excluded: false });
    expect(after.skips).toMatchObject([
      { at: s.upcoming[0]!.at, by: 'helpdesk', reason: 'patch night moved' },
    ]);
    expect(after.next).toBe(s.upcoming[1]!.at);
    expect(
      (
        await call(
          'POST',
          `/api/schedules/${s.id}/skip`,
          { at: s.upcoming[0]!.at, reason: 'again' },
          helpdesk,
        )
      ).statusCode,
    ).toBe(409);
    const unskipped = await call(
      'POST',
      `/api/schedules/${s.id}/unskip`,
      { at: s.upcoming[0]!.at },
      helpdesk,
    );
    expect(unskipped.json<Schedule>().next).toBe(s.upcoming[0]!.at);
    const rows = (await app.testStores.audit.query({ kind: 'schedule', actor: 'helpdesk', order: 'asc' }))
      .rows;
    expect(rows.map((r) => [r.action, r.reason, r.params])).toEqual([
      ['schedule:skip', 'patch night moved', JSON.stringify({ at: s.upcoming[0]!.at })],
      ['schedule:unskip', null, JSON.stringify({ at: s.upcoming[0]!.at })],
    ]);
  });

  it('previews a draft without storing it, and gives each VM its next scheduled action', async () => {
    await fresh();
    const [a, b] = keysIn(app, 'running', 2) as [number, number];
    const res = await call('POST', '/api/schedules/preview', {
      action: 'shutdown',
      targets: { kind: 'vms', vms: [a, b, 999_999] },
      when: { kind: 'daily', time: '07:00' },
      timeZone: 'America/New_York',
    });
    expect(res.statusCode, res.body).toBe(200);
    const preview = res.json<Preview>();
    expect(preview.timeZone).toBe('America/New_York');
    expect(preview.vms).toEqual([a, b]);
    expect(preview.upcoming[0]).toEqual({ at: '2030-01-07T12:00:00.000Z', skipped: false, excluded: false });
    expect(await app.testStores.schedules.count()).toBe(0);

    await createSchedule(
      app,
      body({ name: 'Early', targets: { kind: 'vms', vms: [a] }, when: { kind: 'daily', time: '06:30' } }),
    );
    await createSchedule(app, body({ name: 'Later', targets: { kind: 'vms', vms: [a, b] } }));
    // Earlier still, but a start: it would skip these running VMs, so it is not their next action.
    await createSchedule(
      app,
      body({
        name: 'Start early',
        action: 'start',
        targets: { kind: 'vms', vms: [a, b] },
        when: { kind: 'daily', time: '06:10' },
      }),
    );
    const next = await call('GET', '/api/schedules/next-actions');
    expect(next.json<{ actions: unknown[] }>().actions).toEqual(
      [
        { vm: a, scheduleName: 'Early', at: new Date(MONDAY_0600_BERLIN + 30 * MIN).toISOString() },
        { vm: b, scheduleName: 'Later', at: new Date(MONDAY_0600_BERLIN + 60 * MIN).toISOString() },
      ]
        .sort((x, y) => x.vm - y.vm)
        .map((x) => expect.objectContaining({ ...x, action: 'shutdown' }) as unknown),
    );
  });
});
