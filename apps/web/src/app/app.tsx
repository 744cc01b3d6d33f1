import { useQuery } from '@tanstack/react-query';
import { fleetQueries } from '../features/fleet/api/fleet-queries';
import { FleetTable } from '../features/fleet/components/fleet-table';
import { ago } from '../lib/format';
import { useNow } from '../lib/use-now';

export function App() {
  const now = useNow();
  const meta = useQuery(fleetQueries.meta());
  const fleet = useQuery(fleetQueries.snapshot());
  const snap = fleet.data;
  const fetchedAt = snap?.fetchedAt ? Date.parse(snap.fetchedAt) : null;

  return (
    <div className="min-h-dvh">
      <header className="border-b border-line bg-panel">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
          <h1 className="text-lg font-semibold tracking-tight">Powerdeck</h1>
          {meta.data?.demo && (
            <span className="rounded-full bg-warn/15 px-2.5 py-0.5 text-xs font-medium text-warn ring-1 ring-inset ring-warn/30">
              Demo against a simulated VergeOS
            </span>
          )}
          <span className="ml-auto text-sm tabular-nums text-muted" title={snap?.fetchedAt ?? undefined}>
            {fetchedAt ? `updated ${ago(fetchedAt, now)}` : 'waiting for data'}
          </span>
        </div>
      </header>
      <main className="mx-auto max-w-6xl space-y-4 px-4 py-6">
        {snap?.stale && (
          <div role="status" className="rounded-lg border border-warn/40 bg-warn/10 px-4 py-3 text-sm">
            <strong className="font-semibold">Data may be out of date.</strong> {snap.staleReason}
            {snap.staleSince && ` (since ${new Date(snap.staleSince).toLocaleTimeString()})`}
          </div>
        )}
        {fleet.isPending && <p className="text-muted">Loading the fleet…</p>}
        {fleet.isError && !snap && (
          <p role="alert" className="text-bad">
            Cannot load the fleet: {fleet.error.message}
          </p>
        )}
        {snap && <FleetTable vms={snap.vms} now={now} />}
      </main>
    </div>
  );
}
