// What the sign-in page says above its form before anyone has tried: "Your session ended. Sign in again."
// after the BFF answered 401 to a signed-in person (idled out, revoked, disabled). One small store outside
// React, set where the session is dropped and read by the sign-in page. No React state of its own.
import { useSyncExternalStore } from 'react';

export const SESSION_ENDED = 'Your session ended. Sign in again.';
/** A wall display whose link was revoked (or whose session is gone): a person must open a new display link. */
export const DISPLAY_ENDED =
  'This display was signed out: its link was revoked or is no longer valid. Open a new display link, or sign in.';

/** What to say when a session ends, by who it was. */
export function endedNotice(had: { authKind: string }): string {
  return had.authKind === 'display' ? DISPLAY_ENDED : SESSION_ENDED;
}

let notice: string | null = null;
const listeners = new Set<() => void>();

export function setSignInNotice(text: string | null): void {
  if (text === notice) return;
  notice = text;
  for (const l of listeners) l();
}

export function getSignInNotice(): string | null {
  return notice;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSignInNotice(): string | null {
  return useSyncExternalStore(subscribe, getSignInNotice, getSignInNotice);
}
