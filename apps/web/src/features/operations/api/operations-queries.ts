// Operations: the list of running and recent ones (`GET /api/operations`) and one by id. One query-options factory,
// key and fetcher together. Types only from the contracts (their values would bring TypeBox into the bundle).
// The list is kept current by the event stream (use-operations-feed.ts), so it never goes stale by itself.
import type { Operation, OperationList } from '@powerdeck/contracts/operations';
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';
import { isNewer, mergeLists, mergeOperation } from '../lib/merge';

export const OPERATIONS_PATH = '/api/operations';
export const OPERATION_EVENTS_PATH = '/api/operations/events';
export const OPERATIONS_LIST_KEY = ['operations', 'list'] as const;

export const operationPath = (id: string): string => `${OPERATIONS_PATH}/${encodeURIComponent(id)}`;

export const operationsQueries = {
  /** Everything under this key is operations. */
  all: () => ['operations'] as const,
  /**
   * Running operations first, then the most recent finished ones. A fetch is merged with what the cache holds
   * (events may have brought newer news of an operation while it was on its way).
   */
  list: () =>
    queryOptions({
      queryKey: OPERATIONS_LIST_KEY,
      queryFn: async ({ signal, client }) =>
        mergeLists(
          client.getQueryData<OperationList>(OPERATIONS_LIST_KEY),
          await getJson<OperationList>(OPERATIONS_PATH, { signal }),
        ),
      staleTime: Infinity,
    }),
  /** One operation (when it is no longer in the list). */
  detail: (id: string) =>
    queryOptions({
      queryKey: ['operations', 'detail', id] as const,
      queryFn: ({ signal }) => getJson<Operation>(operationPath(id), { signal }),
      staleTime: 2000,
    }),
};

/** News of one operation (an event, or the answer to a create, cancel or force) into the cache. */
export function writeOperation(client: QueryClient, op: Operation): void {
  client.setQueryData<OperationList>(OPERATIONS_LIST_KEY, (old) => mergeOperation(old, op));
  const detailKey = operationsQueries.detail(op.id).queryKey;
  if (client.getQueryData(detailKey) !== undefined) {
    client.setQueryData<Operation>(detailKey, (prev) => (prev && !isNewer(op, prev) ? prev : op));
  }
}
