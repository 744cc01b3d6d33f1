// "Set password for <name>": a new password (typed, or generated to pass on). Their sessions end; the BFF's
// refusal shows in the dialog.
import { useId, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogClose } from '../../../components/ui/dialog';
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

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={`Set a new password for ${username}`}
      description="Their sessions end at once; they sign in again with the new password."
      footer={
        <>
          <DialogClose asChild>
            <Button variant="secondary">Cancel</Button>
          </DialogClose>
          <Button type="submit" form={`${id}-form`} variant="primary" loading={patch.isPending}>
            Set password
          </Button>
        </>
      }
    >
      <form
        id={`${id}-form`}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
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
        }}
        className="space-y-3"
      >
        <PasswordField
          id={`${id}-password`}
          label="New password"
          value={password}
          onChange={setPassword}
          problem={problem}
        />
        {patch.error && (
          <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
            {patch.error.message}
          </p>
        )}
      </form>
    </Dialog>
  );
}
