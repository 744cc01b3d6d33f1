// Watching, deadlines and escalation. A VM whose step was sent is checked against each new fleet snapshot (no
// requests of its own) until it gets where the step takes it (start: running; shut down and force off: stopped;
// reboot: running again after another status was seen or its `started` changed), or a start or reboot ends in
// `error`. A timer per VM fires at its deadline: an escalating shut down is then forced off (the engine sends the
// kill), anything else fails with the reason in words. A deadline that passes before the first snapshot (just
// restarted) is decided at that snapshot.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { STEP_TIMEOUTS_S, type OperationStep } from '@powerdeck/contracts/operation-terms';
import type { FleetState } from '../fleet/types';
import type { OperationRecord, OperationVmPatch, OperationVmRecord } from '../stores/types';
import type { EngineClock } from './clock';
import type { FleetView } from './fleet-view';
import type { OpRun, VmRun } from './queue';
import type { OperationRecorder } from './recorder';
import { forceAfterOf, isUp, tierOf, timeoutOf } from './tiers';
import { deadlineWords, doneWords, errorWords } from './words';

/** Where a step takes a VM, for checking a 409 against VergeOS's own status (a reboot's "running" proves nothing). */
export const FRESH_TARGET: Partial<Record<OperationStep, string>> = {
  poweron: 'running',
  poweroff: 'stopped',
  kill: 'stopped',
};

/** How long a VM's step waits, in unscaled seconds (a plan run's VM: its tier's settings). */
export function waitS(rec: OperationRecord, vm: OperationVmRecord, step: OperationStep): number {
  switch (step) {
    case 'poweroff':
      return forceAfterOf(rec, vm) ?? timeoutOf(rec, vm);
    case 'kill':
      return rec.action === 'forceOff' ? rec.timeoutS : STEP_TIMEOUTS_S.forceOff.default;
    default:
      return timeoutOf(rec, vm);
  }
}

/**
 * Whether the VM got where its step takes it. `moved`: a reboot was seen leaving `running`. A plan tier may ask that
 * a started VM's guest agent reports too.
 */
export function reached(rec: OperationRecord, vm: OperationVmRecord, fv: FleetVm, moved: boolean): boolean {
  switch (vm.step) {
    case 'poweron':
      return isUp(rec, vm, fv);
    case 'poweroff':
    case 'kill':
      return fv.status === 'stopped';
    case 'reboot':
      return (
        fv.status === 'running' &&
        (moved || (fv.started !== null && vm.startedBefore !== null && fv.started !== vm.startedBefore))
      );
    default:
      return false;
  }
}

/** What watching asks of the engine. */
interface WatchHooks {
  /** The engine is stopping: nothing more is decided. */
  stopped(): boolean;
  /** The operations in memory. */
  running(): readonly OpRun[];
  /** A watched VM's last state (its slot freed, the next pending VM started); `why`: its deadline passed. */
  end(
    op: OpRun,
    vm: VmRun,
    state: 'done' | 'failed',
    detail: string,
    extra: OperationVmPatch,
    why?: 'timeout',
  ): Promise<void>;
  /** The deadline of an escalating shut down passed: force the VM off, in the owner's name. */
  escalate(op: OpRun, vm: VmRun): Promise<void>;
}

