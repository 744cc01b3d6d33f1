// The audit log (`GET /api/audit`, newest first, paged by cursor) and a VM's recent actions
// (`GET /api/vms/:key/activity`). Types only from the contracts: their values would bring TypeBox into the bundle.
import type { AuditPage, VmActivity } from '@powerdeck/contracts/audit';
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';
import { auditApiQuery, serialiseAuditFilters, type AuditFilters } from '../lib/audit-filters';

export const auditQueries = {
  /** Everything under this key is the audit log (refresh it after anything that writes to it). */
  all: () => ['audit'] as const,
  /** The log under some filters, one page of older records at a time ("Load older" follows `next`). */
  page: (filters: AuditFilters) =>
    infiniteQueryOptions({
      queryKey: ['audit', 'page', serialiseAuditFilters(filters)] as const,
      queryFn: ({ pageParam, signal }) =>
        getJson<AuditPage>(`/api/audit?${auditApiQuery(filters, pageParam)}`, { signal }),
      initialPageParam: null as number | null,
      getNextPageParam: (last) => last.next,
      staleTime: 10_000,
    }),
  /** A VM's recent actions, refreshed every 10 s while its page is open. */
  vmActivity: (vmKey: number) =>
    queryOptions({
      queryKey: ['audit', 'vm-activity', vmKey] as const,
      queryFn: ({ signal }) => getJson<VmActivity>(`/api/vms/${vmKey}/activity`, { signal }),
      refetchInterval: 10_000,
      staleTime: 5_000,
    }),
};
