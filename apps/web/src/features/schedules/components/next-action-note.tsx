// A VM's next scheduled action, on its card and its page: "Shut down at 19:00 · Office hours" in the viewer's own
// zone (the date added when not today), muted and small so the card does not wrap; for those who may skip runs, a
// "skip" button that asks why and skips that schedule's run at that time. Small DOM: one line, one button.
import type { NextAction } from '@powerdeck/contracts/schedules';
import { useState } from 'react';
import { useNowSelector } from '../../../lib/clock';
import { useSkipRun } from '../api/schedule-mutations';
import { nextActionText } from '../lib/words';
import { viewerZone, zonedDateTime } from '../lib/zones';
import { ReasonDialog } from './reason-dialog';

/** Re-reads the day once a minute (for "today" and "tomorrow"), not every second. */
const minute = (now: number) => Math.floor(now / 60_000) * 60_000;

export function NextActionNote({
  action,
  canSkip,
  className = '',
}: {
  action: NextAction;
  canSkip: boolean;
  className?: string;
}) {
  const [asking, setAsking] = useState(false);
  const skip = useSkipRun();
  const zone = viewerZone();
  const text = useNowSelector((now) => nextActionText(action, minute(now), zone));
  const at = zonedDateTime(Date.parse(action.at), zone);
  return (
    <>
      <p
        className={`flex min-w-0 items-center gap-1.5 text-xs leading-5 text-muted tabular-nums ${className}`}
      >
        <span className="truncate" title={`Next scheduled: ${at} (${zone})`}>
          {text}
        </span>
        {canSkip && (
          <button
            type="button"
            onClick={() => setAsking(true)}
            aria-label={`Skip ${action.scheduleName} at ${at}`}
            className="shrink-0 rounded-sm font-medium text-accent hover:underline focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-accent"
          >
            skip
          </button>
        )}
      </p>
      {asking && (
        <ReasonDialog
          title={`Skip “${action.scheduleName}” at ${at}?`}
          description="Only this run is skipped; the schedule runs again at its next time. Recorded in the audit log."
          confirmLabel="Skip run"
          onConfirm={(reason) => skip.mutateAsync({ id: action.scheduleId, at: action.at, reason })}
          onClose={() => setAsking(false)}
        />
      )}
    </>
  );
}
