import type { AppInfo, FleetSnapshot } from '@powerdeck/contracts/fleet';
import { queryOptions } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';

/** One query-options factory per resource: key and fetcher together. */
export const fleetQueries = {
  snapshot: () =>
    queryOptions({
      queryKey: ['fleet', 'snapshot'],
      queryFn: ({ signal }) => getJson<FleetSnapshot>('/api/fleet', { signal }),
      // The BFF polls VergeOS; the browser reads its snapshot (a 304 when nothing changed).
      refetchInterval: (q) => Math.max(1000, q.state.data?.pollIntervalMs ?? 5000),
      refetchIntervalInBackground: true,
    }),
  meta: () =>
    queryOptions({
      queryKey: ['meta'],
      queryFn: ({ signal }) => getJson<AppInfo>('/api/meta', { signal }),
      staleTime: Infinity,
    }),
};