export class Watcher {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly fleet: FleetView,
    private readonly clock: EngineClock,
    private readonly recorder: OperationRecorder,
    private readonly hooks: WatchHooks,
  ) {}

  /** Follows the fleet's snapshots (only while operations run: an idle engine costs the poller nothing). */
  follow(): void {
    if (!this.hooks.stopped())
      this.unsubscribe ??= this.fleet.poller.subscribe((state) => this.onFleet(state));
  }

  unfollow(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Sets (or re-sets) a VM's deadline timer from its stored deadline. */
  arm(op: OpRun, vm: VmRun): void {
    this.clear(vm);
    if (this.hooks.stopped() || vm.rec.deadline === null) return;
    vm.timer = setTimeout(() => {
      vm.timer = null;
      this.onDeadline(op, vm);
    }, this.clock.msUntil(vm.rec.deadline));
    vm.timer.unref();
  }

  clear(vm: VmRun): void {
    if (vm.timer) clearTimeout(vm.timer);
    vm.timer = null;
  }

  /** Checks one VM against the last snapshot, if there is one (its step was just answered). */
  check(op: OpRun, vm: VmRun): void {
    if (this.fleet.loaded()) this.evaluate(op, vm, this.fleet.byKey());
  }

  /** Checks every watched VM against a snapshot, and decides the deadlines that passed before the first one. */
  onFleet(state: FleetState): void {
    if (this.hooks.stopped() || state.snapshot.fetchedAt === null) return;
    const byKey = this.fleet.byKey(state);
    for (const op of this.hooks.running()) {
      for (const vm of op.vms.values()) {
        if (vm.rec.state !== 'active' || vm.busy) continue;
        this.evaluate(op, vm, byKey);
        if (vm.deadlineDue && vm.rec.state === 'active') {
          vm.deadlineDue = false;
          this.onDeadline(op, vm);
        }
      }
    }
  }

  /** Checks one watched VM against a snapshot: done, failed (an error status), or still on its way. */
  private evaluate(op: OpRun, vm: VmRun, byKey: Map<number, FleetVm>): void {
    if (this.hooks.stopped() || vm.busy || vm.rec.state !== 'active' || vm.rec.stepPhase !== 'sent') return;
    const fv = byKey.get(vm.rec.key);
    if (!fv) return;
    const fresh = this.fleet.polls() > vm.pollsAtSend;
    const patch: OperationVmPatch = {};
    if (fv.status !== vm.rec.status) patch.status = fv.status;
    if (!vm.rec.moved && vm.rec.step === 'reboot' && fv.status !== 'running') patch.moved = true;
    const moved = patch.moved ?? vm.rec.moved;
    if (reached(op.rec, vm.rec, fv, moved)) {
      void this.hooks.end(op, vm, 'done', doneWords(vm.rec, this.clock.secondsSince(vm.rec.stepAt)), patch);
      return;
    }
    if (fresh && fv.status === 'error' && (vm.rec.step === 'poweron' || vm.rec.step === 'reboot')) {
      void this.hooks.end(op, vm, 'failed', errorWords(vm.rec.step, fv.statusInfo.trim()), patch);
      return;
    }
    if (patch.status !== undefined || patch.moved !== undefined) {
      Object.assign(vm.rec, patch);
      this.recorder.persist(op.rec, { vms: [{ key: vm.rec.key, patch }] });
      this.recorder.markDirty(op.rec);
    }
  }

  private onDeadline(op: OpRun, vm: VmRun): void {
    if (this.hooks.stopped() || vm.busy || vm.rec.state !== 'active') return;
    if (!this.fleet.loaded()) {
      // No snapshot yet (just restarted): decide at the first one.
      vm.deadlineDue = true;
      return;
    }
    const byKey = this.fleet.byKey();
    this.evaluate(op, vm, byKey);
    if (vm.rec.state !== 'active') return;
    if (vm.rec.step === 'poweroff' && forceAfterOf(op.rec, vm.rec) !== null && op.rec.status === 'running') {
      void this.hooks.escalate(op, vm);
      return;
    }
    const s = waitS(op.rec, vm.rec, vm.rec.step ?? 'poweron');
    const fv = byKey.get(vm.rec.key);
    const extra = fv && fv.status !== vm.rec.status ? { status: fv.status } : {};
    const agent = tierOf(op.rec, vm.rec)?.upWhen === 'agent';
    void this.hooks.end(op, vm, 'failed', deadlineWords(vm.rec, s, fv, vm.noAnswer, agent), extra, 'timeout');
  }
}
