// Signing in with a password, with a display link, and signing out (at the identity provider too, for single
// sign-on). Each is sent once (mutations are never retried) and carries the CSRF header (the api-client adds it).
// Refusals stay typed errors for the forms.
import type { DisplaySignInBody, SessionInfo, SignInBody } from '@powerdeck/contracts/auth';
import type { SignOutAnswer } from '@powerdeck/contracts/sso';
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

/**
 * DELETE /api/session, then the cache is cleared and the next person starts at the fleet. A single sign-on
 * session whose identity provider offers logout is answered 200 `{ logoutUrl }` (it has already ended here):
 * the browser then goes there, to end the session at the provider too, which sends it back to Powerdeck.
 */
export function useSignOut() {
  const client = useQueryClient();
  const [, navigate] = useLocation();
  return useMutation({
    mutationKey: ['session', 'sign-out'],
    mutationFn: async (): Promise<string | null> => {
      try {
        const answer = await deleteJson<Partial<SignOutAnswer> | undefined>(SESSION_PATH);
        return typeof answer?.logoutUrl === 'string' && answer.logoutUrl ? answer.logoutUrl : null;
      } catch (e) {
        // Already signed out (the session had ended): that is what was asked for.
        if (!(isApiError(e) && e.status === 401)) throw e;
        return null;
      }
    },
    onSuccess: (logoutUrl) => {
      navigate('/');
      signedOut(client);
      if (logoutUrl !== null) window.location.assign(logoutUrl);
    },
  });
}
