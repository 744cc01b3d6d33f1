// The schedule form's preview (POST /api/schedules/preview, nothing stored): the next runs in the schedule's zone
// and, side by side, in the viewer's; excluded and skipped runs marked; what the action would free or need
// (capacity.summary). A draft the server refuses (a bad cron expression, an unknown zone) shows its message here.
import type { Preview } from '@powerdeck/contracts/schedules';
import { plural } from '../../../lib/format';
import { viewerZone, zonedDateTime } from '../lib/zones';

const CELL = 'py-0.5 pr-3 whitespace-nowrap';

export function SchedulePreview({
  preview,
  error,
  incomplete,
  busy,
}: {
  preview: Preview | undefined;
  error: Error | null;
  /** The draft has no targets or no time yet. */
  incomplete: boolean;
  /** A newer answer is on its way (the one shown may be for an older draft). */
  busy: boolean;
}) {
  const mine = viewerZone();
  let body;
  if (incomplete) {
    body = <p className="text-muted">Choose the targets and when it runs to see its next runs.</p>;
  } else if (error) {
    body = <p className="rounded-md bg-bad-soft px-3 py-2 text-bad">{error.message}</p>;
  } else if (!preview) {
    body = <p className="text-muted">Working out the next runs…</p>;
  } else {
    body = (
      <>
        {preview.upcoming.length === 0 ? (
          <p className="text-muted">It would not run again.</p>
        ) : (
          <table aria-label="Next runs" className="w-full text-left tabular-nums">
            <thead className="text-xs text-muted">
              <tr>
                <th scope="col" className="py-1 pr-3 font-medium">
                  {preview.timeZone}
                </th>
                <th scope="col" className="py-1 pr-3 font-medium">
                  Your time ({mine})
                </th>
                <th scope="col" className="py-1 font-medium">
                  <span className="sr-only">Note</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {preview.upcoming.map((run) => {
                const ms = Date.parse(run.at);
                const off = run.excluded || run.skipped;
                return (
                  <tr key={run.at} className={off ? 'text-muted' : ''}>
                    <td className={`${CELL} ${off ? 'line-through' : ''}`}>
                      {zonedDateTime(ms, preview.timeZone)}
                    </td>
                    <td className={`${CELL} ${off ? 'line-through' : ''}`}>{zonedDateTime(ms, mine)}</td>
                    <td className="py-0.5 text-xs">
                      {run.excluded ? 'excluded date' : run.skipped ? 'skipped' : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p className="text-muted">
          {plural(preview.capacity.vms, 'VM')} now · {preview.capacity.summary}
        </p>
      </>
    );
  }
  return (
    <section
      aria-label="Preview"
      aria-busy={busy || undefined}
      className="space-y-2 rounded-md border border-line bg-surface px-3 py-2.5 text-sm"
    >
      <h3 className="text-sm font-medium">Next runs</h3>
      <div aria-live="polite" className="space-y-2">
        {body}
      </div>
    </section>
  );
}
