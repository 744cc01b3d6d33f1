// "Set password for <name>": a new password (typed, or generated to pass on). Their sessions end; the BFF's
// refusal shows in the dialog.
import { useId, useState } from 'react';
import { FormDialog } from '../../../components/ui/form-dialog';
import { usePatchUser } from '../api/users-queries';
import { passwordProblem } from '../lib/password';
import { PasswordField } from './password-field';

export function SetPasswordDialog({
  username,
  onClose,
  onDone,
}: {
  username: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const id = useId();
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  const patch = usePatchUser();
  const problem = tried ? passwordProblem(password) : null;

  function submit() {
    setTried(true);
    if (passwordProblem(password)) return;
    patch.mutate(
      { username, patch: { password } },
      {
        onSuccess: () => {
          onDone();
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
        value={password}
        onChange={setPassword}
        problem={problem}
      />
    </FormDialog>
  );
}
