// Display links (`/api/display-links`, displays:manage): the list, a new link (its secret shown once) and revoking
// one (its screens stop at their next request). Every change refreshes the list.
import type { DisplayLinkRow, NewDisplayLinkAnswer, NewDisplayLinkBody } from '@powerdeck/contracts/auth';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteJson, getJson, postJson } from '../../../lib/api-client';

export const displayLinksQueries = {
  list: () =>
    queryOptions({
      queryKey: ['display-links'] as const,
      queryFn: ({ signal }) => getJson<DisplayLinkRow[]>('/api/display-links', { signal }),
      staleTime: 10_000,
    }),
};

export function useCreateDisplayLink() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewDisplayLinkBody) => postJson<NewDisplayLinkAnswer>('/api/display-links', body),
    onSettled: () => client.invalidateQueries({ queryKey: displayLinksQueries.list().queryKey }),
  });
}

export function useRevokeDisplayLink() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => deleteJson(`/api/display-links/${id}`),
    onSettled: () => client.invalidateQueries({ queryKey: displayLinksQueries.list().queryKey }),
  });
}
