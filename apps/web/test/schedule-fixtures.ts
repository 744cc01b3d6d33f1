// Schedule fixtures for the schedules' component tests: a saved schedule, a preview answer, and a fetch stand-in
// that answers the schedules' routes and records what the page sent.
import type { Preview, Schedule } from '@powerdeck/contracts/schedules';
import { afterAll, beforeAll, vi, type Mock } from 'vitest';
import { json } from './dom';

export function schedule(patch: Partial<Schedule> = {}): Schedule {
  return {
    id: 's1',
    name: 'Office hours',
    enabled: true,
    action: 'shutdown',
    forceAfterS: null,
    targets: { kind: 'vms', vms: [1, 2] },
    when: { kind: 'weekdays', time: '19:00' },
    timeZone: 'Europe/Berlin',
    graceMinutes: 15,
    exclusions: [],
    owner: 'alice',
    createdAt: '2026-12-01T09:00:00Z',
    updatedAt: '2026-12-01T09:00:00Z',
    paused: null,
    skips: [],
    upcoming: [{ at: '2030-01-07T18:00:00Z', skipped: false, excluded: false }],
    next: '2030-01-07T18:00:00Z',
    lastRun: null,
    capacity: { vms: 2, applies: 2, cores: 4, ramMb: 8192, fits: null, summary: 'Frees 4 cores and 8 GB' },
    ...patch,
  };
}

export function preview(patch: Partial<Preview> = {}): Preview {
  return {
    timeZone: 'Europe/Berlin',
    upcoming: [
      { at: '2030-01-07T18:00:00Z', skipped: false, excluded: false },
      { at: '2030-01-08T18:00:00Z', skipped: false, excluded: true },
      { at: '2030-01-09T18:00:00Z', skipped: false, excluded: false },
    ],
    vms: [1, 2],
    capacity: { vms: 2, applies: 2, cores: 4, ramMb: 8192, fits: null, summary: 'Frees 4 cores and 8 GB' },
    ...patch,
  };
}

export interface Sent {
  method: string | undefined;
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

/** A fetch that answers with `route(sent)` (a Response) and keeps what was sent. */
export function fakeFetch(route: (req: Sent) => Response | undefined) {
  const sent: Sent[] = [];
  const fetchMock: Mock<typeof fetch> = vi.fn<typeof fetch>((url, init) => {
    const req: Sent = {
      method: init?.method,
      url: typeof url === 'string' ? url : url instanceof URL ? url.href : url.url,
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      headers: Object.fromEntries(new Headers(init?.headers)),
    };
    sent.push(req);
    return Promise.resolve(route(req) ?? json({ error: 'Not found' }, 404));
  });
  vi.stubGlobal('fetch', fetchMock);
  return { sent, fetchMock };
}

/** Puts the viewer in `zone` for the tests of the file (Node reads TZ afresh; each test file runs in its own process). */
export function viewerIn(zone: string): void {
  const before = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = zone;
  });
  afterAll(() => {
    process.env.TZ = before;
  });
}
