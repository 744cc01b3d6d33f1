// Users in words, and what a new user name may be (the BFF's rule). Pure, tested in test/admin-users.test.ts.

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
