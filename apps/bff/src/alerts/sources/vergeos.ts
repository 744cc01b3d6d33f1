// vergeos_unreachable and vergeos_back, from the fleet's state as every page sees it (`app.fleet.current()`: the
// poller with one server, the leader's shared snapshot with several). Polls failing keep the last data, marked
// stale since VergeOS last answered (`staleSince`; before any answer, since the poller started) with the reason in
// words (fleet/failure.ts: never a credential).
//
// - Once VergeOS has not answered for `unreachableAfterMs`: one vergeos_unreachable (since when, the last error).
//   Looked at on every change of the state and every `checkEveryMs` (failures in a row change nothing to look at).
// - The first state that is live again after it: one vergeos_back, saying for how long.
// - Not VergeOS's doing, so neither: a snapshot waiting for its first poll, and with several servers one marked
//   stale because no server has polled lately (SILENT_REASON: the leader changing).
// - At start (this server just became the leader, or started), an outage already past the threshold is taken as
//   told (by the previous leader, or before this start): not told again, but its end is (the dispatcher sends a
//   "back" only where the "unreachable" was sent).
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { SILENT_REASON } from '../../cluster/shared-fleet';
import type { FleetPoller } from '../../fleet/types';
import type { AlertSink } from '../types';
import { durationWords, utcMinute } from './words';

export interface VergeosSourceDeps {
  fleet: Pick<FleetPoller, 'current' | 'subscribe' | 'lastSuccessAt'>;
  unreachableAfterMs: number;
  now: () => number;
  checkEveryMs: number;
}

/** Since when VergeOS has not answered, and the last error; null while it answers (or nobody knows yet). */
function failing(snapshot: FleetSnapshot): { since: number; reason: string } | null {
  if (!snapshot.stale || snapshot.staleSince === null || snapshot.staleReason === SILENT_REASON) return null;
  const since = Date.parse(snapshot.staleSince);
  if (!Number.isFinite(since)) return null;
  // While backing off the poller adds when it tries next: out of date by the time anyone reads the alert.
  const reason = (snapshot.staleReason ?? 'no reason given').replace(/; retrying in [^;]*$/, '');
  return { since, reason };
}

/** The data is live: the last poll succeeded. */
const live = (snapshot: FleetSnapshot) => !snapshot.stale && snapshot.fetchedAt !== null;

export function watchVergeos(deps: VergeosSourceDeps, sink: AlertSink): () => void {
  if (!(deps.unreachableAfterMs > 0)) throw new RangeError('unreachableAfterMs must be above 0');
  /** The outage told (or taken as told at start): since when VergeOS had not answered. */
  let told: { since: number } | null = null;
  let stopped = false;

  const look = () => {
    if (stopped) return;
    const snapshot = deps.fleet.current().snapshot;
    if (live(snapshot)) {
      if (told === null) return;
      const since = told.since;
      told = null;
      const at = deps.now();
      sink({
        event: 'vergeos_back',
        at,
        title: `VergeOS answers again after ${durationWords(at - since)}`,
        text: `It had not answered since ${utcMinute(since)}. The fleet's data is live again.`,
        path: '/',
      });
      return;
    }
    const f = failing(snapshot);
    if (f === null || told !== null) return;
    const at = deps.now();
    if (at - f.since < deps.unreachableAfterMs) return;
    told = { since: f.since };
    const answered = deps.fleet.lastSuccessAt() !== null;
    sink({
      event: 'vergeos_unreachable',
      at,
      title: `VergeOS has not answered for ${durationWords(at - f.since)}`,
      text: [
        answered
          ? `No fleet poll has succeeded since ${utcMinute(f.since)}.`
          : `No fleet poll has succeeded since Powerdeck started polling at ${utcMinute(f.since)}.`,
        `Last error: ${f.reason}.`,
        'The wall and the fleet view show the last data, marked stale; power actions may fail until VergeOS answers.',
      ].join('\n'),
      path: '/',
    });
  };

  // Baseline: an outage already past the threshold at start was told before.
  const atStart = failing(deps.fleet.current().snapshot);
  if (atStart !== null && deps.now() - atStart.since >= deps.unreachableAfterMs)
    told = { since: atStart.since };

  const off = deps.fleet.subscribe(() => look());
  const timer = setInterval(look, deps.checkEveryMs);
  timer.unref();
  return () => {
    stopped = true;
    off();
    clearInterval(timer);
  };
}
