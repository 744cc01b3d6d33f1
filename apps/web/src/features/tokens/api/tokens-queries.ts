// Personal access tokens (`/api/tokens`): one's own, or everyone's (`?all=true`, admins); a new token (shown once)
// and revoking one. Every change refreshes the lists.
import type { NewTokenAnswer, NewTokenBody, TokenRow } from '@powerdeck/contracts/auth';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteJson, getJson, postJson } from '../../../lib/api-client';

export const tokensQueries = {
  /** Both lists (one's own and everyone's). */
  all: () => ['tokens'] as const,
  list: (all = false) =>
    queryOptions({
      queryKey: ['tokens', all ? 'all' : 'own'] as const,
      queryFn: ({ signal }) => getJson<TokenRow[]>(all ? '/api/tokens?all=true' : '/api/tokens', { signal }),
      staleTime: 10_000,
    }),
};

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewTokenBody) => postJson<NewTokenAnswer>('/api/tokens', body),
    onSettled: () => client.invalidateQueries({ queryKey: tokensQueries.all() }),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => deleteJson(`/api/tokens/${id}`),
    onSettled: () => client.invalidateQueries({ queryKey: tokensQueries.all() }),
  });
}
