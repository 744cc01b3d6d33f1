// The operation engine: runs long power actions on the server ("shut down, wait up to T, then force off", a reboot
// watched until the VM is back, a bulk action over many VMs), stores every change (they survive a restart) and
// publishes each operation's progress to subscribers (the event stream).
//
// Per VM: pending -> active (a step was sent, or is being sent, and the VM is watched) -> done | failed | cancelled;
// skipped when the action did not apply to its status at creation (nothing is ever sent to it).
//
// A step is sent at most once per VM, even across a crash:
//   1. the audit log's `requested` row is written (on disk);
//   2. the VM's step is recorded as `sending` ("about to send X": on disk);
//   3. the request goes to VergeOS through the typed client (never retried);
//   4. the answer is recorded: the audit outcome row, and the step as `sent`.
// After a crash between 2 and 4 the step may or may not have reached VergeOS; the engine resumes by watching the VM
// (deadline kept from the stored times) and never sends that step again. A crash between 1 and 2 leaves a
// `requested` row with no outcome and the step not recorded: it is sent after the restart (VergeOS never got it).
//
// Watching reads the fleet poller's snapshot (no requests of its own): each new snapshot is checked against the
// active VMs, and a timer per VM fires at its deadline. At most `parallelism` VMs of an operation are active at once.
import { randomUUID } from 'node:crypto';
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Operation, OperationCounts, OperationVm } from '@powerdeck/contracts/operations';
import {
  actionApplies,
  PARALLELISM,
  STEP_TIMEOUTS_S,
  type OperationAction,
  type OperationStep,
} from '@powerdeck/contracts/operation-terms';
import type { PowerStatus } from '@powerdeck/contracts/power';
import { VergeApiError, VergeTimeoutError, type VergeClient } from '@powerdeck/vergeos-client';
import { auditActor, outcomeOf, type Requester } from '../audit-fields';
import type { PollerLog } from '../fleet/poller';
import type { FleetPoller, FleetState } from '../fleet/types';
import type {
  AuditInput,
  AuditStore,
  OperationRecord,
  OperationStore,
  OperationVmPatch,
  OperationVmRecord,
} from '../stores/types';

export interface NewOperation {
  action: OperationAction;
  vms: readonly number[];
  forceAfterS: number | null;
  /** Default: STEP_TIMEOUTS_S[action].default. */
  timeoutS?: number | undefined;
  /** Default: the engine's. */
  parallelism?: number | undefined;
  reason: string | null;
}

/** Where a step takes a VM, for checking a 409 against VergeOS's own status (a reboot's "running" proves nothing). */
const FRESH_TARGET: Partial<Record<OperationStep, string>> = {
  poweron: 'running',
  poweroff: 'stopped',
  kill: 'stopped',
};

export type OperationErrorCode = 'not_found' | 'conflict' | 'unavailable' | 'invalid';

