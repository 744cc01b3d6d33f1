// Personal access tokens (`/tokens`): keys for scripts that use this server's VergeOS-compatible routes, never the
// VergeOS key. A token's role is at most its owner's; it is shown once when made (only its hash is stored), and
// revoking it stops its scripts at once. Admins may list everyone's (`?all=true`).
import type { NewTokenAnswer, TokenRow } from '@powerdeck/contracts/auth';
import type { Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { useId, useRef, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogClose } from '../../../components/ui/dialog';
import { TimeAgo } from '../../../components/ui/relative-time';
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
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { DataTable, LoadError, Pill, TD } from '../../../components/ui/data-table';
import { SecretField } from '../../../components/ui/secret-field';

const INPUT =
  'block h-9 w-full rounded-md border border-field bg-panel px-2.5 text-sm text-ink shadow-xs ' +
  'placeholder:text-muted hover:border-muted aria-[invalid=true]:border-bad';

function When({ iso, never = '' }: { iso: string | null; never?: string }) {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? <TimeAgo ms={ms} /> : <>{iso ?? never}</>;
}

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
        <When iso={token.createdAt} />
      </td>
      <td className={`${TD} whitespace-nowrap`}>
        <Expires iso={token.expiresAt} />
      </td>
      <td className={`${TD} whitespace-nowrap`}>
        <When iso={token.lastUsedAt} never="Never" />
      </td>
      <td className={TD}>
        <Pill tone={status === 'active' ? 'ok' : status === 'expired' ? 'warn' : 'idle'}>
          {TOKEN_STATUS_LABELS[status]}
        </Pill>
      </td>
      <td className={`${TD} text-right`}>
        {status === 'active' && (
          <Button
            size="sm"
            variant="danger-outline"
            aria-label={`Revoke ${token.name}`}
            onClick={() => onRevoke(token)}
          >
            Revoke
          </Button>
        )}
      </td>
    </tr>
  );
}

function NewTokenDialog({ role, onClose }: { role: Role; onClose: () => void }) {
  const id = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const offered = rolesOffered(role);
  const [name, setName] = useState('');
  const [tokenRole, setTokenRole] = useState<Role>(offered[0] ?? 'viewer');
  const [days, setDays] = useState<number>(DEFAULT_EXPIRY_DAYS);
  const [tried, setTried] = useState(false);
  const [answer, setAnswer] = useState<NewTokenAnswer | null>(null);
  const create = useCreateToken();
  const problem = tried && name.trim() === '' ? 'Name the token after the script that uses it.' : null;

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="New token"
      description={
        answer
          ? `${answer.info.name}: ${answer.info.role}, until ${dateTime(Date.parse(answer.info.expiresAt))}.`
          : 'A token acts with the role you give it, at most your own.'
      }
      initialFocus={nameRef}
      footer={
        answer ? (
          <DialogClose asChild>
            <Button variant="primary">Done</Button>
          </DialogClose>
        ) : (
          <>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" form={`${id}-form`} variant="primary" loading={create.isPending}>
              Create token
            </Button>
          </>
        )
      }
    >
      {answer ? (
        <>
          <SecretField label="New token" value={answer.token} hint="Copy it now: it is not shown again." />
          <div className="space-y-1">
            <p className="text-xs font-medium text-muted">Try it:</p>
            <pre className="overflow-x-auto rounded-md bg-sunken px-2.5 py-2 font-mono text-xs break-all whitespace-pre-wrap select-all">
              {curlExample(answer.token, window.location.origin)}
            </pre>
          </div>
        </>
      ) : (
        <form
          id={`${id}-form`}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setTried(true);
            if (name.trim() === '') return;
            create.mutate(
              { name: name.trim(), role: tokenRole, expiresInDays: days },
              { onSuccess: setAnswer },
            );
          }}
          className="space-y-3"
        >
          <div className="space-y-1.5">
            <label htmlFor={`${id}-name`} className="block text-sm font-medium">
              Name
            </label>
            <input
              ref={nameRef}
              id={`${id}-name`}
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={100}
              autoComplete="off"
              placeholder="backup-script"
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-problem` : undefined}
              className={INPUT}
            />
            {problem && (
              <p id={`${id}-problem`} className="text-xs text-bad">
                {problem}
              </p>
            )}
          </div>
          <div className="grid grid-cols-2 gap-3">
            <div className="space-y-1.5">
              <label htmlFor={`${id}-role`} className="block text-sm font-medium">
                Role
              </label>
              <select
                id={`${id}-role`}
                value={tokenRole}
                onChange={(e) => setTokenRole(e.target.value as Role)}
                className={INPUT}
              >
                {offered.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <div className="space-y-1.5">
              <label htmlFor={`${id}-expires`} className="block text-sm font-medium">
                Expires in
              </label>
              <select
                id={`${id}-expires`}
                value={days}
                onChange={(e) => setDays(Number(e.target.value))}
                className={INPUT}
              >
                {EXPIRY_CHOICES.map((d) => (
                  <option key={d} value={d}>
                    {d} days
                  </option>
                ))}
              </select>
            </div>
          </div>
          {create.error && (
            <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
              {create.error.message}
            </p>
          )}
        </form>
      )}
    </Dialog>
  );
}

export interface TokensPageProps {
  /** The person may list everyone's tokens (`tokens:all`, admins): shows the "All users" switch. */
  canSeeAll?: boolean;
  /** The person's own role: a new token may have this role or a lower one. Default: viewer. */
  role?: Role;
}

export function TokensPage({ canSeeAll = false, role = 'viewer' }: TokensPageProps) {
  const headingId = useId();
  const [all, setAll] = useState(false);
  const showAll = canSeeAll && all;
  const query = useQuery(tokensQueries.list(showAll));
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<TokenRow | null>(null);
  const tokens = query.data;
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
    <main aria-labelledby={headingId} className="mx-auto w-full max-w-6xl space-y-4 px-4 py-5 sm:px-6">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id={headingId} className="text-xl font-semibold tracking-tight">
          Personal access tokens
        </h2>
        <Button
          variant="primary"
          className="ml-auto"
          icon={<KeyRound className="size-4" />}
          onClick={() => setCreating(true)}
        >
          New token
        </Button>
      </div>
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

      {tokens ? (
        tokens.length === 0 ? (
          <p className="rounded-lg border border-dashed border-line px-6 py-10 text-center text-sm text-muted">
            No tokens yet
          </p>
        ) : (
          <DataTable label="Tokens" columns={columns} minWidth="48rem">
            {tokens.map((t) => (
              <TokenRowView key={t.id} token={t} showOwner={showAll} onRevoke={setRevoking} />
            ))}
          </DataTable>
        )
      ) : query.error ? (
        <LoadError what="the tokens" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <p className="py-6 text-sm text-muted">Loading…</p>
      )}

      {creating && <NewTokenDialog role={role} onClose={() => setCreating(false)} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          description="Scripts that use it are refused from their next request. A revoked token cannot be used again."
          confirmLabel="Revoke"
          danger
          onConfirm={() => revoke.mutateAsync(revoking.id)}
          onClose={() => setRevoking(null)}
        />
      )}
    </main>
  );
}
