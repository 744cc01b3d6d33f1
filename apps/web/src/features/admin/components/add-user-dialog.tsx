// "Add user": a name, a role and a first password (typed, or generated to pass on). The BFF's refusals (the name
// is taken, a value is invalid) show in the dialog; the dialog closes when the user exists.
import type { UserRow } from '@powerdeck/contracts/auth';
import { ROLES, type Role } from '@powerdeck/contracts/roles';
import { useId, useRef, useState } from 'react';
import { SelectField, TextField } from '../../../components/ui/field';
import { FormDialog } from '../../../components/ui/form-dialog';
import { useAddUser } from '../api/users-queries';
import { passwordProblem } from '../lib/password';
import { usernameProblem } from '../lib/users';
import { PasswordField } from './password-field';

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
    <FormDialog
      title="Add user"
      description="They sign in with this name and password; pass the password on to them."
      initialFocus={nameRef}
      submitLabel="Add user"
      request={add}
      onSubmit={submit}
      onClose={onClose}
    >
      <TextField
        ref={nameRef}
        id={`${id}-name`}
        label="User name"
        value={username}
        onChange={setUsername}
        problem={nameProblem}
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
        maxLength={64}
      />
      <SelectField id={`${id}-role`} label="Role" value={role} options={ROLES} onChange={setRole} />
      <PasswordField
        id={`${id}-password`}
        label="Password"
        value={password}
        onChange={setPassword}
        problem={pwProblem}
      />
    </FormDialog>
  );
}
