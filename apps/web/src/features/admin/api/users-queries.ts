// Users (`/api/users`, users:manage): the list, and the changes an admin makes. Every change refreshes the list.
import type { NewUserBody, UserPatchAnswer, UserPatchBody, UserRow } from '@powerdeck/contracts/auth';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { getJson, patchJson, postJson } from '../../../lib/api-client';

export const usersQueries = {
  list: () =>
    queryOptions({
      queryKey: ['users'] as const,
      queryFn: ({ signal }) => getJson<UserRow[]>('/api/users', { signal }),
      staleTime: 10_000,
    }),
};

export function useAddUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewUserBody) => postJson<UserRow>('/api/users', body),
    onSettled: () => client.invalidateQueries({ queryKey: usersQueries.list().queryKey }),
  });
}

/**
 * A role change, disabling or a new password ends the user's sessions (the BFF does it); disabling and, unless
 * `revokeTokens: false`, a new password revoke their personal tokens (the answer says how many).
 */
export function usePatchUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ username, patch }: { username: string; patch: UserPatchBody }) =>
      patchJson<UserPatchAnswer>(`/api/users/${encodeURIComponent(username)}`, patch),
    onSettled: () => client.invalidateQueries({ queryKey: usersQueries.list().queryKey }),
  });
}
