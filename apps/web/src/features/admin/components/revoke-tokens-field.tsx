// "Also revoke their 2 active personal tokens": the checkbox of the set-password dialog (ticked when it opens), with
// a hint that says what happens either way.
import { useId } from 'react';
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
  const id = useId();
  return (
    <div className="space-y-1 rounded-md border border-line bg-surface px-3 py-2.5">
      <div className="flex items-center gap-2">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(e) => onCheckedChange(e.target.checked)}
          aria-describedby={`${id}-hint`}
          className="size-4 shrink-0 accent-accent"
        />
        <label htmlFor={id} className="text-sm">
          {revokeTokensLabel(activeTokens)}
        </label>
      </div>
      <p id={`${id}-hint`} className="text-xs text-muted">
        {revokeTokensHint(checked)}
      </p>
    </div>
  );
}
