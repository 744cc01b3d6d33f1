// The one message that the data on screen is out of date: why, and since when. The last data stays on screen
// under it; the banner goes away by itself when a refresh succeeds.
import { TriangleAlert } from 'lucide-react';
import { clockTime, dateTime } from '../../../lib/format';
import type { FleetHealth } from '../api/fleet-health';

export function StaleBanner({ health }: { health: FleetHealth }) {
  if (!health.stale) return null;
  return (
    <div
      role="alert"
      className="flex items-start gap-3 rounded-lg border border-warn/50 bg-warn-soft px-4 py-3 text-sm text-ink"
    >
      <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-warn" strokeWidth={2.25} />
      <p>
        <strong className="font-semibold">Data is out of date</strong>
        {health.reason && <>: {health.reason}</>}
        {health.since !== null && (
          <>
            , since{' '}
            <time
              className="tabular-nums"
              dateTime={new Date(health.since).toISOString()}
              title={dateTime(health.since)}
            >
              {clockTime(health.since)}
            </time>
          </>
        )}
        . <span className="text-muted">The cards show the last known state.</span>
      </p>
    </div>
  );
}
