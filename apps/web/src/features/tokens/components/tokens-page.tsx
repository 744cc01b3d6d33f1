// Personal access tokens (`/tokens`): keys for scripts that use this server's VergeOS-compatible routes, never the
// VergeOS key. A token's role is at most its owner's; it is shown once when made (only its hash is stored), and
// revoking it stops its scripts at once. Admins may list everyone's (`?all=true`).
import type { TokenRow } from '@powerdeck/contracts/auth';
import type { Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { useId, useState } from 'react';
import { DataTable, Pill, TD } from '../../../components/ui/data-table';
import { SelectField } from '../../../components/ui/field';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { ListState } from '../../../components/ui/list-state';
import { NewSecretDialog } from '../../../components/ui/new-secret-dialog';
import { Page, PageButton } from '../../../components/ui/page';
import { RevokeButton, RevokeDialog } from '../../../components/ui/revoke';
import { SecretField } from '../../../components/ui/secret-field';
import { useNowSelector } from '../../../lib/clock';
import { dateTime } from '../../../lib/format';
import { tokensQueries, useCreateToken, useRevokeToken } from '../api/tokens-queries';
import {
  curlExample,
  DEFAULT_EXPIRY_DAYS,
  EXPIRY_CHOICES,
  rolesOffered,
  TOKEN_STATUS_LABELS,
  tokenStatus,
} from '../lib/tokens';

function Expires({ iso }: { iso: string }) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return <>{iso}</>;
  const full = dateTime(ms);
  return (
    <time dateTime={new Date(ms).toISOString()} title={full} className="tabular-nums">
      {full.slice(0, 10)}
    </time>
  );
}

function TokenRowView({
  token,
  showOwner,
  onRevoke,
}: {
  token: TokenRow;
  showOwner: boolean;
  onRevoke: (t: TokenRow) => void;
}) {
  // Re-renders when the status changes (at expiry), not every second.
  const status = useNowSelector((now) => tokenStatus(token, now));
  return (
    <tr className={`hover:bg-sunken/60 ${status === 'active' ? '' : 'text-muted'}`}>
      <td className={`${TD} font-medium break-all`}>{token.name}</td>
      {showOwner && <td className={`${TD} break-all`}>{token.username}</td>}
      <td className={`${TD} font-mono text-xs whitespace-nowrap`}>{token.prefix}</td>
      <td className={TD}>{token.role}</td>
      <td className={`${TD} whitespace-nowrap`}>
        <IsoTimeAgo iso={token.createdAt} />
      </td>
      <td className={`${TD} whitespace-nowrap`}>
        <Expires iso={token.expiresAt} />
      </td>
      <td className={`${TD} whitespace-nowrap`}>
        <IsoTimeAgo iso={token.lastUsedAt} never="Never" />
      </td>
      <td className={TD}>
        <Pill tone={status === 'active' ? 'ok' : status === 'expired' ? 'warn' : 'idle'}>
          {TOKEN_STATUS_LABELS[status]}
        </Pill>
      </td>
      <td className={`${TD} text-right`}>
        {status === 'active' && <RevokeButton name={token.name} onClick={() => onRevoke(token)} />}
      </td>
    </tr>
  );
}

function NewTokenDialog({ role, onClose }: { role: Role; onClose: () => void }) {
  const id = useId();
  const offered = rolesOffered(role);
  const [tokenRole, setTokenRole] = useState<Role>(offered[0] ?? 'viewer');
  const [days, setDays] = useState<number>(DEFAULT_EXPIRY_DAYS);
  const create = useCreateToken();

  return (
    <NewSecretDialog
      title="New token"
      description={(answer) =>
        answer
          ? `${answer.info.name}: ${answer.info.role}, until ${dateTime(Date.parse(answer.info.expiresAt))}.`
          : 'A token acts with the role you give it, at most your own.'
      }
      nameProblem="Name the token after the script that uses it."
      namePlaceholder="backup-script"
      submitLabel="Create token"
      create={create}
      body={(name) => ({ name, role: tokenRole, expiresInDays: days })}
      shown={(answer) => (
        <>
          <SecretField label="New token" value={answer.token} hint="Copy it now: it is not shown again." />
          <div className="space-y-1">
            <p className="text-xs font-medium text-muted">Try it:</p>
            <pre className="overflow-x-auto rounded-md bg-sunken px-2.5 py-2 font-mono text-xs break-all whitespace-pre-wrap select-all">
              {curlExample(answer.token, window.location.origin)}
            </pre>
          </div>
        </>
      )}
      onClose={onClose}
    >
      <div className="grid grid-cols-2 gap-3">
        <SelectField
          id={`${id}-role`}
          label="Role"
          value={tokenRole}
          options={offered}
          onChange={setTokenRole}
        />
        <SelectField
          id={`${id}-expires`}
          label="Expires in"
          value={days}
          options={EXPIRY_CHOICES}
          optionLabel={(d) => `${d} days`}
          onChange={setDays}
        />
      </div>
    </NewSecretDialog>
  );
}

interface TokensPageProps {
  /** The person may list everyone's tokens (`tokens:all`, admins): shows the "All users" switch. */
  canSeeAll?: boolean;
  /** The person's own role: a new token may have this role or a lower one. Default: viewer. */
  role?: Role;
}

export function TokensPage({ canSeeAll = false, role = 'viewer' }: TokensPageProps) {
  const [all, setAll] = useState(false);
  const showAll = canSeeAll && all;
  const query = useQuery(tokensQueries.list(showAll));
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<TokenRow | null>(null);
  const columns = [
    'Name',
    ...(showAll ? ['Owner'] : []),
    'Prefix',
    'Role',
    'Created',
    'Expires',
    'Last used',
    'Status',
    '',
  ];

  return (
    <Page
      title="Personal access tokens"
      width="wide"
      actions={
        <PageButton icon={KeyRound} onClick={() => setCreating(true)}>
          New token
        </PageButton>
      }
    >
      <p className="max-w-3xl text-sm text-muted">
        A script sends <code className="font-mono text-ink">Authorization: Bearer &lt;token&gt;</code> to this
        server&apos;s <code className="font-mono text-ink">/api/v4/…</code> routes: the VergeOS guide&apos;s
        examples work by changing the host and the key.
      </p>
      {canSeeAll && (
        <label className="flex w-fit items-center gap-2 text-sm select-none">
          <input
            type="checkbox"
            className="size-4 rounded accent-accent"
            checked={all}
            onChange={(e) => setAll(e.target.checked)}
          />
          All users
        </label>
      )}

      <ListState query={query} what="the tokens" empty="No tokens yet">
        {(tokens) => (
          <DataTable label="Tokens" columns={columns} minWidth="48rem">
            {tokens.map((t) => (
              <TokenRowView key={t.id} token={t} showOwner={showAll} onRevoke={setRevoking} />
            ))}
          </DataTable>
        )}
      </ListState>

      {creating && <NewTokenDialog role={role} onClose={() => setCreating(false)} />}
      {revoking && (
        <RevokeDialog
          name={revoking.name}
          description="Scripts that use it are refused from their next request. A revoked token cannot be used again."
          onConfirm={() => revoke.mutateAsync(revoking.id)}
          onClose={() => setRevoking(null)}
        />
      )}
    </Page>
  );
}
