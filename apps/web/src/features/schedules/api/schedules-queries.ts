// Schedules: the list, the history of runs, each VM's next action and the form's preview. One query-options
// factory, key and fetcher together; everything under the key `schedules`, so a change invalidates it all at once.
// Types only from the contracts (their values would bring TypeBox into the bundle).
import type {
  NextActions,
  Preview,
  PreviewBody,
  RunList,
  ScheduleList,
} from '@powerdeck/contracts/schedules';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { getJson, postJson } from '../../../lib/api-client';

export const SCHEDULES_PATH = '/api/schedules';
export const schedulePath = (id: string): string => `${SCHEDULES_PATH}/${encodeURIComponent(id)}`;

/** How often every page asks for the VMs' next actions (and after every change to a schedule). */
export const NEXT_ACTIONS_INTERVAL_MS = 60_000;
/** The runs the page shows. */
export const RUNS_SHOWN = 50;

export const scheduleQueries = {
  /** Everything under this key is schedules. */
  all: () => ['schedules'] as const,
  list: () =>
    queryOptions({
      queryKey: ['schedules', 'list'] as const,
      queryFn: ({ signal }) => getJson<ScheduleList>(SCHEDULES_PATH, { signal }),
      // Next runs move as time passes.
      refetchInterval: NEXT_ACTIONS_INTERVAL_MS,
    }),
  /** The history of runs, newest first: all schedules', or one's. */
  runs: (scheduleId?: string) =>
    queryOptions({
      queryKey: ['schedules', 'runs', scheduleId ?? null] as const,
      queryFn: ({ signal }) => {
        const q = new URLSearchParams({ limit: String(RUNS_SHOWN) });
        if (scheduleId) q.set('schedule', scheduleId);
        return getJson<RunList>(`${SCHEDULES_PATH}/runs?${q}`, { signal });
      },
      refetchInterval: NEXT_ACTIONS_INTERVAL_MS,
    }),
  /** For each VM some schedule acts on, its next action: one query for the whole fleet. */
  nextActions: () =>
    queryOptions({
      queryKey: ['schedules', 'next-actions'] as const,
      queryFn: ({ signal }) => getJson<NextActions>(`${SCHEDULES_PATH}/next-actions`, { signal }),
      refetchInterval: NEXT_ACTIONS_INTERVAL_MS,
      staleTime: NEXT_ACTIONS_INTERVAL_MS / 2,
    }),
  /**
   * The form's preview of a draft (nothing is stored), keyed by the draft. A refused draft (400: a bad cron
   * expression, an unknown zone) is the answer to show, not something to ask again.
   */
  preview: (body: PreviewBody | null) =>
    queryOptions({
      queryKey: ['schedules', 'preview', body] as const,
      queryFn: ({ signal }) => postJson<Preview>(`${SCHEDULES_PATH}/preview`, body, { signal }),
      enabled: body !== null,
      placeholderData: keepPreviousData,
      retry: false,
      staleTime: 30_000,
    }),
};
