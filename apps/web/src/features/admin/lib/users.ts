// Users in words, and what a new user name may be (the BFF's rule). Pure, tested in test/admin-users.test.ts.
// People who sign in with single sign-on (`source: 'sso'`) have no password here, and their role comes from the
// identity provider's groups at each sign-in: the page offers neither a password nor a role for them.

const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;

/** What is wrong with a new user name, in words, or null when it will do. */
export function usernameProblem(name: string): string | null {
  if (name === '') return 'Enter a user name.';
  if (name.length > 64) return 'Use at most 64 characters.';
  if (!USERNAME.test(name)) return 'Use letters, digits, dots, dashes and underscores only.';
  return null;
}

export function userStatusLabel(disabled: boolean): 'Enabled' | 'Disabled' {
  return disabled ? 'Disabled' : 'Enabled';
}

/** How a user signs in, for the `Sign-in` column. */
export function signInMethodLabel(source: 'local' | 'sso'): 'Password' | 'Single sign-on' {
  return source === 'sso' ? 'Single sign-on' : 'Password';
}

/** Whether an admin sets this user's role and password here (not for single sign-on users). */
export const managedHere = (user: { source: 'local' | 'sso' }): boolean => user.source !== 'sso';
