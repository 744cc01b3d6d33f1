// Single sign-on (issue 18), as the pages before sign-in see it: how people may sign in here (`GET
// /api/sign-in-options`: the identity provider's name when SSO is on, and whether everyone may still use a
// password), and why a sign-in through the identity provider was refused (`GET /api/sso/refusals/:id`, kept 15
// minutes, readable only from the browser that tried). Both are public. The sign-in itself is a page navigation
// (`ssoStartUrl`), not a fetch: the identity provider's own pages come in between.
import type { SignInOptions, SsoRefusal } from '@powerdeck/contracts/sso';
import { queryOptions } from '@tanstack/react-query';
import { getJson, isApiError } from '../../../lib/api-client';

export const SIGN_IN_OPTIONS_PATH = '/api/sign-in-options';
export const SSO_START_PATH = '/api/sso/start';

/** Where the "Sign in with <provider>" link goes: the BFF sends the browser on to the identity provider. */
export function ssoStartUrl(returnTo: string): string {
  return `${SSO_START_PATH}?${new URLSearchParams({ returnTo }).toString()}`;
}

/** No answer or a 5xx may pass on a second try; a 4xx never does. */
const retryPublic = (failureCount: number, error: Error) =>
  !(isApiError(error) && error.status < 500) && failureCount < 1;

export const ssoQueries = {
  options: () =>
    queryOptions({
      queryKey: ['sign-in-options'] as const,
      queryFn: ({ signal }) => getJson<SignInOptions>(SIGN_IN_OPTIONS_PATH, { signal }),
      retry: retryPublic,
      staleTime: 60_000,
    }),
  /** A refused SSO sign-in; a 404 (expired, unknown, another browser's) is an error the page words itself. */
  refusal: (id: string) =>
    queryOptions({
      queryKey: ['sso-refusal', id] as const,
      queryFn: ({ signal }) => getJson<SsoRefusal>(`/api/sso/refusals/${encodeURIComponent(id)}`, { signal }),
      retry: retryPublic,
      staleTime: Infinity,
    }),
};
