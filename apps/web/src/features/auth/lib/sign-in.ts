// The sign-in flow's decisions, pure (tested in test/auth-sign-in.test.ts): what the form says about a failed
// attempt, where a person lands after signing in, which errors mean the session is gone, the secret of a display
// link, and what the page of a refused single sign-on shows.
import { isApiError, NetworkError } from '../../../lib/api-client';

/** The 403 code of a password sign-in by someone who must use single sign-on (passwordSignIn 'break-glass'). */
export const PASSWORD_SIGN_IN_OFF = 'password_sign_in_off';

/** The page that says why a single sign-on was refused (public: shown while nobody is signed in). */
export const SSO_REFUSED_PATH = '/sign-in/refused';

/** The codes of a refused sign-in: a 401 with one of these is a wrong password or link, not a session that ended. */
const SIGN_IN_CODES: ReadonlySet<string> = new Set(['bad_credentials', 'bad_display_link']);

/**
 * Whether an error means nobody is signed in any more (the session idled out, was revoked, the user was disabled):
 * a 401 from any route but a sign-in.
 */
export function endsSession(error: unknown): boolean {
  return isApiError(error) && error.status === 401 && !SIGN_IN_CODES.has(error.code ?? '');
}

/** "4 minutes", "30 seconds": how long to wait, rounded up. */
export function waitText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s <= 1) return 'a second';
  if (s < 60) return `${s} seconds`;
  const m = Math.ceil(s / 60);
  if (m < 120) return m === 1 ? 'a minute' : `${m} minutes`;
  return `${Math.ceil(m / 60)} hours`;
}

const sentence = (s: string) => (/[.!?…]$/.test(s) ? s : `${s}.`);

/**
 * What the form says when signing in failed: the server's one generic message for a wrong user name or password
 * (never which of the two), how long to wait when locked out, or why nothing could be checked.
 */
export function signInErrorText(error: unknown): string {
  if (error instanceof NetworkError) {
    return 'Cannot reach Powerdeck. Check the connection and try again.';
  }
  if (!isApiError(error)) {
    return `Could not sign in: ${error instanceof Error ? error.message : String(error)}.`;
  }
  const said = error.message.trim();
  if (error.status === 429 || error.code === 'locked') {
    const head = sentence(said && !/^\d{3}\b/.test(said) ? said : 'Too many failed sign-ins');
    return error.retryAfterS === undefined
      ? `${head} Try again later.`
      : `${head} Try again in ${waitText(error.retryAfterS)}.`;
  }
  // Password sign-in is turned off for this person (single sign-on only): the server names the provider.
  if (error.code === PASSWORD_SIGN_IN_OFF) {
    return said && !/^\d{3}\b/.test(said) ? said : 'Password sign-in is turned off here';
  }
  // The server's words as they are (one message whatever was wrong).
  if (error.status === 401) return said && !/^\d{3}\b/.test(said) ? said : 'Wrong user name or password';
  if (error.status === 400) return 'Enter a user name and a password.';
  return `Could not sign in: ${sentence(said)} Try again in a moment.`;
}

/**
 * Where a person lands once signed in: the page they asked for, unless it is the display landing, the page of a
 * refused single sign-on, or not ours.
 */
export function returnPathAfterSignIn(location: {
  pathname: string;
  search?: string;
  hash?: string;
}): string {
  const { pathname, search = '', hash = '' } = location;
  // Only a path on this origin ("//host" and "/\host" would leave it).
  if (!pathname.startsWith('/') || pathname.startsWith('//') || pathname.includes('\\')) return '/';
  if (pathname === '/display' || pathname.startsWith('/display/')) return '/';
  if (pathname === SSO_REFUSED_PATH) return '/';
  return `${pathname}${search}${hash}`;
}

/** The secret of a display link from the address's fragment (`/display#<secret>`); null when there is none. */
export function readDisplaySecret(hash: string): string | null {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!raw) return null;
  let secret = raw;
  try {
    secret = decodeURIComponent(raw);
  } catch {
    // not percent-encoded: take it as it is
  }
  secret = secret.trim();
  return secret && secret.length <= 200 ? secret : null;
}

/**
 * Whether the page of a refused single sign-on lists the groups the identity provider sent: when no role rule
 * matched them, or when the provider left them out (Entra ID's groups overage), the admin needs to see them.
 */
export function refusalShowsGroups(reason: string): boolean {
  return reason === 'no-rule' || reason === 'groups-overage';
}
