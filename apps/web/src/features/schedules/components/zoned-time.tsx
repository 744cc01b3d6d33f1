// A run's time as the schedules show it: absolute in the schedule's zone ("Mon 2026-12-07 19:00"), then relative
// ("in 3 h", ticking on the shared clock), with the viewer's own time on hover. Tabular figures.
import { useNowSelector } from '../../../lib/clock';
import { relativeTo, viewerZone, zonedDateTime } from '../lib/zones';

export function ZonedTime({ iso, zone, relative = true }: { iso: string; zone: string; relative?: boolean }) {
  const ms = Date.parse(iso);
  const rel = useNowSelector((now) => (relative && Number.isFinite(ms) ? relativeTo(ms, now) : ''));
  if (!Number.isFinite(ms)) return <span>{iso}</span>;
  const mine = viewerZone();
  return (
    <time dateTime={iso} title={`Your time: ${zonedDateTime(ms, mine)} (${mine})`} className="tabular-nums">
      {zonedDateTime(ms, zone)}
      {rel && <span className="text-muted"> · {rel}</span>}
    </time>
  );
}
