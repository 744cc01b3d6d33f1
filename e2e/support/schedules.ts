// Schedules through the BFF's API, for setting up a spec's state and cleaning it up: a schedule left behind would
// run in later specs and act on their VMs.
import { expect, type APIRequestContext } from '@playwright/test';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { Schedule, ScheduleBody, ScheduleList } from '@powerdeck/contracts/schedules';

export async function createSchedule(api: APIRequestContext, body: ScheduleBody): Promise<Schedule> {
  const res = await api.post('/api/schedules', { headers: { [CSRF_HEADER]: '1' }, data: body });
  expect(res.status(), `POST /api/schedules: ${await res.text()}`).toBe(201);
  return (await res.json()) as Schedule;
}

export async function schedules(api: APIRequestContext): Promise<Schedule[]> {
  const res = await api.get('/api/schedules');
  expect(res.status(), 'GET /api/schedules').toBe(200);
  return ((await res.json()) as ScheduleList).schedules;
}

/** Deletes every schedule whose name starts with `prefix`. */
export async function deleteSchedules(api: APIRequestContext, prefix: string): Promise<void> {
  for (const s of await schedules(api)) {
    if (!s.name.startsWith(prefix)) continue;
    const res = await api.delete(`/api/schedules/${encodeURIComponent(s.id)}`, {
      headers: { [CSRF_HEADER]: '1' },
    });
    expect([204, 404], `DELETE /api/schedules/${s.id}`).toContain(res.status());
  }
}

/** "HH:MM" in UTC, `hours` from now: a time that will not come round while the spec runs. */
export function utcTimeIn(hours: number, now = Date.now()): string {
  const d = new Date(now + hours * 3600_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}
