// Who is signed in: one query-options factory, key and fetcher together. `null` means nobody (the BFF answered
// 401), which is an answer, not an error: it is never retried. The helpers below keep the query cache in step
// with signing in and out (they are called by the mutations and by the app's providers).
import type { SessionInfo } from '@powerdeck/contracts/auth';
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { getJson, isApiError } from '../../../lib/api-client';
import { endedNotice, setSignInNotice } from '../lib/session-notice';

export const SESSION_PATH = '/api/session';
export const DISPLAY_SESSION_PATH = '/api/display-session';
export const SESSION_KEY = ['session'] as const;

/** GET /api/session: the session, or null when nobody is signed in (401). Other errors are thrown. */
export async function fetchSession(signal?: AbortSignal): Promise<SessionInfo | null> {
  try {
    return await getJson<SessionInfo>(SESSION_PATH, { cache: 'no-store', ...(signal ? { signal } : {}) });
  } catch (e) {
    if (isApiError(e) && e.status === 401) return null;
    throw e;
  }
}

/** Retries only what may pass (no answer, a 5xx), twice; never a 4xx such as 401. */
export function retrySession(failureCount: number, error: Error): boolean {
  if (isApiError(error) && error.status < 500) return false;
  return failureCount < 2;
}

export const sessionQueries = {
  current: () =>
    queryOptions({
      queryKey: SESSION_KEY,
      queryFn: async ({ signal, client, queryKey }): Promise<SessionInfo | null> => {
        const had = client.getQueryData<SessionInfo | null>(queryKey);
        const session = await fetchSession(signal);
        // Someone was signed in and is no longer: say so on the sign-in page.
        if (session === null && had) setSignInNotice(endedNotice(had));
        return session;
      },
      retry: retrySession,
      // Any other request notices an ended session at once (a 401, see providers.tsx); this is the backstop.
      staleTime: 60_000,
    }),
};

/** True for the session query's own key. */
export const isSessionKey = (key: readonly unknown[]): boolean => key[0] === SESSION_KEY[0];

/**
 * The BFF said nobody is signed in any more (a 401 from any other request): drop the session, so the sign-in
 * page shows, saying the session ended. The rest of the cache stays until someone signs in.
 */
export function endSession(client: QueryClient): void {
  const had = client.getQueryData<SessionInfo | null>(SESSION_KEY);
  if (had === null) return;
  if (had) setSignInNotice(endedNotice(had));
  void client.cancelQueries({ predicate: (q) => !isSessionKey(q.queryKey) });
  client.setQueryData<SessionInfo | null>(SESSION_KEY, null);
}

/**
 * Someone signed in: forget whatever a previous person had loaded (it may be theirs to see only), then show the
 * app. The public `meta` stays.
 */
export function signedIn(client: QueryClient, session: SessionInfo): void {
  setSignInNotice(null);
  client.removeQueries({ predicate: (q) => !isSessionKey(q.queryKey) && q.queryKey[0] !== 'meta' });
  client.setQueryData<SessionInfo | null>(SESSION_KEY, session);
}

/**
 * Signed out: the sign-in page first (so nothing on screen still reads the cache), then clear the cache of
 * everything the person loaded and did. The session query stays, holding null.
 */
export function signedOut(client: QueryClient): void {
  setSignInNotice(null);
  client.setQueryData<SessionInfo | null>(SESSION_KEY, null);
  client.removeQueries({ predicate: (q) => !isSessionKey(q.queryKey) });
  client.getMutationCache().clear();
}
