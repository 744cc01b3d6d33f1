// What an account change does to a user's personal tokens, in the admin's words; and the set-password dialog's
// "revoke their tokens" box, rendered as the dialog opens it (ticked).
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { RevokeTokensField } from '../src/features/admin/components/revoke-tokens-field';
import {
  disabledNotice,
  disableDescription,
  newPasswordForm,
  passwordChangedNotice,
  revokeTokensLabel,
} from '../src/features/admin/lib/account-tokens';

function renderBox(activeTokens: number, checked = newPasswordForm().revokeTokens): string {
  return renderToStaticMarkup(
    <RevokeTokensField checked={checked} onCheckedChange={() => undefined} activeTokens={activeTokens} />,
  );
}

describe('the set-password dialog', () => {
  it('opens with an empty password and the tokens to be revoked', () => {
    expect(newPasswordForm()).toEqual({ password: '', revokeTokens: true });
  });

  it('shows the box ticked as it opens, labelled with how many tokens work now', () => {
    const html = renderBox(2);
    expect(html).toMatch(/<input[^>]*type="checkbox"[^>]*checked=""/);
    const id = /<input id="([^"]+)"/.exec(html)?.[1];
    expect(html).toContain(
      `<label for="${id}" class="text-sm">Also revoke their 2 active personal tokens</label>`,
    );
    expect(html).toContain('revoked tokens never work again');
  });

  it('unticked, says the tokens keep working', () => {
    const html = renderBox(1, false);
    expect(html).not.toMatch(/checked/);
    expect(html).toContain('Also revoke their active personal token<');
    expect(html).toContain('Their tokens keep working with the new password.');
  });

  it('labels a user without tokens', () => {
    expect(revokeTokensLabel(0)).toBe('Also revoke their personal tokens (they have none active)');
  });
});

describe('the notices', () => {
  it('say what a password change did to the tokens', () => {
    const changed = (revokeTokens: boolean, tokensRevoked: number, activeTokens: number) =>
      passwordChangedNotice('alice', { revokeTokens, tokensRevoked, activeTokens });
    expect(changed(true, 2, 0)).toBe('Password changed for alice; 2 tokens revoked.');
    expect(changed(true, 1, 0)).toBe('Password changed for alice; 1 token revoked.');
    expect(changed(true, 0, 0)).toBe('Password changed for alice; they had no active tokens.');
    expect(changed(false, 0, 3)).toBe('Password changed for alice; their 3 tokens keep working.');
    expect(changed(false, 0, 1)).toBe('Password changed for alice; their 1 token keeps working.');
    expect(changed(false, 0, 0)).toBe('Password changed for alice.');
  });

  it('say what disabling does and did to the tokens', () => {
    expect(disableDescription(0)).toBe(
      'Their sessions end at once, and they cannot sign in until enabled again.',
    );
    expect(disableDescription(2)).toBe(
      'Their sessions end at once, and they cannot sign in until enabled again. Their 2 tokens are revoked for good: enabling them again does not bring them back.',
    );
    expect(disableDescription(1)).toMatch(/Their 1 token is revoked for good: .* does not bring it back\.$/);
    expect(disabledNotice('bob', 0)).toBe('bob is disabled.');
    expect(disabledNotice('bob', 3)).toBe('bob is disabled; 3 tokens revoked.');
  });
});
