import type { AppInfo } from '@powerdeck/contracts/fleet';
import { queryOptions } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';
import { fetchSnapshot, type FleetData } from './fetch-snapshot';

/** The browser never asks more often than this, whatever the BFF says. */
const MIN_INTERVAL_MS = 1000;

/** One query-options factory per resource: key and fetcher together. */
export const fleetQueries = {
  /**
   * The whole fleet in one request per poll, whatever the number of VMs: the BFF polls VergeOS and the browser
   * reads its snapshot, conditionally (a 304 when nothing changed), at the pace the BFF polls at. Mount it once
   * (the app shell does): every observer with a `refetchInterval` runs its own timer.
   */
  snapshot: () =>
    queryOptions({
      queryKey: ['fleet', 'snapshot'] as const,
      queryFn: ({ signal, client, queryKey }) =>
        fetchSnapshot(signal, client.getQueryData<FleetData>(queryKey)),
      refetchInterval: (q) => Math.max(MIN_INTERVAL_MS, q.state.data?.pollIntervalMs ?? 5000),
      // Wall displays run in the background for weeks: keep reading.
      refetchIntervalInBackground: true,
      // A background refresh that fails keeps the last data (marked stale); no retry storm in between polls.
      retry: 1,
      retryDelay: 1000,
    }),
  meta: () =>
    queryOptions({
      queryKey: ['meta'] as const,
      queryFn: ({ signal }) => getJson<AppInfo>('/api/meta', { signal }),
      staleTime: Infinity,
    }),
};
