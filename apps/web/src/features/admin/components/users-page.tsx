// Users (`/admin/users`, admins): who may sign in, how, with which role, when they last did, and how many personal
// tokens of theirs work. A role change, disabling or a new password ends the person's sessions at once (the BFF
// does it), so each asks first; disabling revokes their tokens for good, a new password too unless the admin unticks
// the box. People who sign in with single sign-on have no password here and get their role from the identity
// provider's groups at each sign-in: their row shows the role without a choice and has no "Set password"; they can
// be disabled like anyone. Every change is audited by the BFF.
import type { UserRow } from '@powerdeck/contracts/auth';
import { ROLES, type Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { DataTable, Pill, TD } from '../../../components/ui/data-table';
import { FormError } from '../../../components/ui/field';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { ListState } from '../../../components/ui/list-state';
import { Page, PageButton } from '../../../components/ui/page';
import { usePatchUser, usersQueries } from '../api/users-queries';
import { disabledNotice, disableDescription, passwordChangedNotice } from '../lib/account-tokens';
import { managedHere, signInMethodLabel, userStatusLabel } from '../lib/users';
import { AddUserDialog } from './add-user-dialog';
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
  const local = managedHere(user);
  return (
    <tr className="hover:bg-sunken/60">
      <td className={`${TD} font-medium break-all`}>{name}</td>
      <td className={TD}>
        {local ? (
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
        ) : (
          <span className="whitespace-nowrap">
            {user.role}
            <span className="block text-xs text-muted">from the identity provider</span>
          </span>
        )}
      </td>
      <td className={TD}>
        <Pill tone={user.disabled ? 'idle' : 'ok'}>{userStatusLabel(user.disabled)}</Pill>
      </td>
      <td className={`${TD} tabular-nums ${user.activeTokens === 0 ? 'text-muted' : ''}`}>
        {user.activeTokens}
      </td>
      <td className={TD}>
        {local ? (
          <span className="text-muted">{signInMethodLabel(user.source)}</span>
        ) : (
          // The accent's colours (a mark, not a state).
          <Pill tone="moving">{signInMethodLabel(user.source)}</Pill>
        )}
      </td>
      <td className={`${TD} whitespace-nowrap text-muted`}>
        <IsoTimeAgo iso={user.lastSignInAt} never="Never" />
      </td>
      <td className={`${TD} whitespace-nowrap text-muted`}>
        <IsoTimeAgo iso={user.createdAt} />
      </td>
      <td className={TD}>
        <div className="flex items-center justify-end gap-2">
          {local && (
            <>
              <Button
                size="sm"
                aria-label={`Set password for ${name}`}
                onClick={() => onAsk({ kind: 'password', user })}
              >
                Set password
              </Button>
              <span aria-hidden="true" className="h-5 w-px bg-line" />
            </>
          )}
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
  const query = useQuery(usersQueries.list());
  const patch = usePatchUser();
  const enable = usePatchUser();
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const close = () => setPending(null);

  return (
    <Page
      title="Users"
      actions={
        <PageButton icon={UserPlus} onClick={() => setPending({ kind: 'add' })}>
          Add user
        </PageButton>
      }
    >
      <p className="text-sm text-muted">
        A role change, disabling someone or setting their password ends their sessions at once. Disabling them
        revokes their personal tokens for good; so does a new password, unless you keep them. People who sign
        in with single sign-on get their role from the identity provider&rsquo;s groups each time they sign
        in, so it is changed there, not here; disabling them works as for anyone.
      </p>

      <p role="status" className="text-sm text-ok empty:hidden">
        {notice ?? ''}
      </p>
      {enable.error && (
        <FormError>
          Could not enable {enable.variables?.username}: {enable.error.message}
        </FormError>
      )}

      <ListState query={query} what="the users" empty="No users yet">
        {(users) => (
          <DataTable
            label="Users"
            columns={['Name', 'Role', 'Status', 'Tokens', 'Sign-in', 'Last sign-in', 'Created', '']}
            minWidth="48rem"
          >
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
        )}
      </ListState>

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
          description={disableDescription(pending.user.activeTokens)}
          confirmLabel="Disable"
          danger
          onConfirm={() =>
            patch
              .mutateAsync({ username: pending.user.username, patch: { disabled: true } })
              .then((answer) => setNotice(disabledNotice(pending.user.username, answer.tokensRevoked)))
          }
          onClose={close}
        />
      )}
      {pending?.kind === 'password' && (
        <SetPasswordDialog
          username={pending.user.username}
          activeTokens={pending.user.activeTokens}
          onClose={close}
          onDone={(answer, revokeTokens) =>
            setNotice(passwordChangedNotice(pending.user.username, { ...answer, revokeTokens }))
          }
        />
      )}
      {pending?.kind === 'add' && (
        <AddUserDialog onClose={close} onAdded={(u) => setNotice(`${u.username} is added as ${u.role}.`)} />
      )}
    </Page>
  );
}
