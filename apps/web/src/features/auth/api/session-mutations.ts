// Signing in with a password, with a display link, and signing out. Each is sent once (mutations are never
// retried) and carries the CSRF header (the api-client adds it). Refusals stay typed errors for the forms.
import type { DisplaySignInBody, SessionInfo, SignInBody } from '@powerdeck/contracts/auth';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'wouter';
import { deleteJson, isApiError, postJson } from '../../../lib/api-client';
import { DISPLAY_SESSION_PATH, SESSION_PATH, signedIn, signedOut } from './session-queries';

/** Marks the mutations whose 401 is a refused sign-in, not an ended session (see providers.tsx). */
const SIGN_IN_META = { signIn: true } as const;

/**
 * POST /api/session: 200 SessionInfo, 401 wrong user name or password, 429 locked out (Retry-After).
 * `beforeShow` runs once signed in, before the app replaces the form (e.g. to fix the address).
 */
export function useSignIn(beforeShow?: (session: SessionInfo) => void) {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['session', 'sign-in'],
    meta: SIGN_IN_META,
    mutationFn: (body: SignInBody) => postJson<SessionInfo>(SESSION_PATH, body),
    onSuccess: (session) => {
      beforeShow?.(session);
      signedIn(client, session);
    },
  });
}

/** POST /api/display-session with a display link's secret: 200 SessionInfo, 401 unknown or revoked link. */
export function useDisplaySignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['session', 'display-sign-in'],
    meta: SIGN_IN_META,
    mutationFn: (body: DisplaySignInBody) => postJson<SessionInfo>(DISPLAY_SESSION_PATH, body),
    onSuccess: (session) => signedIn(client, session),
  });
}

/** DELETE /api/session, then the cache is cleared and the next person starts at the fleet. */
export function useSignOut() {
  const client = useQueryClient();
  const [, navigate] = useLocation();
  return useMutation({
    mutationKey: ['session', 'sign-out'],
    mutationFn: async () => {
      try {
        await deleteJson(SESSION_PATH);
      } catch (e) {
        // Already signed out (the session had ended): that is what was asked for.
        if (!(isApiError(e) && e.status === 401)) throw e;
      }
    },
    onSuccess: () => {
      navigate('/');
      signedOut(client);
    },
  });
}
