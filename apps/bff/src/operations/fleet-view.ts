// What the engine reads of the fleet: the fleet poller's latest snapshot, indexed by VM key once per snapshot. The
// engine makes no VergeOS reads of its own for watching (one snapshot serves every operation).
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { FleetPoller, FleetState } from '../fleet/types';

export class FleetView {
  private index: { state: FleetState; byKey: Map<number, FleetVm> } | null = null;

  constructor(readonly poller: FleetPoller) {}

  /** Whether a snapshot was read from VergeOS yet. */
  loaded(): boolean {
    return this.poller.lastSuccessAt() !== null;
  }

  /** Whether a snapshot is read within `waitMs` (at once when there is one already). */
  async whenLoaded(waitMs: number): Promise<boolean> {
    if (this.loaded()) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(this.loaded());
      }, waitMs);
      timer.unref();
      const unsubscribe = this.poller.subscribe((state) => {
        if (state.snapshot.fetchedAt === null) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(true);
      });
    });
  }

  /** A snapshot's VMs by key (default: the current snapshot's). */
  byKey(state: FleetState = this.poller.current()): Map<number, FleetVm> {
    if (this.index?.state !== state) {
      this.index = { state, byKey: new Map(state.snapshot.vms.map((v) => [v.key, v])) };
    }
    return this.index.byKey;
  }

  /** One VM in the last snapshot; undefined when there is no snapshot yet or the VM is not in it. */
  vm(key: number): FleetVm | undefined {
    if (!this.loaded()) return undefined;
    return this.byKey().get(key);
  }

  /** How many polls the poller has made (a snapshot from a later poll than a step's answer reflects the step). */
  polls(): number {
    return this.poller.status().polls;
  }
}
