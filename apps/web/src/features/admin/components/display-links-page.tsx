// Display links (`/admin/displays`, admins): the addresses wall screens open to show the fleet, read-only, for
// weeks. A new link's address is shown once (its secret is stored hashed); revoking one stops its screens at once.
import type { DisplayLinkRow, NewDisplayLinkAnswer } from '@powerdeck/contracts/auth';
import { useQuery } from '@tanstack/react-query';
import { MonitorPlay } from 'lucide-react';
import { useId, useRef, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogClose } from '../../../components/ui/dialog';
import { TimeAgo } from '../../../components/ui/relative-time';
import {
  displayLinksQueries,
  useCreateDisplayLink,
  useRevokeDisplayLink,
} from '../api/display-links-queries';
import { displayUrl, LINK_STATUS_LABELS, linkStatus } from '../lib/display-links';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { DataTable, LoadError, Pill, TD } from '../../../components/ui/data-table';
import { INPUT } from './password-field';
import { SecretField } from '../../../components/ui/secret-field';

function When({ iso, never = '' }: { iso: string | null; never?: string }) {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? <TimeAgo ms={ms} /> : <>{iso ?? never}</>;
}

function NewDisplayLinkDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const [answer, setAnswer] = useState<NewDisplayLinkAnswer | null>(null);
  const create = useCreateDisplayLink();
  const problem = tried && name.trim() === '' ? 'Name the screen, e.g. "Ops room left".' : null;

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="New display link"
      description={
        answer
          ? `The link for ${answer.link.name} is ready.`
          : 'A link signs one screen in as a read-only viewer that never idles out.'
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
              Create link
            </Button>
          </>
        )
      }
    >
      {answer ? (
        <SecretField
          label="Display URL"
          value={displayUrl(window.location.origin, answer.path)}
          hint="Open this on the screen. It is not shown again."
        />
      ) : (
        <form
          id={`${id}-form`}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setTried(true);
            if (name.trim() === '') return;
            create.mutate({ name: name.trim() }, { onSuccess: setAnswer });
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

export function DisplayLinksPage() {
  const headingId = useId();
  const query = useQuery(displayLinksQueries.list());
  const revoke = useRevokeDisplayLink();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<DisplayLinkRow | null>(null);
  const links = query.data;

  return (
    <main aria-labelledby={headingId} className="mx-auto w-full max-w-5xl space-y-4 px-4 py-5 sm:px-6">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id={headingId} className="text-xl font-semibold tracking-tight">
          Display links
        </h2>
        <Button
          variant="primary"
          className="ml-auto"
          icon={<MonitorPlay className="size-4" />}
          onClick={() => setCreating(true)}
        >
          New display link
        </Button>
      </div>
      <p className="max-w-3xl text-sm text-muted">
        A display link shows the fleet on a wall screen: read-only, and it never idles out, so the screen can
        run for weeks without anyone signing in. Revoking a link ends it at once; its screen stops at its next
        request.
      </p>

      {links ? (
        links.length === 0 ? (
          <p className="rounded-lg border border-dashed border-line px-6 py-10 text-center text-sm text-muted">
            No display links yet
          </p>
        ) : (
          <DataTable
            label="Display links"
            columns={['Name', 'Created by', 'Created', 'Last used', 'Status', '']}
          >
            {links.map((link) => {
              const status = linkStatus(link);
              return (
                <tr key={link.id} className="hover:bg-sunken/60">
                  <td className={`${TD} font-medium break-all`}>{link.name}</td>
                  <td className={`${TD} break-all`}>{link.createdBy}</td>
                  <td className={`${TD} whitespace-nowrap text-muted`}>
                    <When iso={link.createdAt} />
                  </td>
                  <td className={`${TD} whitespace-nowrap text-muted`}>
                    <When iso={link.lastUsedAt} never="Never" />
                  </td>
                  <td className={TD}>
                    <Pill tone={status === 'active' ? 'ok' : 'idle'}>{LINK_STATUS_LABELS[status]}</Pill>
                  </td>
                  <td className={`${TD} text-right`}>
                    {status === 'active' && (
                      <Button
                        size="sm"
                        variant="danger-outline"
                        aria-label={`Revoke ${link.name}`}
                        onClick={() => setRevoking(link)}
                      >
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )
      ) : query.error ? (
        <LoadError what="the display links" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <p className="py-6 text-sm text-muted">Loading…</p>
      )}

      {creating && <NewDisplayLinkDialog onClose={() => setCreating(false)} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          description="The screen that uses it stops at once. A revoked link cannot be used again; make a new one instead."
          confirmLabel="Revoke"
          danger
          onConfirm={() => revoke.mutateAsync(revoking.id)}
          onClose={() => setRevoking(null)}
        />
      )}
    </main>
  );
}
