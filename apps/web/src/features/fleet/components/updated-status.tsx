// "updated 3 s ago" for the header: how fresh the data on screen is (the absolute time on hover, and with several
// servers the one that answered), in the warning colour while it is out of date.
import { useAnsweredBy } from '../../../lib/answered-by';
import { useNowSelector } from '../../../lib/clock';
import { ago, dateTime } from '../../../lib/format';

export function UpdatedStatus({
  asOf,
  stale,
  className,
}: {
  /** Epoch ms the data on screen is current as of; null before the first data. */
  asOf: number | null;
  stale: boolean;
  className?: string;
}) {
  const text = useNowSelector((now) => (asOf === null ? 'waiting for data' : `updated ${ago(asOf, now)}`));
  // Several servers: which one answered, for support (on hover only).
  const server = useAnsweredBy();
  const by = server ? ` · answered by ${server}` : '';
  return (
    // A status role (the e2e suite and assistive technology find it), not announced every second.
    <p
      role="status"
      aria-live="off"
      className={`text-sm tabular-nums ${stale ? 'font-medium text-warn' : 'text-muted'} ${className ?? ''}`}
    >
      {asOf === null ? (
        text
      ) : (
        <time dateTime={new Date(asOf).toISOString()} title={`Fleet data as of ${dateTime(asOf)}${by}`}>
          {text}
        </time>
      )}
    </p>
  );
}
