// A target's deliveries (on its page), newest first: the event in words, the message's title, its status (a failed
// one red, a retry in the warning colour), how many tries, when it was queued, last tried and will be tried next,
// and the last error in words. Read again every 2 s while some wait, so a test or an alert shows as it goes out.
// "Send test" queues a test message (even for a disabled target) and the list shows it at once.
import { EVENT_WORDS } from '@powerdeck/contracts/alert-terms';
import type { AlertDelivery } from '@powerdeck/contracts/alerts';
import { useQuery } from '@tanstack/react-query';
import { Send } from 'lucide-react';
import { useId, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { DataTable, Pill, TD } from '../../../components/ui/data-table';
import { FormError } from '../../../components/ui/field';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { ListState, RefreshFailed } from '../../../components/ui/list-state';
import { useNowSelector } from '../../../lib/clock';
import { dateTime, shortDuration } from '../../../lib/format';
import { alertQueries, PENDING_REFRESH_MS, useSendTest } from '../api/alerts-queries';
import { DELIVERY_STATUS } from '../lib/words';

const COLUMNS = [
  'Event',
  'Title',
  'Status',
  'Attempts',
  'Created',
  'Last attempt',
  'Next attempt',
  'Last error',
] as const;

/** "in 25 s" for a time to come; "due now" once it has passed. */
function InTime({ iso }: { iso: string }) {
  const ms = Date.parse(iso);
  const text = useNowSelector((now) =>
    !Number.isFinite(ms) ? iso : ms <= now ? 'due now' : `in ${shortDuration((ms - now) / 1000)}`,
  );
  return (
    <time dateTime={iso} title={Number.isFinite(ms) ? dateTime(ms) : undefined} className="tabular-nums">
      {text}
    </time>
  );
}

const waiting = (d: AlertDelivery) => d.status === 'queued' || d.status === 'retrying';

function DeliveryRow({ d }: { d: AlertDelivery }) {
  const status = DELIVERY_STATUS[d.status];
  const errorTone = d.status === 'failed' ? 'text-bad' : d.status === 'retrying' ? 'text-warn' : 'text-muted';
  return (
    <tr className={d.status === 'failed' ? 'bg-bad-soft/40' : 'hover:bg-sunken/60'}>
      <td className={`${TD} min-w-36 font-medium`}>{EVENT_WORDS[d.event]}</td>
      <td className={`${TD} min-w-48 break-words`}>{d.title}</td>
      <td className={TD}>
        <Pill tone={status.tone}>{status.label}</Pill>
      </td>
      <td className={`${TD} text-right tabular-nums`}>{d.attempts}</td>
      <td className={`${TD} whitespace-nowrap text-muted`}>
        <IsoTimeAgo iso={d.createdAt} />
      </td>
      <td className={`${TD} whitespace-nowrap text-muted`}>
        <IsoTimeAgo iso={d.lastAttemptAt} never="Not yet" />
      </td>
      <td className={`${TD} whitespace-nowrap text-muted`}>
        {d.nextAttemptAt && waiting(d) ? <InTime iso={d.nextAttemptAt} /> : '—'}
      </td>
      <td className={`${TD} max-w-md min-w-56 text-xs break-words ${errorTone}`}>{d.lastError ?? ''}</td>
    </tr>
  );
}

export function Deliveries({ targetId, enabled }: { targetId: string; enabled: boolean }) {
  const headingId = useId();
  const query = useQuery({ ...alertQueries.deliveries(targetId), select: (l) => l.deliveries });
  const test = useSendTest();
  const [notice, setNotice] = useState<string | null>(null);
  const pending = query.data?.filter(waiting).length ?? 0;

  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <h3 id={headingId} className="text-base font-semibold">
          Deliveries
        </h3>
        {pending > 0 && (
          <span className="text-sm text-muted tabular-nums">
            {pending} waiting · checked every {PENDING_REFRESH_MS / 1000} s
          </span>
        )}
        <Button
          className="ml-auto"
          icon={<Send className="size-3.5" />}
          loading={test.isPending}
          onClick={() => {
            setNotice(null);
            test.mutate(targetId, {
              onSuccess: () =>
                setNotice(
                  enabled
                    ? 'Test message queued; it goes out at once.'
                    : 'Test message queued; it goes out at once, though the target is disabled.',
                ),
            });
          }}
        >
          Send test
        </Button>
      </div>
      <p role="status" className="text-sm text-ok empty:hidden">
        {notice ?? ''}
      </p>
      {test.error && <FormError>Could not send a test: {test.error.message}</FormError>}
      <RefreshFailed query={query} />
      <ListState
        query={query}
        what="the deliveries"
        empty="Nothing sent yet. Send a test to check that the target works."
      >
        {(items) => (
          <DataTable label="Deliveries" columns={COLUMNS} minWidth="64rem">
            {items.map((d) => (
              <DeliveryRow key={d.id} d={d} />
            ))}
          </DataTable>
        )}
      </ListState>
    </section>
  );
}
