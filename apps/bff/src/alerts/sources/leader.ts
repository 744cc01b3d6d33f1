// leader_changed: with several servers, this server took over the leader's duties from another. Told by the new
// leader, once per term: for the term under way when this source starts (it starts as a leader duty, after the
// lease was gained) and for each later gain.
//
// Not a change: the first leader of a fresh database (nobody held the lease), and the same server again (its name:
// restarted, or it got the lease back after losing it). Without several servers, never.
import { serverOf, type LeaderLease } from '../../cluster/lease';
import type { AlertSink } from '../types';

export interface LeaderSourceDeps {
  /** Null: one server. */
  cluster: { serverName: string; lease: Pick<LeaderLease, 'on' | 'epoch' | 'previousHolder'> } | null;
  now: () => number;
}

export function watchLeader(deps: LeaderSourceDeps, sink: AlertSink): () => void {
  const cluster = deps.cluster;
  if (cluster === null) return () => undefined;
  const me = cluster.serverName;
  let toldEpoch: number | null = null;

  const gained = (epoch: number, previous: string | null) => {
    if (previous === null || epoch === toldEpoch) return;
    const before = serverOf(previous);
    if (before === me) return;
    toldEpoch = epoch;
    sink({
      event: 'leader_changed',
      at: deps.now(),
      title: `${me} took over from ${before}`,
      text:
        `The Powerdeck server ${me} now leads: it polls VergeOS, runs operations and schedules and sends alerts. ` +
        `${before} led before (it stopped, or could not renew its lease in time).`,
      server: me,
    });
  };

  const epoch = cluster.lease.epoch();
  if (epoch !== null) gained(epoch, cluster.lease.previousHolder());
  return cluster.lease.on((e) => {
    if (e.kind === 'gained') gained(e.epoch, e.previous);
  });
}
