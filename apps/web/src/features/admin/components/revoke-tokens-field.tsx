// "Also revoke their 2 active personal tokens": the checkbox of the set-password dialog (ticked when it opens), with
// a hint that says what happens either way.
import { CheckboxField } from '../../../components/ui/field';
import { revokeTokensHint, revokeTokensLabel } from '../lib/account-tokens';

export function RevokeTokensField({
  checked,
  onCheckedChange,
  activeTokens,
}: {
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  /** How many of the user's tokens work now. */
  activeTokens: number;
}) {
  return (
    <CheckboxField
      checked={checked}
      onCheckedChange={onCheckedChange}
      label={revokeTokensLabel(activeTokens)}
      hint={revokeTokensHint(checked)}
    />
  );
}
