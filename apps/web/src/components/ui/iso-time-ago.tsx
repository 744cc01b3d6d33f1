// An ISO 8601 time from the server, shown as `TimeAgo` ("3 min ago", the absolute time on hover); a value that is
// not a time is shown as it came, and a missing one as `never`.
import { TimeAgo } from './relative-time';

export function IsoTimeAgo({ iso, never = '' }: { iso: string | null; never?: string }) {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? <TimeAgo ms={ms} /> : <>{iso ?? never}</>;
}
