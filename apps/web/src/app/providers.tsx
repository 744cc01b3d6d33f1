// The query client of the page. Two app-wide rules live here: power actions (and every other mutation) are never
// retried, and a 401 from any request but a sign-in means the session has ended (idled out, revoked, the user
// disabled): the cached session is dropped, so the sign-in page shows and says so.
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { endSession, isSessionKey } from '../features/auth/api/session-queries';
import { endsSession } from '../features/auth/lib/sign-in';
import { isApiError } from '../lib/api-client';

/** A refused request (401, 403) does not pass on a second try; anything else gets one more. */
export function retryQuery(failureCount: number, error: unknown): boolean {
  if (isApiError(error) && (error.status === 401 || error.status === 403)) return false;
  return failureCount < 1;
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (!isSessionKey(query.queryKey) && endsSession(error)) endSession(client);
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _result, mutation) => {
        if (mutation.meta?.signIn !== true && endsSession(error)) endSession(client);
      },
    }),
    defaultOptions: {
      queries: { retry: retryQuery, refetchOnWindowFocus: true },
      // Power actions are never retried and never replayed after going offline.
      mutations: { retry: false, networkMode: 'always' },
    },
  });
  return client;
}

export function AppProviders({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
