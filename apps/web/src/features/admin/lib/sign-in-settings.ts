// The sign-in policy in words (`/admin/sign-in`): who may still use a password once single sign-on is on, and the
// local admins an admin may name for break glass. Pure, tested in test/admin-sign-in.test.tsx.
import type { UserRow } from '@powerdeck/contracts/auth';
import type { PasswordSignInMode, SignInSettings } from '@powerdeck/contracts/sso';

export const PASSWORD_SIGN_IN_WORDS: Readonly<Record<PasswordSignInMode, string>> = {
  everyone: 'Everyone may use a password',
  'break-glass': 'Only these local admins (break glass)',
};

/** Who may be named for break glass: enabled admins who sign in with a password here (not through SSO). */
export function breakGlassCandidates(users: readonly UserRow[]): string[] {
  return users
    .filter((u) => u.role === 'admin' && !u.disabled && u.source === 'local')
    .map((u) => u.username);
}

/**
 * The names to offer as checkboxes: the candidates, then any name already on the list that is no longer one
 * (disabled, demoted, gone since), so the admin sees it and can untick it.
 */
export function offeredAdmins(
  candidates: readonly string[],
  listed: readonly string[],
): { username: string; candidate: boolean }[] {
  const known = new Set(candidates);
  return [
    ...candidates.map((username) => ({ username, candidate: true })),
    ...listed.filter((n) => !known.has(n)).map((username) => ({ username, candidate: false })),
  ];
}

/** What is wrong with the form before it is sent, or null (the BFF checks again and says why it refuses). */
export function settingsProblem(settings: SignInSettings, ssoOn: boolean): string | null {
  if (settings.passwordSignIn === 'everyone') return null;
  if (!ssoOn) return 'Single sign-on is not configured, so password sign-in cannot be limited.';
  if (settings.breakGlassAdmins.length === 0)
    return 'Choose at least one local admin who may use a password.';
  return null;
}

const list = (names: readonly string[]) =>
  names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;

/** What the page says once saved. */
export function savedNotice(settings: SignInSettings, providerName: string | null): string {
  if (settings.passwordSignIn === 'everyone') return 'Saved: everyone may use a password.';
  const others = providerName
    ? `everyone else signs in with ${providerName}`
    : 'everyone else uses single sign-on';
  return `Saved: only ${list(settings.breakGlassAdmins)} may use a password; ${others}.`;
}
