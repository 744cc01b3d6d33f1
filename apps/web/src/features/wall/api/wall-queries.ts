// The wall's own resource: recent stops and who made them (`GET /api/fleet/stops`), read at the fleet's pace,
// in the background too (a wall runs in a tab nobody looks at for weeks). The fleet snapshot itself comes from
// the app shell (the one fleet query of the page).
import type { FleetStops } from '@powerdeck/contracts/fleet';
import { queryOptions } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';

/** A hung request must not freeze the marks: it counts as failed after this long. */
const TIMEOUT_MS = 10_000;
const MIN_INTERVAL_MS = 1000;

export const wallQueries = {
  /** `intervalMs`: the fleet snapshot's poll interval. */
  stops: (intervalMs: number) =>
    queryOptions({
      queryKey: ['fleet', 'stops'] as const,
      queryFn: ({ signal }) =>
        getJson<FleetStops>('/api/fleet/stops', {
          signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
        }),
      refetchInterval: Math.max(MIN_INTERVAL_MS, intervalMs),
      refetchIntervalInBackground: true,
      retry: 1,
      retryDelay: 1000,
    }),
};
