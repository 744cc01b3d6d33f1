// Display links (`/admin/displays`, admins): the addresses wall screens open to show the fleet, read-only, for
// weeks. A new link's address is shown once (its secret is stored hashed); revoking one stops its screens at once.
import type { DisplayLinkRow } from '@powerdeck/contracts/auth';
import { useQuery } from '@tanstack/react-query';
import { MonitorPlay } from 'lucide-react';
import { useState } from 'react';
import { DataTable, Pill, TD } from '../../../components/ui/data-table';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { ListState } from '../../../components/ui/list-state';
import { NewSecretDialog } from '../../../components/ui/new-secret-dialog';
import { Page, PageButton } from '../../../components/ui/page';
import { RevokeButton, RevokeDialog } from '../../../components/ui/revoke';
import { SecretField } from '../../../components/ui/secret-field';
import {
  displayLinksQueries,
  useCreateDisplayLink,
  useRevokeDisplayLink,
} from '../api/display-links-queries';
import { displayUrl, LINK_STATUS_LABELS, linkStatus } from '../lib/display-links';

function NewDisplayLinkDialog({ onClose }: { onClose: () => void }) {
  const create = useCreateDisplayLink();
  return (
    <NewSecretDialog
      title="New display link"
      description={(answer) =>
        answer
          ? `The link for ${answer.link.name} is ready.`
          : 'A link signs one screen in as a read-only viewer that never idles out.'
      }
      nameProblem='Name the screen, e.g. "Ops room left".'
      submitLabel="Create link"
      create={create}
      body={(name) => ({ name })}
      shown={(answer) => (
        <SecretField
          label="Display URL"
          value={displayUrl(window.location.origin, answer.path)}
          hint="Open this on the screen. It is not shown again."
        />
      )}
      onClose={onClose}
    />
  );
}

export function DisplayLinksPage() {
  const query = useQuery(displayLinksQueries.list());
  const revoke = useRevokeDisplayLink();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<DisplayLinkRow | null>(null);

  return (
    <Page
      title="Display links"
      actions={
        <PageButton icon={MonitorPlay} onClick={() => setCreating(true)}>
          New display link
        </PageButton>
      }
    >
      <p className="max-w-3xl text-sm text-muted">
        A display link shows the fleet on a wall screen: read-only, and it never idles out, so the screen can
        run for weeks without anyone signing in. Revoking a link ends it at once; its screen stops at its next
        request.
      </p>

      <ListState query={query} what="the display links" empty="No display links yet">
        {(links) => (
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
                    <IsoTimeAgo iso={link.createdAt} />
                  </td>
                  <td className={`${TD} whitespace-nowrap text-muted`}>
                    <IsoTimeAgo iso={link.lastUsedAt} never="Never" />
                  </td>
                  <td className={TD}>
                    <Pill tone={status === 'active' ? 'ok' : 'idle'}>{LINK_STATUS_LABELS[status]}</Pill>
                  </td>
                  <td className={`${TD} text-right`}>
                    {status === 'active' && (
                      <RevokeButton name={link.name} onClick={() => setRevoking(link)} />
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </ListState>

      {creating && <NewDisplayLinkDialog onClose={() => setCreating(false)} />}
      {revoking && (
        <RevokeDialog
          name={revoking.name}
          description="The screen that uses it stops at once. A revoked link cannot be used again; make a new one instead."
          onConfirm={() => revoke.mutateAsync(revoking.id)}
          onClose={() => setRevoking(null)}
        />
      )}
    </Page>
  );
}
