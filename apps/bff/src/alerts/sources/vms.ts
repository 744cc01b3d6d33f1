// vm_down and vm_back: a VM down unexpectedly, and the same VM running again.
//
// - vm_down is the wall's own decision (fleet/stops.ts): this server's tracker tells `onStop` once for each stop it
//   decides nobody made through Powerdeck. Stops decided before this source started (another leader's, or listed
//   when it starts) are not told again.
// - vm_back: a VM this source told down, or one listed down unexpectedly when it started (the previous leader may
//   have told it: the dispatcher sends "back" only where the "down" was sent), is `running` in a later snapshot.
//   Running, not merely starting (the wall already drops it from its list then): a start that ends in error again
//   is a new stop, and "back up" would have been wrong. Each snapshot is looked at once the tracker has handled it,
//   so a VM that stopped and came back between two looks is told down, then back.
import type { FleetSnapshot, FleetVm } from '@powerdeck/contracts/fleet';
import { isPowerStatus, type PowerStatus } from '@powerdeck/contracts/power-terms';
import type { FleetStopTracker, StopList } from '../../fleet/stops';
import type { FleetPoller } from '../../fleet/types';
import type { AlertSink, AlertVm } from '../types';
import { durationWords, utcMinute } from './words';

export interface VmSourceDeps {
  fleet: Pick<FleetPoller, 'current' | 'subscribe'>;
  /** This server's tracker: its own decisions. */
  tracker: Pick<FleetStopTracker, 'onStop' | 'settled'>;
  /** The list the wall shows (with several servers, the leader's stored one): what is down at start. */
  stops: Pick<StopList, 'list'>;
  now: () => number;
}

interface Down {
  atMs: number;
  status: PowerStatus;
}

export const vmPath = (key: number): string => `/vms/${key}`;

export function watchVms(deps: VmSourceDeps, sink: AlertSink): () => void {
  /** VMs down unexpectedly, as far as this source knows (bounded by the fleet: pruned at every snapshot). */
  const down = new Map<number, Down>();
  /** The node each VM last ran on (a stopped VM's snapshot may no longer name it). */
  const lastNode = new Map<number, string>();
  let stopped = false;

  const noteNodes = (snapshot: FleetSnapshot) => {
    const keys = new Set<number>();
    for (const vm of snapshot.vms) {
      keys.add(vm.key);
      if (vm.nodeName !== null) lastNode.set(vm.key, vm.nodeName);
    }
    if (snapshot.fetchedAt === null) return;
    for (const key of lastNode.keys()) if (!keys.has(key)) lastNode.delete(key);
  };

  for (const s of deps.stops.list()) {
    if (s.by === null) {
      down.set(s.key, { atMs: Date.parse(s.at), status: isPowerStatus(s.status) ? s.status : 'stopped' });
    }
  }
  noteNodes(deps.fleet.current().snapshot);

  const alertVm = (vm: FleetVm, status: PowerStatus): AlertVm => ({
    key: vm.key,
    name: vm.name,
    status,
    node: vm.nodeName ?? lastNode.get(vm.key) ?? null,
  });

  const offStop = deps.tracker.onStop((stop, vm) => {
    down.set(stop.key, { atMs: stop.atMs, status: stop.status });
    const subject = alertVm(vm, stop.status);
    const lines = [
      `${vm.name} ${stop.status === 'error' ? 'went into error' : 'stopped'} at ${utcMinute(stop.atMs)}` +
        (subject.node ? `; it was running on ${subject.node}.` : '.'),
      'Nobody stopped it through Powerdeck.',
    ];
    if (vm.statusInfo.trim() !== '') lines.push(`VergeOS says: ${vm.statusInfo.trim()}`);
    sink({
      event: 'vm_down',
      at: stop.atMs,
      title: `VM ${vm.name} is down unexpectedly (${stop.status})`,
      text: lines.join('\n'),
      vm: subject,
      path: vmPath(vm.key),
    });
  });

  const lookForBack = (snapshot: FleetSnapshot) => {
    if (stopped || down.size === 0 || snapshot.fetchedAt === null) return;
    const keys = new Set<number>();
    for (const vm of snapshot.vms) {
      keys.add(vm.key);
      const was = down.get(vm.key);
      if (was === undefined || vm.status !== 'running') continue;
      down.delete(vm.key);
      const at = deps.now();
      const subject = alertVm(vm, vm.status);
      sink({
        event: 'vm_back',
        at,
        title: `VM ${vm.name} is back up (${vm.status})`,
        text:
          `${vm.name} went down unexpectedly at ${utcMinute(was.atMs)} (${was.status}) and is ${vm.status} again` +
          `${subject.node ? ` on ${subject.node}` : ''}, after ${durationWords(at - was.atMs)}.`,
        vm: subject,
        path: vmPath(vm.key),
      });
    }
    // A VM that left the fleet will not come back.
    for (const key of down.keys()) if (!keys.has(key)) down.delete(key);
  };

  let chain: Promise<void> = Promise.resolve();
  const offFleet = deps.fleet.subscribe((state) => {
    noteNodes(state.snapshot);
    chain = chain
      .then(() => deps.tracker.settled())
      .then(() => lookForBack(state.snapshot))
      // settled() never rejects and the sink never throws (index.ts guards it): nothing to lose here.
      .catch(() => undefined);
  });

  return () => {
    stopped = true;
    offStop();
    offFleet();
  };
}
