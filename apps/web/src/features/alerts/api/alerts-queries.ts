// Alert targets (`/api/alerts/targets`, alerts:manage): the list, one target, its deliveries, and the changes an
// admin makes (create, save, delete, send a test). One query-options factory, key and fetcher together; everything
// under the key `alerts`, so each change refreshes it all (the list's health, the target, its deliveries). Types
// only from the contracts (their values would bring TypeBox into the bundle). Mutations are sent once (never
// retried) with the CSRF header (the api-client adds it); errors stay typed (ApiError: 400 with the field in words,
// 404, 409 a name already used).
import type {
  AlertDelivery,
  AlertDeliveryList,
  AlertTarget,
  AlertTargetBody,
  AlertTargetCreated,
  AlertTargetList,
} from '@powerdeck/contracts/alerts';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteJson, getJson, isApiError, postJson, putJson } from '../../../lib/api-client';

export const TARGETS_PATH = '/api/alerts/targets';
export const targetPath = (id: string): string => `${TARGETS_PATH}/${encodeURIComponent(id)}`;

/**
 * How often deliveries are read again while some wait (queued or retrying): a test or an alert is usually sent
 * within seconds, and the page should show it without a reload. Nothing waiting: no polling.
 */
export const PENDING_REFRESH_MS = 2000;

const waiting = (d: AlertDelivery) => d.status === 'queued' || d.status === 'retrying';

export const alertQueries = {
  /** Everything under this key is alerts. */
  all: () => ['alerts'] as const,
  list: () =>
    queryOptions({
      queryKey: ['alerts', 'targets'] as const,
      queryFn: ({ signal }) => getJson<AlertTargetList>(TARGETS_PATH, { signal }),
      refetchInterval: (q) =>
        q.state.data?.targets.some((t) => t.pending > 0) ? PENDING_REFRESH_MS * 2 : false,
    }),
  detail: (id: string) =>
    queryOptions({
      queryKey: ['alerts', 'target', id] as const,
      queryFn: ({ signal }) => getJson<AlertTarget>(targetPath(id), { signal }),
      // A refusal (404: deleted meanwhile; 403) is the answer to show, not something to ask again.
      retry: (count, error) => !(isApiError(error) && error.status < 500) && count < 1,
      refetchInterval: (q) => ((q.state.data?.pending ?? 0) > 0 ? PENDING_REFRESH_MS : false),
    }),
  /** Newest first, up to 50. */
  deliveries: (id: string) =>
    queryOptions({
      queryKey: ['alerts', 'deliveries', id] as const,
      queryFn: ({ signal }) => getJson<AlertDeliveryList>(`${targetPath(id)}/deliveries`, { signal }),
      refetchInterval: (q) => (q.state.data?.deliveries.some(waiting) ? PENDING_REFRESH_MS : false),
    }),
};

export const alertRequests = {
  create: (body: AlertTargetBody) => postJson<AlertTargetCreated>(TARGETS_PATH, body),
  update: ({ id, body }: { id: string; body: AlertTargetBody }) => putJson<AlertTarget>(targetPath(id), body),
  remove: (id: string) => deleteJson(targetPath(id)),
  /** Answers 202 with the test delivery, queued now. */
  test: (id: string) => postJson<AlertDelivery>(`${targetPath(id)}/test`, undefined),
};

function useAlertChange<V, R>(kind: keyof typeof alertRequests, request: (v: V) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['alerts', kind],
    mutationFn: request,
    onSettled: () => client.invalidateQueries({ queryKey: alertQueries.all() }),
  });
}

export const useCreateTarget = () => useAlertChange('create', alertRequests.create);
export const useUpdateTarget = () => useAlertChange('update', alertRequests.update);

/**
 * Deleting refreshes the list only: the deleted target's own queries would answer 404 on the page being left (the
 * page goes back to the list once the answer is in).
 */
export function useDeleteTarget() {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['alerts', 'remove'],
    mutationFn: alertRequests.remove,
    onSettled: () => client.invalidateQueries({ queryKey: alertQueries.list().queryKey }),
  });
}
export const useSendTest = () => useAlertChange('test', alertRequests.test);
