// What a user's personal tokens go through when an admin changes their account, in words: a new password revokes
// them unless the admin unticks the box (ticked by default, as the BFF defaults to revoking), disabling revokes them
// for good. Pure, tested in test/admin-tokens.test.tsx.

/** The set-password dialog's form when it opens: no password yet, and the tokens are to be revoked. */
export function newPasswordForm(): { password: string; revokeTokens: boolean } {
  return { password: '', revokeTokens: true };
}

/** `1 token`, `2 tokens`. */
function tokenCount(n: number): string {
  return `${n} token${n === 1 ? '' : 's'}`;
}

/** The checkbox's label: how many tokens of theirs work now. */
export function revokeTokensLabel(activeTokens: number): string {
  if (activeTokens === 0) return 'Also revoke their personal tokens (they have none active)';
  return `Also revoke their ${activeTokens === 1 ? 'active personal token' : `${activeTokens} active personal tokens`}`;
}

/** Under the checkbox: what happens with it as it is. */
export function revokeTokensHint(revokeTokens: boolean): string {
  return revokeTokens
    ? 'Scripts that use them are refused from their next request; revoked tokens never work again.'
    : 'Their tokens keep working with the new password.';
}

/** The notice once the password is set. `activeTokens`: the user's after the change (what was kept). */
export function passwordChangedNotice(
  username: string,
  change: { revokeTokens: boolean; tokensRevoked: number; activeTokens: number },
): string {
  const done = `Password changed for ${username}`;
  if (!change.revokeTokens) {
    return change.activeTokens === 0
      ? `${done}.`
      : `${done}; their ${tokenCount(change.activeTokens)} ${change.activeTokens === 1 ? 'keeps' : 'keep'} working.`;
  }
  return change.tokensRevoked === 0
    ? `${done}; they had no active tokens.`
    : `${done}; ${tokenCount(change.tokensRevoked)} revoked.`;
}

/** The disable dialog's words: their sessions end, their tokens are revoked for good. */
export function disableDescription(activeTokens: number): string {
  const tokens =
    activeTokens === 0
      ? ''
      : ` Their ${tokenCount(activeTokens)} ${activeTokens === 1 ? 'is' : 'are'} revoked for good: enabling them again does not bring ${activeTokens === 1 ? 'it' : 'them'} back.`;
  return `Their sessions end at once, and they cannot sign in until enabled again.${tokens}`;
}

/** The notice once a user is disabled. */
export function disabledNotice(username: string, tokensRevoked: number): string {
  return tokensRevoked === 0
    ? `${username} is disabled.`
    : `${username} is disabled; ${tokenCount(tokensRevoked)} revoked.`;
}
