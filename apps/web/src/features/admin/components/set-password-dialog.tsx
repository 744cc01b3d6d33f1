// "Set password for <name>": a new password (typed, or generated to pass on), and whether to revoke their personal
// tokens too (ticked when it opens; the box says how many they have). Their sessions end; the BFF's refusal shows
// in the dialog.
import type { UserPatchAnswer } from '@powerdeck/contracts/auth';
import { useId, useState } from 'react';
import { FormDialog } from '../../../components/ui/form-dialog';
import { usePatchUser } from '../api/users-queries';
import { newPasswordForm } from '../lib/account-tokens';
import { passwordProblem } from '../lib/password';
import { PasswordField } from './password-field';
import { RevokeTokensField } from './revoke-tokens-field';

export function SetPasswordDialog({
  username,
  activeTokens,
  onClose,
  onDone,
}: {
  username: string;
  /** How many of their personal tokens work now (the users list's count). */
  activeTokens: number;
  onClose: () => void;
  /** The BFF's answer, and whether the tokens were to be revoked. */
  onDone: (answer: UserPatchAnswer, revokeTokens: boolean) => void;
}) {
  const id = useId();
  const [form, setForm] = useState(newPasswordForm);
  const [tried, setTried] = useState(false);
  const patch = usePatchUser();
  const problem = tried ? passwordProblem(form.password) : null;

  function submit() {
    setTried(true);
    if (passwordProblem(form.password)) return;
    const { password, revokeTokens } = form;
    patch.mutate(
      { username, patch: { password, revokeTokens } },
      {
        onSuccess: (answer) => {
          onDone(answer, revokeTokens);
          onClose();
        },
      },
    );
  }

  return (
    <FormDialog
      title={`Set a new password for ${username}`}
      description="Their sessions end at once; they sign in again with the new password."
      submitLabel="Set password"
      request={patch}
      onSubmit={submit}
      onClose={onClose}
    >
      <PasswordField
        id={`${id}-password`}
        label="New password"
        value={form.password}
        onChange={(password) => setForm((f) => ({ ...f, password }))}
        problem={problem}
      />
      <RevokeTokensField
        checked={form.revokeTokens}
        onCheckedChange={(revokeTokens) => setForm((f) => ({ ...f, revokeTokens }))}
        activeTokens={activeTokens}
      />
    </FormDialog>
  );
}
