// One VM in full, for its detail page: its configuration (`GET /api/v4/vms/:key?fields=most`) and its machine
// status (`GET /api/v4/machine_status/:machine`), through the BFF's VergeOS-compatible routes.
import { queryOptions } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';

/** A VergeOS row: read field by field, defensively (see vm-detail's formatters). */
export type VergeRow = Readonly<Record<string, unknown>>;

export const vmQueries = {
  config: (key: number) =>
    queryOptions({
      queryKey: ['vms', key, 'most'] as const,
      queryFn: ({ signal }) => getJson<VergeRow>(`/api/v4/vms/${key}?fields=most`, { signal }),
      staleTime: 30_000,
    }),
  machineStatus: (machine: number) =>
    queryOptions({
      queryKey: ['machine_status', machine] as const,
      queryFn: ({ signal }) => getJson<VergeRow>(`/api/v4/machine_status/${machine}`, { signal }),
      // Live figures (agent, guest info): refreshed while the page is open.
      refetchInterval: 10_000,
      staleTime: 5_000,
    }),
};
