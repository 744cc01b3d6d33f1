// A VM's recent actions, for its detail page: who did what, when, why, and how it went (`GET /api/vms/:key/activity`,
// every 10 s while shown). An action still in flight shows as Requested; a refusal or failure shows VergeOS's words.
import type { VmActivityItem } from '@powerdeck/contracts/audit';
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { TimeAgo } from '../../../components/ui/relative-time';
import { auditQueries } from '../api/audit-queries';
import { actionWords, isFailure } from '../lib/audit-words';
import { OutcomeBadge } from './outcome-badge';

function Item({ item }: { item: VmActivityItem }) {
  const atMs = Date.parse(item.at);
  const who = item.actor ?? 'Someone';
  return (
    <li className="flex flex-wrap items-baseline gap-x-2 gap-y-1 py-2 text-sm">
      <span className="font-medium">{actionWords(item.action, item.params) || 'Action'}</span>
      <span className="text-muted">
        by <span className="text-ink">{who}</span>
        {item.role ? ` (${item.role})` : ''}
      </span>
      {Number.isFinite(atMs) && <TimeAgo ms={atMs} className="text-xs text-muted" />}
      <span className="ml-auto">
        <OutcomeBadge outcome={item.outcome} />
      </span>
      {item.reason && <q className="basis-full text-muted italic">{item.reason}</q>}
      {isFailure(item.outcome) && item.vergeosMessage && (
        <p className="basis-full rounded-md bg-bad-soft px-2.5 py-1.5 text-xs text-bad">
          {item.vergeosMessage}
        </p>
      )}
    </li>
  );
}

export function VmActivity({ vmKey }: { vmKey: number }) {
  const headingId = useId();
  const query = useQuery(auditQueries.vmActivity(vmKey));
  const items = query.data?.items;

  return (
    <section
      aria-labelledby={headingId}
      className="rounded-lg border border-line bg-panel p-4 shadow-xs sm:p-5"
    >
      <h3 id={headingId} className="mb-1 text-sm font-semibold">
        Recent actions
      </h3>
      {items ? (
        items.length === 0 ? (
          <p className="py-2 text-sm text-muted">No actions yet</p>
        ) : (
          <ul className="divide-y divide-line">
            {items.map((item) => (
              <Item key={item.id} item={item} />
            ))}
          </ul>
        )
      ) : query.error ? (
        <p role="alert" className="py-2 text-sm text-bad">
          Could not load its recent actions: {query.error.message}{' '}
          <button
            type="button"
            onClick={() => void query.refetch()}
            className="rounded-sm font-medium text-accent hover:underline"
          >
            Try again
          </button>
        </p>
      ) : (
        <p className="py-2 text-sm text-muted">Loading…</p>
      )}
    </section>
  );
}
