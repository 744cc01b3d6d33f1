// "Add user": a name, a role and a first password (typed, or generated to pass on). The BFF's refusals (the name
// is taken, a value is invalid) show in the dialog; the dialog closes when the user exists.
import type { UserRow } from '@powerdeck/contracts/auth';
import { ROLES, type Role } from '@powerdeck/contracts/roles';
import { useId, useRef, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogClose } from '../../../components/ui/dialog';
import { useAddUser } from '../api/users-queries';
import { passwordProblem } from '../lib/password';
import { usernameProblem } from '../lib/users';
import { INPUT, PasswordField } from './password-field';

export function AddUserDialog({
  onClose,
  onAdded,
}: {
  onClose: () => void;
  onAdded: (user: UserRow) => void;
}) {
  const id = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  const add = useAddUser();
  const nameProblem = tried ? usernameProblem(username.trim()) : null;
  const pwProblem = tried ? passwordProblem(password) : null;

  function submit() {
    setTried(true);
    if (usernameProblem(username.trim()) || passwordProblem(password)) return;
    add.mutate(
      { username: username.trim(), role, password },
      {
        onSuccess: (user) => {
          onAdded(user);
          onClose();
        },
      },
    );
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="Add user"
      description="They sign in with this name and password; pass the password on to them."
      initialFocus={nameRef}
      footer={
        <>
          <DialogClose asChild>
            <Button variant="secondary">Cancel</Button>
          </DialogClose>
          <Button type="submit" form={`${id}-form`} variant="primary" loading={add.isPending}>
            Add user
          </Button>
        </>
      }
    >
      <form
        id={`${id}-form`}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
        className="space-y-3"
      >
        <div className="space-y-1.5">
          <label htmlFor={`${id}-name`} className="block text-sm font-medium">
            User name
          </label>
          <input
            ref={nameRef}
            id={`${id}-name`}
            type="text"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            maxLength={64}
            aria-invalid={nameProblem ? true : undefined}
            aria-describedby={nameProblem ? `${id}-name-problem` : undefined}
            className={INPUT}
          />
          {nameProblem && (
            <p id={`${id}-name-problem`} className="text-xs text-bad">
              {nameProblem}
            </p>
          )}
        </div>
        <div className="space-y-1.5">
          <label htmlFor={`${id}-role`} className="block text-sm font-medium">
            Role
          </label>
          <select
            id={`${id}-role`}
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            className={INPUT}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <PasswordField
          id={`${id}-password`}
          label="Password"
          value={password}
          onChange={setPassword}
          problem={pwProblem}
        />
        {add.error && (
          <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
            {add.error.message}
          </p>
        )}
      </form>
    </Dialog>
  );
}
