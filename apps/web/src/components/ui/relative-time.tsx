// Times as people read them: relative ("3 min ago", "up 2 d 4 h") with the absolute time on hover, in tabular
// figures. Each reads the shared clock through a selector, so it re-renders when its own text changes, alone.
import { useNowSelector } from '../../lib/clock';
import { ago, dateTime, duration, uptime } from '../../lib/format';

interface Props {
  className?: string;
}

/** "12 s ago" for an epoch-ms time. */
export function TimeAgo({ ms, prefix = '', className }: Props & { ms: number; prefix?: string }) {
  const text = useNowSelector((now) => ago(ms, now));
  return (
    <time
      dateTime={new Date(ms).toISOString()}
      title={dateTime(ms)}
      className={`tabular-nums ${className ?? ''}`}
    >
      {prefix}
      {text}
    </time>
  );
}

/** How long since an epoch-ms time: "12 s", "3 min 4 s". */
export function Elapsed({ since, className }: Props & { since: number }) {
  const text = useNowSelector((now) => duration((now - since) / 1000));
  return (
    <span title={`since ${dateTime(since)}`} className={`tabular-nums ${className ?? ''}`}>
      {text}
    </span>
  );
}

/** "up 3 d 4 h" from a start in epoch seconds. */
export function Uptime({ started, className }: Props & { started: number }) {
  const text = useNowSelector((now) => uptime(started, now));
  return (
    <span title={`up since ${dateTime(started * 1000)}`} className={`tabular-nums ${className ?? ''}`}>
      up {text}
    </span>
  );
}