/** A request the engine refuses; the routes turn it into 404, 409, 503 or 400. */
export class OperationError extends Error {
  override name = 'OperationError';
  constructor(
    readonly code: OperationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface OperationEngineOptions {
  store: OperationStore;
  audit: AuditStore;
  fleet: FleetPoller;
  /** The typed client's actions (each sent once, never retried). */
  actions: VergeClient['actions'];
  /**
   * Reads one machine's status from VergeOS now (not from the last snapshot): what a 409 is checked against, since
   * the snapshot can be a poll behind (a guest that stops by itself just before its force off).
   */
  machineStatus?: (machineKey: number) => Promise<string>;
  log: PollerLog;
  /** VMs acted on at once when an operation does not say (PARALLELISM bounds). */
  parallelism: number;
  /**
   * Multiplies every wait (timeouts, force-off moments): 1 against a real VergeOS; the simulator's time scale against
   * a simulator whose transitions are scaled, so that waits stay in proportion. Details speak in unscaled seconds.
   */
  timeScale?: number;
  /** Epoch ms (tests). */
  now?: () => number;
  /** How long one action request may take (default 15 s, as the proxy's). */
  actionTimeoutMs?: number;
  /** Finished operations listed after the running ones (default 20). */
  recentLimit?: number;
  /** How long creating an operation waits for the first fleet snapshot (default 5 s). */
  fleetWaitMs?: number;
}

/** What each step sends to VergeOS. */
const WIRE: Readonly<
  Record<OperationStep, { action: 'poweron' | 'poweroff' | 'reset' | 'kill'; params?: { graceful: boolean } }>
> = {
  poweron: { action: 'poweron' },
  poweroff: { action: 'poweroff' },
  reboot: { action: 'reset', params: { graceful: true } },
  kill: { action: 'kill' },
};

const FIRST_STEP: Readonly<Record<OperationAction, OperationStep>> = {
  start: 'poweron',
  shutdown: 'poweroff',
  reboot: 'reboot',
  forceOff: 'kill',
};

const STEP_WORDS: Readonly<Record<OperationStep, string>> = {
  poweron: 'start',
  poweroff: 'shut down',
  reboot: 'reboot',
  kill: 'force off',
};

const ACTION_WORDS: Readonly<Record<OperationAction, string>> = {
  start: 'start',
  shutdown: 'shut down',
  reboot: 'reboot',
  forceOff: 'force off',
};

/** Why a VM is skipped at creation, in words. */
export function skipDetail(action: OperationAction, status: PowerStatus): string {
  if (action === 'start' && (status === 'running' || status === 'starting'))
    return `Skipped: already ${status}`;
  if ((action === 'shutdown' || action === 'forceOff') && (status === 'stopped' || status === 'hibernated')) {
    return `Skipped: already ${status}`;
  }
  return `Skipped: cannot ${ACTION_WORDS[action]} a VM that is ${status}`;
}

/** Who started an operation, as its record keeps them. */
function ownerFields(
  by: Requester,
): Pick<OperationRecord, 'owner' | 'ownerRole' | 'ownerAuthKind' | 'source' | 'userAgent' | 'requestId'> {
  return {
    owner: by.actor,
    ownerRole: by.role,
    ownerAuthKind: by.authKind,
    source: by.source,
    userAgent: by.userAgent,
    requestId: by.requestId,
  };
}

/** The operation's owner, as each of its steps is audited (the reverse of ownerFields). */
function ownerOf(rec: OperationRecord): Requester {
  return {
    actor: rec.owner,
    role: rec.ownerRole,
    authKind: rec.ownerAuthKind,
    source: rec.source,
    userAgent: rec.userAgent,
    requestId: rec.requestId,
  };
}

interface VmRun {
  /** The record (shared with the operation's record: one object, mutated, then persisted). */
  readonly rec: OperationVmRecord;
  timer: NodeJS.Timeout | null;
  /** A step is being sent (between recording it and recording VergeOS's answer). */
  busy: boolean;
  /** fleet.status().polls when the step's answer came: a snapshot from a later poll reflects the step. */
  pollsAtSend: number;
  /** VergeOS did not answer the step (timeout, network): the message, for the failure's words. */
  noAnswer: string | null;
  /** The deadline passed while there was no snapshot yet: handle it at the first one. */
  deadlineDue: boolean;
  /** Cancelled while its step was being sent: end it once the answer is recorded. */
  cancelAfterSend: boolean;
}

interface OpRun {
  readonly rec: OperationRecord;
  readonly vms: Map<number, VmRun>;
  /** Pending VMs, in order. */
  readonly queue: VmRun[];
  /** VMs in state `active` (being sent or watched). */
  active: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function countsOf(vms: readonly OperationVmRecord[]): OperationCounts {
  const c: OperationCounts = {
    total: vms.length,
    pending: 0,
    active: 0,
    done: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const vm of vms) c[vm.state] += 1;
  return c;
}

/** The contract's view of a record (a copy: the engine keeps mutating its own). */
export function toOperation(rec: OperationRecord): Operation {
  return {
    id: rec.id,
    action: rec.action,
    status: rec.status,
    owner: rec.owner,
    ownerRole: rec.ownerRole,
    createdAt: rec.createdAt,
    finishedAt: rec.finishedAt,
    cancelledBy: rec.cancelledBy,
    forceAfterS: rec.forceAfterS,
    timeoutS: rec.timeoutS,
    parallelism: rec.parallelism,
    reason: rec.reason,
    counts: countsOf(rec.vms),
    vms: rec.vms.map((vm): OperationVm => ({
      key: vm.key,
      name: vm.name,
      state: vm.state,
      step: vm.step,
      stepAt: vm.stepAt,
      stepSent: vm.stepPhase === 'sent',
      deadline: vm.deadline,
      escalated: vm.escalated,
      detail: vm.detail,
      status: vm.status,
    })),
  };
}

export class OperationEngine {
  private readonly store: OperationStore;
  private readonly audit: AuditStore;
  private readonly fleet: FleetPoller;
  private readonly actions: VergeClient['actions'];
  private readonly machineStatus: ((machineKey: number) => Promise<string>) | undefined;
  private readonly log: PollerLog;
  private readonly defaultParallelism: number;
  private readonly scale: number;
  private readonly now: () => number;
  private readonly actionTimeoutMs: number;
  private readonly recentLimit: number;
  private readonly fleetWaitMs: number;

  /** Operations that are running, or cancelled with a step still being sent. */
  private readonly running = new Map<string, OpRun>();
  private readonly listeners = new Set<(op: Operation) => void>();
  /** Steps being sent, and other work app.close() waits for. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly dirty = new Set<OpRun>();
  private flushing: NodeJS.Immediate | null = null;
  private unsubscribeFleet: (() => void) | null = null;
  private index: { state: FleetState; byKey: Map<number, FleetVm> } | null = null;
  private started = false;
  private stopped = false;

  constructor(options: OperationEngineOptions) {
    this.store = options.store;
    this.audit = options.audit;
    this.fleet = options.fleet;
    this.actions = options.actions;
    this.machineStatus = options.machineStatus;
    this.log = options.log;
    const p = options.parallelism;
    if (!Number.isInteger(p) || p < PARALLELISM.min || p > PARALLELISM.max) {
      throw new TypeError(`parallelism must be an integer from ${PARALLELISM.min} to ${PARALLELISM.max}`);
    }
    this.defaultParallelism = p;
    this.scale = options.timeScale ?? 1;
    if (!(this.scale > 0) || !Number.isFinite(this.scale)) throw new TypeError('timeScale must be above 0');
    this.now = options.now ?? Date.now;
    this.actionTimeoutMs = options.actionTimeoutMs ?? 15_000;
    this.recentLimit = options.recentLimit ?? 20;
    this.fleetWaitMs = options.fleetWaitMs ?? 5_000;
  }

  // ------------------------------------------------------------------------------------------
  // Life cycle

  /** Resumes the operations left running (watching what was sent, sending what was not) and starts watching. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const left = await this.store.listRunning();
    for (const rec of left) await this.adopt(rec);
    if (left.length > 0) {
      this.log.info({ operations: left.length }, `resuming ${left.length} unfinished operation(s)`);
    }
    for (const op of this.running.values()) this.pump(op);
    if (this.fleet.lastSuccessAt() !== null) this.onFleet(this.fleet.current());
  }

  /** Stops cleanly: no new step starts, timers are cleared, and the steps being sent are awaited. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeFleet?.();
    this.unsubscribeFleet = null;
    for (const op of this.running.values()) {
      for (const vm of op.vms.values()) this.clearTimer(vm);
    }
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    this.flush();
    this.listeners.clear();
  }

  /** Called with each operation at every change (coalesced per event-loop turn). */
  subscribe(listener: (op: Operation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  async get(id: string): Promise<Operation | null> {
    const op = this.running.get(id);
    if (op) return toOperation(op.rec);
    const rec = await this.store.get(id);
    return rec ? toOperation(rec) : null;
  }

  /** Running operations (newest first), then the most recently finished. */
  async list(): Promise<Operation[]> {
    const live = [...this.running.values()]
      .map((op) => op.rec)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const ids = new Set(live.map((r) => r.id));
    const recent = (await this.store.listRecent(this.recentLimit)).filter((r) => !ids.has(r.id));
    return [...live, ...recent].map(toOperation);
  }

  /** Running operations (for a new event stream). */
  runningOperations(): Operation[] {
    return [...this.running.values()].map((op) => toOperation(op.rec));
  }

  // ------------------------------------------------------------------------------------------
  // Acting

  /** Creates and starts an operation. VMs whose status does not apply (or that are unknown) are skipped at once. */
  async create(input: NewOperation, by: Requester): Promise<Operation> {
    if (this.stopped) throw new OperationError('unavailable', 'Powerdeck is shutting down');
    const timeoutS = input.timeoutS ?? STEP_TIMEOUTS_S[input.action].default;
    const parallelism = input.parallelism ?? this.defaultParallelism;
    if (!(await this.fleetLoaded())) {
      throw new OperationError(
        'unavailable',
        'The fleet has not been read from VergeOS yet: try again in a moment',
      );
    }
    const byKey = this.vmIndex(this.fleet.current());
    const createdAt = iso(this.now());
    const vms = input.vms.map((key): OperationVmRecord => {
      const fv = byKey.get(key);
      const base = {
        key,
        step: null,
        stepPhase: null,
        stepAt: null,
        deadline: null,
        escalated: false,
        forcedAfterS: null,
        moved: false,
        auditId: null,
      };
      if (!fv) {
        return {
          ...base,
          name: `VM ${key}`,
          state: 'skipped',
          detail: 'Skipped: not found',
          status: null,
          startedBefore: null,
        };
      }
      const applies = actionApplies(input.action, fv.status);
      return {
        ...base,
        name: fv.name,
        state: applies ? 'pending' : 'skipped',
        detail: applies ? 'Waiting for its turn' : skipDetail(input.action, fv.status),
        status: fv.status,
        startedBefore: fv.started,
      };
    });
    const anything = vms.some((vm) => vm.state === 'pending');
    const rec: OperationRecord = {
      id: randomUUID(),
      action: input.action,
      status: anything ? 'running' : 'finished',
      ...ownerFields(by),
      createdAt,
      finishedAt: anything ? null : createdAt,
      cancelledBy: null,
      forceAfterS: input.action === 'shutdown' ? input.forceAfterS : null,
      timeoutS,
      parallelism,
      reason: input.reason,
      vms,
    };
    await this.store.create(rec);
    this.log.info(
      { operationId: rec.id, action: rec.action, vms: vms.length, owner: rec.owner },
      'operation started',
    );
    if (!anything) {
      this.emit(toOperation(rec));
      return toOperation(rec);
    }
    const op = await this.adopt(rec);
    this.pump(op);
    this.markDirty(op);
    return toOperation(op.rec);
  }

  /** Cancels a running operation: pending VMs are cancelled, active ones get no further step. */
  async cancel(id: string, by: Requester): Promise<Operation> {
    const op = this.running.get(id);
    if (!op || op.rec.status !== 'running') {
      const rec = op?.rec ?? (await this.store.get(id));
      if (!rec) throw new OperationError('not_found', `No operation ${id}`);
      throw new OperationError('conflict', `The operation is already ${rec.status}`);
    }
    // Memory first, in one go (no await in between): nothing can start or end a VM half-way through.
    const opPatch = { status: 'cancelled' as const, finishedAt: iso(this.now()), cancelledBy: by.actor };
    Object.assign(op.rec, opPatch);
    op.queue.length = 0;
    const changes: { key: number; patch: OperationVmPatch }[] = [];
    for (const vm of op.vms.values()) {
      let patch: OperationVmPatch | null = null;
      if (vm.rec.state === 'pending') {
        patch = { state: 'cancelled', detail: 'Cancelled: nothing was sent' };
      } else if (vm.rec.state === 'active' && vm.busy) {
        vm.cancelAfterSend = true;
      } else if (vm.rec.state === 'active') {
        this.clearTimer(vm);
        vm.deadlineDue = false;
        const step = vm.rec.step ? STEP_WORDS[vm.rec.step] : 'step';
        patch = {
          state: 'cancelled',
          deadline: null,
          detail: `Cancelled after the ${step} was sent: nothing more was sent`,
        };
        op.active -= 1;
      }
      if (patch) {
        Object.assign(vm.rec, patch);
        changes.push({ key: vm.rec.key, patch });
      }
    }
    await this.persistNow(op, { operation: opPatch, vms: changes });
    this.log.info({ operationId: id, by: by.actor }, 'operation cancelled');
    await this.audit
      .append({
        kind: 'power',
        outcome: 'accepted',
        ...auditActor(by),
        action: 'operation:cancel',
        target: `operation:${id}`,
        operationId: id,
      })
      .catch((err: unknown) => this.log.error({ err, operationId: id }, 'auditing a cancel failed'));
    this.maybeFinish(op);
    this.markDirty(op);
    return toOperation(op.rec);
  }

  /** "Force now": sends the force off at once to a VM waiting in an escalating shut down. */
  async forceNow(id: string, key: number, by: Requester): Promise<Operation> {
    const op = this.running.get(id);
    if (!op) {
      const rec = await this.store.get(id);
      if (!rec) throw new OperationError('not_found', `No operation ${id}`);
      if (!rec.vms.some((v) => v.key === key)) {
        throw new OperationError('not_found', `The operation has no VM ${key}`);
      }
      throw new OperationError('conflict', `The operation is already ${rec.status}`);
    }
    const vm = op.vms.get(key);
    if (!vm) throw new OperationError('not_found', `The operation has no VM ${key}`);
    const waiting =
      op.rec.status === 'running' &&
      op.rec.action === 'shutdown' &&
      op.rec.forceAfterS !== null &&
      vm.rec.state === 'active' &&
      vm.rec.step === 'poweroff' &&
      vm.rec.stepPhase === 'sent' &&
      !vm.busy;
    if (!waiting) {
      const why =
        op.rec.status !== 'running'
          ? `the operation is ${op.rec.status}`
          : op.rec.action !== 'shutdown' || op.rec.forceAfterS === null
            ? 'the operation is not an escalating shut down'
            : vm.rec.state !== 'active'
              ? `it is ${vm.rec.state}`
              : vm.rec.step === 'kill'
                ? 'it is already being forced off'
                : 'its shut down is still being sent';
      throw new OperationError(
        'conflict',
        `${vm.rec.name} is not waiting in an escalating shut down: ${why}`,
      );
    }
    await this.escalate(op, vm, by, 'now');
    return toOperation(op.rec);
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  private async fleetLoaded(): Promise<boolean> {
    if (this.fleet.lastSuccessAt() !== null) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(this.fleet.lastSuccessAt() !== null);
      }, this.fleetWaitMs);
      timer.unref();
      const unsubscribe = this.fleet.subscribe((state) => {
        if (state.snapshot.fetchedAt === null) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(true);
      });
    });
  }

  private vmIndex(state: FleetState): Map<number, FleetVm> {
    if (this.index?.state !== state) {
      this.index = { state, byKey: new Map(state.snapshot.vms.map((v) => [v.key, v])) };
    }
    return this.index.byKey;
  }

  /** Takes a stored running operation into memory: pending VMs queued, active ones watched (never re-sent). */
  private async adopt(rec: OperationRecord): Promise<OpRun> {
    const op: OpRun = { rec, vms: new Map(), queue: [], active: 0 };
    const polls = this.fleet.status().polls;
    const resumed: { key: number; patch: OperationVmPatch }[] = [];
    for (const vmRec of rec.vms) {
      const vm: VmRun = {
        rec: vmRec,
        timer: null,
        busy: false,
        pollsAtSend: polls,
        noAnswer: null,
        deadlineDue: false,
        cancelAfterSend: false,
      };
      op.vms.set(vmRec.key, vm);
      if (vmRec.state === 'pending') op.queue.push(vm);
      if (vmRec.state !== 'active') continue;
      op.active += 1;
      if (vmRec.stepPhase === 'sending') {
        // Recorded as about to be sent, with no answer on record: it may or may not have reached VergeOS.
        const step = vmRec.step ? STEP_WORDS[vmRec.step] : 'step';
        const message = `Powerdeck stopped before VergeOS answered the ${step}; it is not sent again`;
        if (vmRec.auditId !== null) {
          await this.audit
            .append({
              ...this.auditBase(rec, vmRec, vmRec.step!, ownerOf(rec)),
              outcome: 'timeout',
              refId: vmRec.auditId,
              vergeosStatus: null,
              vergeosMessage: message,
            })
            .catch((err: unknown) =>
              this.log.error({ err, operationId: rec.id }, 'auditing a resumed step failed'),
            );
        }
        resumed.push({
          key: vmRec.key,
          patch: {
            stepPhase: 'sent',
            detail: `${message}: watching the VM`,
          },
        });
      }
    }
    if (resumed.length > 0) {
      await this.store.update(rec.id, { vms: resumed });
      for (const { key, patch } of resumed) Object.assign(op.vms.get(key)!.rec, patch);
    }
    this.running.set(rec.id, op);
    // Watch the fleet while any operation runs (and only then: an idle engine costs the poller nothing).
    if (!this.stopped) this.unsubscribeFleet ??= this.fleet.subscribe((state) => this.onFleet(state));
    for (const vm of op.vms.values()) {
      if (vm.rec.state === 'active') this.arm(op, vm);
    }
    return op;
  }

  /** Starts pending VMs while there are free slots. */
  private pump(op: OpRun): void {
    while (
      !this.stopped &&
      op.rec.status === 'running' &&
      op.active < op.rec.parallelism &&
      op.queue.length > 0
    ) {
      const vm = op.queue.shift()!;
      op.active += 1;
      vm.rec.state = 'active';
      vm.rec.detail = `Sending the ${STEP_WORDS[FIRST_STEP[op.rec.action]]} to VergeOS`;
      void this.sendStep(op, vm, FIRST_STEP[op.rec.action], ownerOf(op.rec));
    }
    this.maybeFinish(op);
  }

  private maybeFinish(op: OpRun): void {
    if (op.rec.status === 'running' && op.queue.length === 0 && op.active === 0) {
      const patch = { status: 'finished' as const, finishedAt: iso(this.now()) };
      Object.assign(op.rec, patch);
      this.persist(op, { operation: patch });
      this.log.info({ operationId: op.rec.id, counts: countsOf(op.rec.vms) }, 'operation finished');
    }
    if (op.rec.status !== 'running' && op.active === 0) this.running.delete(op.rec.id);
    if (this.running.size === 0) {
      this.unsubscribeFleet?.();
      this.unsubscribeFleet = null;
    }
    this.markDirty(op);
  }

  /** How long a step waits, in unscaled seconds. */
  private waitS(op: OpRun, step: OperationStep): number {
    switch (step) {
      case 'poweroff':
        return op.rec.forceAfterS ?? op.rec.timeoutS;
      case 'kill':
        return op.rec.action === 'forceOff' ? op.rec.timeoutS : STEP_TIMEOUTS_S.forceOff.default;
      default:
        return op.rec.timeoutS;
    }
  }

  /** Unscaled seconds since an ISO time. */
  private secondsSince(at: string | null): number {
    if (at === null) return 0;
    return Math.max(0, Math.round((this.now() - Date.parse(at)) / (1000 * this.scale)));
  }

  private auditBase(
    rec: OperationRecord,
    vm: OperationVmRecord,
    step: OperationStep,
    by: Requester,
  ): AuditInput {
    const wire = WIRE[step];
    return {
      kind: 'power',
      outcome: 'requested',
      ...auditActor(by),
      vmKey: vm.key,
      vmName: vm.name,
      action: wire.action,
      ...(wire.params !== undefined ? { params: wire.params } : {}),
      reason: rec.reason,
      operationId: rec.id,
    };
  }

  /** Sends one step to one VM, once; tracked so that app.close() waits for it. */
  private sendStep(op: OpRun, vm: VmRun, step: OperationStep, by: Requester): Promise<void> {
    vm.busy = true;
    this.clearTimer(vm);
    const work = this.doSend(op, vm, step, by)
      .catch((err: unknown) => {
        this.log.error(
          { err, operationId: op.rec.id, vm: vm.rec.key },
          'an operation step failed unexpectedly',
        );
      })
      .finally(() => {
        vm.busy = false;
        this.inflight.delete(work);
      });
    this.inflight.add(work);
    return work;
  }

  private async doSend(op: OpRun, vm: VmRun, step: OperationStep, by: Requester): Promise<void> {
    const fv = this.lastSnapshotVm(vm.rec.key);
    const base = this.auditBase(op.rec, vm.rec, step, by);
    // 1. The `requested` row, on disk before anything else.
    let requested;
    try {
      requested = await this.audit.append(base);
    } catch (err) {
      this.log.error({ err, operationId: op.rec.id }, 'writing the audit record of a step failed');
      await this.end(op, vm, 'failed', `Not sent: the audit record could not be written`);
      return;
    }
    // 2. "About to send": on disk before the request leaves.
    const stepAt = this.now();
    const waitS = this.waitS(op, step);
    const sending: OperationVmPatch = {
      state: 'active',
      step,
      stepPhase: 'sending',
      stepAt: iso(stepAt),
      deadline: iso(stepAt + waitS * 1000 * this.scale),
      auditId: requested.id,
      detail: `Sending the ${STEP_WORDS[step]} to VergeOS`,
      moved: false,
      ...(fv ? { status: fv.status } : {}),
      ...(step === 'reboot' && fv ? { startedBefore: fv.started } : {}),
    };
    try {
      await this.store.update(op.rec.id, { vms: [{ key: vm.rec.key, patch: sending }] });
    } catch (err) {
      this.log.error({ err, operationId: op.rec.id }, 'recording a step before sending it failed');
      await this.audit
        .append({
          ...base,
          outcome: 'failed',
          refId: requested.id,
          vergeosStatus: null,
          vergeosMessage: 'Not sent: Powerdeck could not record the step',
        })
        .catch(() => undefined);
      await this.end(op, vm, 'failed', 'Not sent: the step could not be recorded');
      return;
    }
    Object.assign(vm.rec, sending);
    vm.noAnswer = null;
    this.markDirty(op);

    // 3. The request, once.
    const started = performance.now();
    const wire = WIRE[step];
    let answer: { ok: true } | { ok: false; status: number | null; message: string; timeout: boolean };
    try {
      await this.actions.send(
        {
          vm: vm.rec.key,
          action: wire.action,
          ...(wire.params !== undefined ? { params: wire.params } : {}),
        },
        // The request id of the step's audit records, as a direct action's: VergeOS's log ties back to them.
        { timeoutMs: this.actionTimeoutMs, ...(by.requestId !== null ? { requestId: by.requestId } : {}) },
      );
      answer = { ok: true };
    } catch (err) {
      if (err instanceof VergeApiError) {
        answer = { ok: false, status: err.status, message: err.message, timeout: false };
      } else {
        const message = err instanceof Error ? err.message : String(err);
        answer = { ok: false, status: null, message, timeout: err instanceof VergeTimeoutError };
      }
    }
    const latencyMs = Math.round(performance.now() - started);
    vm.pollsAtSend = this.fleet.status().polls;

    // 4. The answer, on record.
    await this.audit
      .append({
        ...base,
        outcome: answer.ok ? 'accepted' : answer.status !== null ? outcomeOf(answer.status) : 'timeout',
        refId: requested.id,
        vergeosStatus: answer.ok ? 201 : answer.status,
        vergeosMessage: answer.ok ? null : answer.message,
        latencyMs,
      })
      .catch((err: unknown) =>
        this.log.error({ err, operationId: op.rec.id, refId: requested.id }, 'writing a step outcome failed'),
      );
    if (answer.ok) this.fleet.actionAccepted();

    if (answer.ok || answer.status === null) {
      if (!answer.ok) vm.noAnswer = answer.message;
      const patch: OperationVmPatch = {
        stepPhase: 'sent',
        detail: answer.ok
          ? this.waitingWords(op, vm.rec, step)
          : `VergeOS did not answer the ${STEP_WORDS[step]} (${answer.message}); it is not sent again: watching the VM`,
      };
      Object.assign(vm.rec, patch);
      await this.persistNow(op, { vms: [{ key: vm.rec.key, patch }] });
      vm.busy = false;
      if (vm.cancelAfterSend) {
        await this.end(
          op,
          vm,
          'cancelled',
          `Cancelled after the ${STEP_WORDS[step]} was sent: nothing more was sent`,
        );
        return;
      }
      this.arm(op, vm);
      if (this.fleet.lastSuccessAt() !== null) this.evaluate(op, vm, this.vmIndex(this.fleet.current()));
      return;
    }

    // VergeOS refused: the VM may already be where the step takes it (a 409 for "already stopped").
    vm.rec.stepPhase = 'sent';
    vm.busy = false;
    const current = this.lastSnapshotVm(vm.rec.key);
    if (answer.status === 409 && current && this.reached(vm, current, false)) {
      await this.end(op, vm, 'done', `Already ${current.status} (VergeOS: ${answer.message})`, {
        status: current.status,
      });
      return;
    }
    // The snapshot can be a poll behind: a guest that stopped by itself just before its force off makes VergeOS
    // refuse the kill ("not running"). Ask VergeOS for the machine's status now before calling it a failure.
    const target = FRESH_TARGET[step];
    if (answer.status === 409 && target !== undefined && current && this.machineStatus) {
      const fresh = await this.machineStatus(current.machine).catch(() => null);
      if (fresh === target) {
        const words = step === 'kill' ? `Stopped by itself before the force off` : `Already ${fresh}`;
        await this.end(op, vm, 'done', `${words} (VergeOS: ${answer.message})`, { status: fresh });
        return;
      }
    }
    // 507 (no room to start) is a refusal; other 5xx are VergeOS failing.
    const verb = answer.status >= 500 && answer.status !== 507 ? 'failed' : 'refused';
    await this.end(op, vm, 'failed', `VergeOS ${verb} the ${STEP_WORDS[step]}: ${answer.message}`, {
      ...(current ? { status: current.status } : {}),
    });
  }

  private lastSnapshotVm(key: number): FleetVm | undefined {
    if (this.fleet.lastSuccessAt() === null) return undefined;
    return this.vmIndex(this.fleet.current()).get(key);
  }

  private waitingWords(op: OpRun, vm: OperationVmRecord, step: OperationStep): string {
    const s = this.waitS(op, step);
    switch (step) {
      case 'poweron':
        return `Starting: waiting up to ${s} s for it to run`;
      case 'poweroff':
        return op.rec.forceAfterS !== null
          ? `Shutting down: forced off if not stopped within ${s} s`
          : `Shutting down: waiting up to ${s} s for it to stop`;
      case 'reboot':
        return `Rebooting: waiting up to ${s} s for it to run again`;
      case 'kill':
        return vm.escalated
          ? `Forcing off after ${vm.forcedAfterS ?? 0} s: waiting up to ${s} s for it to stop`
          : `Forcing off: waiting up to ${s} s for it to stop`;
    }
  }

  /** Sets (or re-sets) a VM's deadline timer from its stored deadline. */
  private arm(op: OpRun, vm: VmRun): void {
    this.clearTimer(vm);
    if (this.stopped || vm.rec.deadline === null) return;
    const delay = Math.max(0, Date.parse(vm.rec.deadline) - this.now());
    vm.timer = setTimeout(
      () => {
        vm.timer = null;
        this.onDeadline(op, vm);
      },
      Math.min(delay, 2_147_483_647),
    );
    vm.timer.unref();
  }

  private clearTimer(vm: VmRun): void {
    if (vm.timer) clearTimeout(vm.timer);
    vm.timer = null;
  }

  /** Whether the VM got where its step takes it. `fresh`: the snapshot comes from a poll after the step's answer. */
  private reached(vm: VmRun, fv: FleetVm, moved: boolean): boolean {
    switch (vm.rec.step) {
      case 'poweron':
        return fv.status === 'running';
      case 'poweroff':
      case 'kill':
        return fv.status === 'stopped';
      case 'reboot':
        return (
          fv.status === 'running' &&
          (moved ||
            (fv.started !== null && vm.rec.startedBefore !== null && fv.started !== vm.rec.startedBefore))
        );
      default:
        return false;
    }
  }

  private onFleet(state: FleetState): void {
    if (this.stopped || state.snapshot.fetchedAt === null) return;
    const byKey = this.vmIndex(state);
    for (const op of [...this.running.values()]) {
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
    if (this.stopped || vm.busy || vm.rec.state !== 'active' || vm.rec.stepPhase !== 'sent') return;
    const fv = byKey.get(vm.rec.key);
    if (!fv) return;
    const fresh = this.fleet.status().polls > vm.pollsAtSend;
    const patch: OperationVmPatch = {};
    if (fv.status !== vm.rec.status) patch.status = fv.status;
    if (!vm.rec.moved && vm.rec.step === 'reboot' && fv.status !== 'running') patch.moved = true;
    const moved = patch.moved ?? vm.rec.moved;
    if (this.reached(vm, fv, moved)) {
      const took = this.secondsSince(vm.rec.stepAt);
      let detail: string;
      if (vm.rec.escalated) detail = `Forced off after ${vm.rec.forcedAfterS ?? 0} s`;
      else if (vm.rec.step === 'poweron') detail = `Running after ${took} s`;
      else if (vm.rec.step === 'reboot') detail = `Running again after ${took} s`;
      else if (vm.rec.step === 'kill') detail = `Forced off: stopped after ${took} s`;
      else detail = `Stopped after ${took} s`;
      void this.end(op, vm, 'done', detail, patch);
      return;
    }
    if (fresh && fv.status === 'error' && (vm.rec.step === 'poweron' || vm.rec.step === 'reboot')) {
      const info = fv.statusInfo.trim();
      void this.end(
        op,
        vm,
        'failed',
        `VergeOS reports an error after the ${STEP_WORDS[vm.rec.step]}${info ? `: ${info}` : ''}`,
        patch,
      );
      return;
    }
    if (patch.status !== undefined || patch.moved !== undefined) {
      Object.assign(vm.rec, patch);
      this.persist(op, { vms: [{ key: vm.rec.key, patch }] });
      this.markDirty(op);
    }
  }

  private onDeadline(op: OpRun, vm: VmRun): void {
    if (this.stopped || vm.busy || vm.rec.state !== 'active') return;
    if (this.fleet.lastSuccessAt() === null) {
      // No snapshot yet (just restarted): decide at the first one.
      vm.deadlineDue = true;
      return;
    }
    const byKey = this.vmIndex(this.fleet.current());
    this.evaluate(op, vm, byKey);
    if (vm.rec.state !== 'active') return;
    const step = vm.rec.step;
    if (step === 'poweroff' && op.rec.forceAfterS !== null && op.rec.status === 'running') {
      void this.escalate(op, vm, ownerOf(op.rec), 'deadline');
      return;
    }
    const s = this.waitS(op, step ?? 'poweron');
    const fv = byKey.get(vm.rec.key);
    const now = fv ? fv.status : 'not in the fleet';
    let detail: string;
    switch (step) {
      case 'poweron':
        detail = `Did not start within ${s} s (${now})`;
        break;
      case 'poweroff':
        detail = `Did not stop within ${s} s (still ${now})`;
        break;
      case 'reboot':
        detail =
          fv?.status === 'running' && !vm.rec.moved
            ? `Did not restart within ${s} s (still running; the guest may ignore the reboot request)`
            : `Did not come back running within ${s} s (${now})`;
        break;
      default:
        detail = `Did not stop within ${s} s of the force off (${now})`;
    }
    if (vm.noAnswer !== null) detail += `; VergeOS did not answer the request: ${vm.noAnswer}`;
    void this.end(op, vm, 'failed', detail, fv && fv.status !== vm.rec.status ? { status: fv.status } : {});
  }

  /** The force off of an escalating shut down: at its deadline, or "Force now". */
  private async escalate(op: OpRun, vm: VmRun, by: Requester, when: 'deadline' | 'now'): Promise<void> {
    const forcedAfterS = when === 'deadline' ? (op.rec.forceAfterS ?? 0) : this.secondsSince(vm.rec.stepAt);
    const patch: OperationVmPatch = { escalated: true, forcedAfterS };
    Object.assign(vm.rec, patch);
    // Recorded together with the kill's "about to send" (one write in doSend would lose it on a crash between).
    this.persist(op, { vms: [{ key: vm.rec.key, patch }] });
    this.log.info(
      { operationId: op.rec.id, vm: vm.rec.key, when, by: by.actor },
      when === 'now' ? 'force off now' : 'the guest did not stop in time: forcing off',
    );
    await this.sendStep(op, vm, 'kill', by);
  }

  /** A VM's last state: persisted, its slot freed, the next pending VM started. */
  private async end(
    op: OpRun,
    vm: VmRun,
    state: 'done' | 'failed' | 'cancelled',
    detail: string,
    extra: OperationVmPatch = {},
  ): Promise<void> {
    if (vm.rec.state !== 'active') return;
    this.clearTimer(vm);
    const patch: OperationVmPatch = { ...extra, state, detail, deadline: null };
    Object.assign(vm.rec, patch);
    op.active -= 1;
    await this.persistNow(op, { vms: [{ key: vm.rec.key, patch }] });
    this.pump(op);
  }

  /** Writes a change without waiting for it (app.close() does); a failure is logged, memory stays ahead. */
  private persist(op: OpRun, change: Parameters<OperationStore['update']>[1]): void {
    const work = this.persistNow(op, change).finally(() => this.inflight.delete(work));
    this.inflight.add(work);
  }

  private async persistNow(op: OpRun, change: Parameters<OperationStore['update']>[1]): Promise<void> {
    try {
      await this.store.update(op.rec.id, change);
    } catch (err) {
      this.log.error({ err, operationId: op.rec.id }, 'recording an operation change failed');
    }
    this.markDirty(op);
  }

  private markDirty(op: OpRun): void {
    if (this.listeners.size === 0) return;
    this.dirty.add(op);
    if (!this.flushing && !this.stopped) this.flushing = setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = null;
    const ops = [...this.dirty];
    this.dirty.clear();
    for (const op of ops) this.emit(toOperation(op.rec));
  }

  private emit(op: Operation): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(op);
      } catch (err) {
        this.log.error({ err }, 'an operation listener failed');
      }
    }
  }
}
