// Users (`/admin/users`, admins): who may sign in, with which role. A role change, disabling or a new password
// ends the person's sessions at once (the BFF does it), so each asks first. Every change is audited by the BFF.
import type { UserRow } from '@powerdeck/contracts/auth';
import { ROLES, type Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { useId, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { TimeAgo } from '../../../components/ui/relative-time';
import { usePatchUser, usersQueries } from '../api/users-queries';
import { userStatusLabel } from '../lib/users';
import { AddUserDialog } from './add-user-dialog';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { DataTable, LoadError, Pill, TD } from '../../../components/ui/data-table';
import { SetPasswordDialog } from './set-password-dialog';

type Pending =
  | { kind: 'role'; user: UserRow; role: Role }
  | { kind: 'disable'; user: UserRow }
  | { kind: 'password'; user: UserRow }
  | { kind: 'add' };

const SELECT =
  'h-7 rounded-md border border-field bg-panel pl-1.5 text-sm text-ink shadow-xs hover:border-muted disabled:opacity-50';

function UserRowView({
  user,
  onAsk,
  onEnable,
  enabling,
}: {
  user: UserRow;
  onAsk: (p: Pending) => void;
  onEnable: (user: UserRow) => void;
  enabling: boolean;
}) {
  const name = user.username;
  const createdMs = Date.parse(user.createdAt);
  return (
    <tr className="hover:bg-sunken/60">
      <td className={`${TD} font-medium break-all`}>{name}</td>
      <td className={TD}>
        <select
          aria-label={`Role for ${name}`}
          value={user.role}
          onChange={(e) => onAsk({ kind: 'role', user, role: e.target.value as Role })}
          className={SELECT}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </td>
      <td className={TD}>
        <Pill tone={user.disabled ? 'idle' : 'ok'}>{userStatusLabel(user.disabled)}</Pill>
      </td>
      <td className={`${TD} whitespace-nowrap text-muted`}>
        {Number.isFinite(createdMs) ? <TimeAgo ms={createdMs} /> : user.createdAt}
      </td>
      <td className={TD}>
        <div className="flex items-center justify-end gap-2">
          <Button
            size="sm"
            aria-label={`Set password for ${name}`}
            onClick={() => onAsk({ kind: 'password', user })}
          >
            Set password
          </Button>
          <span aria-hidden="true" className="h-5 w-px bg-line" />
          {user.disabled ? (
            <Button size="sm" aria-label={`Enable ${name}`} loading={enabling} onClick={() => onEnable(user)}>
              Enable
            </Button>
          ) : (
            <Button
              size="sm"
              variant="danger-outline"
              aria-label={`Disable ${name}`}
              onClick={() => onAsk({ kind: 'disable', user })}
            >
              Disable
            </Button>
          )}
        </div>
      </td>
    </tr>
  );
}

export function UsersPage() {
  const headingId = useId();
  const query = useQuery(usersQueries.list());
  const patch = usePatchUser();
  const enable = usePatchUser();
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const close = () => setPending(null);

  const users = query.data;

  return (
    <main aria-labelledby={headingId} className="mx-auto w-full max-w-5xl space-y-4 px-4 py-5 sm:px-6">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id={headingId} className="text-xl font-semibold tracking-tight">
          Users
        </h2>
        <Button
          variant="primary"
          className="ml-auto"
          icon={<UserPlus className="size-4" />}
          onClick={() => setPending({ kind: 'add' })}
        >
          Add user
        </Button>
      </div>
      <p className="text-sm text-muted">
        A role change, disabling someone or setting their password ends their sessions at once.
      </p>

      <p role="status" className="text-sm text-ok empty:hidden">
        {notice ?? ''}
      </p>
      {enable.error && (
        <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
          Could not enable {enable.variables?.username}: {enable.error.message}
        </p>
      )}

      {users ? (
        users.length === 0 ? (
          <p className="rounded-lg border border-dashed border-line px-6 py-10 text-center text-sm text-muted">
            No users yet
          </p>
        ) : (
          <DataTable label="Users" columns={['Name', 'Role', 'Status', 'Created', '']}>
            {users.map((u) => (
              <UserRowView
                key={u.username}
                user={u}
                onAsk={(p) => {
                  setNotice(null);
                  setPending(p);
                }}
                enabling={enable.isPending && enable.variables?.username === u.username}
                onEnable={(user) => {
                  setNotice(null);
                  enable.mutate(
                    { username: user.username, patch: { disabled: false } },
                    { onSuccess: () => setNotice(`${user.username} is enabled.`) },
                  );
                }}
              />
            ))}
          </DataTable>
        )
      ) : query.error ? (
        <LoadError what="the users" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <p className="py-6 text-sm text-muted">Loading…</p>
      )}

      {pending?.kind === 'role' && (
        <ConfirmDialog
          title={`Change ${pending.user.username}'s role to ${pending.role}?`}
          description={`Their sessions end at once; they sign in again as ${pending.role}. Their personal tokens keep their own role, capped by the new one.`}
          confirmLabel="Change role"
          onConfirm={() =>
            patch
              .mutateAsync({ username: pending.user.username, patch: { role: pending.role } })
              .then(() => setNotice(`${pending.user.username} is now ${pending.role}.`))
          }
          onClose={close}
        />
      )}
      {pending?.kind === 'disable' && (
        <ConfirmDialog
          title={`Disable ${pending.user.username}?`}
          description="Their sessions end at once, and they cannot sign in until enabled again."
          confirmLabel="Disable"
          danger
          onConfirm={() =>
            patch
              .mutateAsync({ username: pending.user.username, patch: { disabled: true } })
              .then(() => setNotice(`${pending.user.username} is disabled.`))
          }
          onClose={close}
        />
      )}
      {pending?.kind === 'password' && (
        <SetPasswordDialog
          username={pending.user.username}
          onClose={close}
          onDone={() => setNotice(`${pending.user.username} has a new password.`)}
        />
      )}
      {pending?.kind === 'add' && (
        <AddUserDialog onClose={close} onAdded={(u) => setNotice(`${u.username} is added as ${u.role}.`)} />
      )}
    </main>
  );
}
