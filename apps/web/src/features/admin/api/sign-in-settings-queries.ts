// The sign-in policy (`/api/settings/sign-in`, users:manage): whether everyone may use a password, or only the
// named local admins (break glass) once single sign-on is on. Saving replaces it whole (PUT); the BFF refuses with
// 422 and its reason in words (SSO off, nobody named, a name that is not an enabled local admin).
import type { SignInSettings } from '@powerdeck/contracts/sso';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { getJson, putJson } from '../../../lib/api-client';

const PATH = '/api/settings/sign-in';

export const signInSettingsQueries = {
  current: () =>
    queryOptions({
      queryKey: ['settings', 'sign-in'] as const,
      queryFn: ({ signal }) => getJson<SignInSettings>(PATH, { signal }),
      staleTime: 10_000,
    }),
};

export function useSaveSignInSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SignInSettings) => putJson<SignInSettings>(PATH, body),
    onSuccess: (saved) => client.setQueryData(signInSettingsQueries.current().queryKey, saved),
    onSettled: () => client.invalidateQueries({ queryKey: signInSettingsQueries.current().queryKey }),
  });
}
