// One operation, as the report panel shows it: from the list the feed keeps current, or (once the list no longer
// holds it) fetched by id, re-read every 2 s while it runs.
import type { OperationList } from '@powerdeck/contracts/operations';
import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { operationsQueries } from './operations-queries';
import { POLL_MS } from './use-operations-feed';

export function useOperation(id: string) {
  const select = useCallback((d: OperationList) => d.operations.find((o) => o.id === id) ?? null, [id]);
  const fromList = useQuery({ ...operationsQueries.list(), enabled: false, select });
  const inList = fromList.data !== undefined && fromList.data !== null;
  const detail = useQuery({
    ...operationsQueries.detail(id),
    enabled: !inList,
    refetchInterval: (q) => (q.state.data?.status === 'running' ? POLL_MS : false),
  });
  return {
    op: fromList.data ?? detail.data ?? null,
    error: inList ? null : detail.error,
    retry: () => void detail.refetch(),
  };
}
