// The wall's freshness and totals: the big numbers, "updated N s ago" (always on screen), the page on screen when
// paging, and the STALE alert that takes over the screen when the data is old. Each reads the shared clock through
// a selector, so the once-a-second tick re-renders one short text, not the tiles.
import type { LucideIcon } from 'lucide-react';
import { useNowSelector } from '../../../lib/clock';
import { ago, clockTime, count, dateTime } from '../../../lib/format';
import { DOWN_UNEXPECTEDLY, STATUS } from '../../../lib/status';
import type { WallFreshness } from '../lib/freshness';
import { pageIndexAt, secondsToNextPage } from '../lib/pages';
import type { WallTotals } from '../lib/totals';

interface Total {
  label: string;
  value: number;
  icon: LucideIcon;
  /** The number's colour (AAA on the wall's background at this size). */
  tone: string;
}

function totalsOf(t: WallTotals): Total[] {
  return [
    { label: 'Running', value: t.running, icon: STATUS.running.icon, tone: 'text-ok' },
    { label: 'Stopped', value: t.stopped, icon: STATUS.stopped.icon, tone: 'text-ink' },
    { label: 'Changing', value: t.changing, icon: STATUS.starting.icon, tone: 'text-accent' },
    { label: 'Needs attention', value: t.attention, icon: STATUS.error.icon, tone: 'text-bad' },
    { label: DOWN_UNEXPECTEDLY.label, value: t.down, icon: DOWN_UNEXPECTEDLY.icon, tone: 'text-warn' },
  ];
}

export function WallTotalsList({ totals }: { totals: WallTotals }) {
  return (
    <ul role="list" aria-label="Fleet totals" className="flex flex-wrap items-end gap-x-10 gap-y-2">
      {totalsOf(totals).map(({ label, value, icon: Icon, tone }) => (
        <li key={label} aria-label={`${label} ${value}`} className="flex items-center gap-3">
          <Icon
            aria-hidden="true"
            className={`size-[clamp(2rem,4vh,6rem)] shrink-0 ${value > 0 ? tone : 'text-muted'}`}
            strokeWidth={2.5}
          />
          <span className="flex flex-col leading-none">
            <span
              className={`text-wall-huge font-bold tabular-nums ${value > 0 ? tone : 'text-muted'}`}
              aria-hidden="true"
            >
              {count(value)}
            </span>
            <span className="mt-1 text-wall-small font-medium text-ink" aria-hidden="true">
              {label}
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * "updated 4 s ago at 10:42:07" (or "waiting for data"), ticking: the age of the data, counted from VergeOS's last
 * answer to the BFF's poll (the exact moment in the `<time>` element's `dateTime`).
 */
export function UpdatedAgo({ asOf, stale }: { asOf: number | null; stale: boolean }) {
  const text = useNowSelector((now) => (asOf === null ? 'waiting for data' : `updated ${ago(asOf, now)}`));
  return (
    <p className={`text-wall-large font-semibold tabular-nums ${stale ? 'text-bad' : 'text-ink'}`}>
      {text}
      {asOf !== null && ' '}
      {asOf !== null && (
        <span className="ml-1 text-wall-small font-medium text-muted">
          at{' '}
          <time dateTime={new Date(asOf).toISOString()} title={`Fleet data as of ${dateTime(asOf)}`}>
            {clockTime(asOf)}
          </time>
        </span>
      )}
    </p>
  );
}

/** "Page 2 of 3 · next in 12 s", when the fleet needs more than one page. */
export function PageIndicator({ pages, cycleS }: { pages: number; cycleS: number }) {
  const index = useNowSelector((now) => pageIndexAt(now, cycleS, pages));
  const next = useNowSelector((now) => secondsToNextPage(now, cycleS));
  return (
    <p className="text-wall-small font-medium text-ink tabular-nums">
      Page {index + 1} of {pages} <span className="text-muted">· next in {next} s</span>
    </p>
  );
}

/** The whole screen says STALE: a full-width alert, and a frame around the page (the caller draws the frame). */
export function StaleAlert({ freshness }: { freshness: WallFreshness }) {
  return (
    <div role="alert" className="flex flex-wrap items-baseline gap-x-6 gap-y-1 bg-bad px-6 py-3 text-wall">
      <span className="text-wall-huge leading-none font-black tracking-wider">STALE</span>
      <span className="text-wall-large font-semibold">
        Data is out of date
        {freshness.since !== null && (
          <span className="tabular-nums"> since {clockTime(freshness.since)}</span>
        )}
      </span>
      {freshness.reason && <span className="text-wall-medium font-medium">{freshness.reason}</span>}
    </div>
  );
}
