// Test support for schedules: a clock the test moves and the scheduler's one timer, which the test fires once the
// clock has reached it (no sleeping), the app built with both, and the schedules routes as an admin uses them.
import type { Schedule, ScheduleRun } from '@powerdeck/contracts/schedules';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { expect } from 'vitest';
import type { SchedulerTimers } from '../src/schedules/scheduler';
import type { SqliteStores } from '../src/stores/sqlite/open';
import { opsApp } from './operations-support';
import type { AuthHeaders, TestApp } from './support';

/** A Monday, 06:00 in Berlin (05:00 UTC, winter time). */
export const MONDAY_0600_BERLIN = Date.parse('2030-01-07T05:00:00.000Z');

/** The clock and the one timer the scheduler uses; `advance` moves the clock and fires the timer if it is due. */
export class TestTime {
  now: number;
  armed: { fire: () => void; at: number } | null = null;
  /** How many times the timer was set. */
  sets = 0;
  constructor(start = MONDAY_0600_BERLIN) {
    this.now = start;
  }
  readonly clock = () => this.now;
  readonly timers: SchedulerTimers = {
    set: (fire, ms) => {
      const armed = { fire, at: this.now + ms };
      this.armed = armed;
      this.sets += 1;
      return armed;
    },
    clear: (handle) => {
      if (this.armed === handle) this.armed = null;
    },
  };
  /** Moves the clock to `to`; fires the timer when it is due by then; resolves once the scheduler settled. */
  async advance(app: TestApp, to: number): Promise<void> {
    this.now = to;
    if (this.armed && this.armed.at <= to) {
      const { fire } = this.armed;
      this.armed = null;
      fire();
    }
    await app.scheduler.poke();
  }
}

export async function scheduleApp(sim: Simulator, time: TestTime, stores?: SqliteStores): Promise<TestApp> {
  return opsApp(sim, {
    schedules: { now: time.clock, timers: time.timers },
    ...(stores ? { stores } : {}),
  });
}

export function body(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Lab off',
    enabled: true,
    action: 'shutdown',
    targets: { kind: 'vms', vms: [1] },
    when: { kind: 'weekdays', time: '07:00' },
    timeZone: 'Europe/Berlin',
    ...over,
  };
}

export async function createSchedule(
  app: TestApp,
  payload: Record<string, unknown>,
  headers: AuthHeaders = app.adminHeaders,
): Promise<Schedule> {
  const res = await app.inject({ method: 'POST', url: '/api/schedules', headers, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Schedule>();
}

export async function runsOf(app: TestApp, id: string): Promise<ScheduleRun[]> {
  const res = await app.inject({
    method: 'GET',
    url: `/api/schedules/runs?schedule=${id}`,
    headers: app.adminHeaders,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ runs: ScheduleRun[] }>().runs;
}
