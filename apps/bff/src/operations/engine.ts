// The operation engine: runs long power actions on the server ("shut down, wait up to T, then force off", a reboot
// watched until the VM is back, a bulk action over many VMs), stores every change (they survive a restart) and
// publishes each operation's progress to subscribers (the event stream). This class is the engine's face (start,
// stop, read, create, cancel, "Force now") and drives each VM's turns (take a slot, send a step, act on the answer,
// escalate, end it, finish the operation):
//   pending -> active (a step was sent, or is being sent, and the VM is watched) -> done | failed | cancelled;
//   skipped when the action did not apply to its status at creation (nothing is ever sent to it).
// The jobs it ties together live in their own modules (docs/architecture.md, "The engine's modules"):
// admission.ts (what a new operation is made of, refusals), queue.ts (the parallelism slots), send-once.ts (the
// crash-safe step protocol), watch.ts (snapshots, deadlines, escalation), recorder.ts (the store and subscribers),
// words.ts (what people read), to-api.ts (the contract's Operation), clock.ts, fleet-view.ts, and tiers.ts (plan
// runs: tier by tier).
import { randomUUID } from 'node:crypto';
import type { Operation } from '@powerdeck/contracts/operations';
import { PARALLELISM, type OperationAction, type OperationStep } from '@powerdeck/contracts/operation-terms';
import type { VergeClient } from '@powerdeck/vergeos-client';
import { auditActor, type Requester } from '../audit-fields';
import type { PollerLog } from '../fleet/poller';
import type { FleetPoller } from '../fleet/types';
import type { AuditStore, OperationRecord, OperationStore, OperationVmPatch } from '../stores/types';
import {
  admit,
  forceNowConflict,
  notRunning,
  OperationError,
  ownerOf,
  scheduleOf,
  type NewOperation,
} from './admission';
import { EngineClock } from './clock';
import type { OperationObserver, StepEnd } from './observer';
import { FleetView } from './fleet-view';
import { cancelRun, drained, freeSlot, runOf, takeSlot, type OpRun, type VmRun } from './queue';
import { OperationRecorder } from './recorder';
import { StepSender } from './send-once';
import { advance, cancelTiers, forceAfterOf, reconcile, type TierChange } from './tiers';
import { countsOf, toOperation } from './to-api';
import { FRESH_TARGET, reached, Watcher } from './watch';
import { alreadyNowWords, alreadyWords, cancelledAfterWords, refusedWords, sendingWords } from './words';

interface OperationEngineOptions {
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
  /** Whether this server may still send a step (several servers: it still leads); see StepSender. */
  mayAct?: () => boolean;
  /** Finished operations listed after the running ones (default 20). */
  recentLimit?: number;
  /** How long creating an operation waits for the first fleet snapshot (default 5 s). */
  fleetWaitMs?: number;
  /** Told as operations and steps end (the metrics). */
  observer?: OperationObserver;
}

/** The step each action starts a VM with. */
const FIRST_STEP: Readonly<Record<OperationAction, OperationStep>> = {
  start: 'poweron',
  shutdown: 'poweroff',
  reboot: 'reboot',
  forceOff: 'kill',
};

export class OperationEngine {
  private readonly audit: AuditStore;
  private readonly machineStatus: ((machineKey: number) => Promise<string>) | undefined;
  private readonly log: PollerLog;
  private readonly defaultParallelism: number;
  private readonly recentLimit: number;
  private readonly fleetWaitMs: number;
  private readonly clock: EngineClock;
  private readonly view: FleetView;
  private readonly recorder: OperationRecorder;
  private readonly steps: StepSender;
  private readonly watcher: Watcher;
  private readonly observer: OperationObserver | undefined;
  /** The step (by when it was sent) the observer was last told of, per VM. */
  private readonly observedSteps = new WeakMap<VmRun, string>();

  /** Operations that are running, or cancelled with a step still being sent. */
  private readonly running = new Map<string, OpRun>();
  /** Plans whose run is being created (one run of a plan at a time). */
  private readonly claimedPlans = new Set<string>();
  private started = false;
  private stopped = false;

  constructor(options: OperationEngineOptions) {
    this.audit = options.audit;
    this.observer = options.observer;
    this.machineStatus = options.machineStatus;
    this.log = options.log;
    const p = options.parallelism;
    if (!Number.isInteger(p) || p < PARALLELISM.min || p > PARALLELISM.max) {
      throw new TypeError(`parallelism must be an integer from ${PARALLELISM.min} to ${PARALLELISM.max}`);
    }
    this.defaultParallelism = p;
    this.clock = new EngineClock(options.now ?? Date.now, options.timeScale ?? 1);
    this.recentLimit = options.recentLimit ?? 20;
    this.fleetWaitMs = options.fleetWaitMs ?? 5_000;
    this.view = new FleetView(options.fleet);
    this.recorder = new OperationRecorder(options.store, options.log, this.clock.now);
    this.steps = new StepSender({
      audit: options.audit,
      recorder: this.recorder,
      actions: options.actions,
      fleet: this.view,
      clock: this.clock,
      log: options.log,
      actionTimeoutMs: options.actionTimeoutMs ?? 15_000,
      ...(options.mayAct ? { mayAct: options.mayAct } : {}),
    });
    this.watcher = new Watcher(this.view, this.clock, this.recorder, {
      stopped: () => this.stopped,
      running: () => [...this.running.values()],
      end: (op, vm, state, detail, extra, why) => this.end(op, vm, state, detail, extra, why),
      escalate: (op, vm) => this.escalate(op, vm, ownerOf(op.rec), 'deadline'),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Life cycle

  /** Resumes the operations left running (watching what was sent, sending what was not) and starts watching. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const left = await this.recorder.listRunning();
    for (const rec of left) await this.adopt(rec);
    if (left.length > 0) {
      this.log.info({ operations: left.length }, `resuming ${left.length} unfinished operation(s)`);
    }
    for (const op of this.running.values()) this.pump(op);
    if (this.view.loaded()) this.watcher.onFleet(this.view.poller.current());
  }

  /** Stops cleanly: no new step starts, timers are cleared, and the steps being sent are awaited. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher.unfollow();
    for (const op of this.running.values()) {
      for (const vm of op.vms.values()) this.watcher.clear(vm);
      this.clearTierTimer(op);
    }
    await this.recorder.close();
  }

  /** Called with each operation at every change (coalesced per event-loop turn). */
  subscribe(listener: (op: Operation) => void): () => void {
    return this.recorder.subscribe(listener);
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  async get(id: string): Promise<Operation | null> {
    const op = this.running.get(id);
    if (op) return toOperation(op.rec, this.clock.now());
    const rec = await this.recorder.get(id);
    return rec ? toOperation(rec, this.clock.now()) : null;
  }

  /** A plan's running run, or null. */
  runningPlan(planId: string): Operation | null {
    for (const op of this.running.values()) {
      if (op.rec.status === 'running' && op.rec.plan?.id === planId)
        return toOperation(op.rec, this.clock.now());
    }
    return null;
  }

  /** A plan's runs, newest first (at most `limit`, 1 to 200). */
  async planRuns(planId: string, limit: number): Promise<Operation[]> {
    const now = this.clock.now();
    return (await this.recorder.listByPlan(planId, limit)).map((rec) =>
      toOperation(this.running.get(rec.id)?.rec ?? rec, now),
    );
  }

  /** Running operations (newest first), then the most recently finished. */
  async list(): Promise<Operation[]> {
    const live = [...this.running.values()]
      .map((op) => op.rec)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const ids = new Set(live.map((r) => r.id));
    const recent = (await this.recorder.listRecent(this.recentLimit)).filter((r) => !ids.has(r.id));
    const now = this.clock.now();
    return [...live, ...recent].map((rec) => toOperation(rec, now));
  }

  /** Running operations (for a new event stream). */
  runningOperations(): Operation[] {
    const now = this.clock.now();
    return [...this.running.values()].map((op) => toOperation(op.rec, now));
  }

  // ------------------------------------------------------------------------------------------
  // Acting

  /** Creates and starts an operation. VMs whose status does not apply (or that are unknown) are skipped at once. */
  async create(input: NewOperation, by: Requester): Promise<Operation> {
    if (this.stopped) throw new OperationError('unavailable', 'Powerdeck is shutting down');
    if (!(await this.view.whenLoaded(this.fleetWaitMs))) {
      throw new OperationError(
        'unavailable',
        'The fleet has not been read from VergeOS yet: try again in a moment',
      );
    }
    const planId = input.plan?.id;
    if (planId !== undefined) {
      const running = this.runningPlan(planId);
      if (running || this.claimedPlans.has(planId)) {
        throw new OperationError(
          'conflict',
          `The plan "${input.plan!.name}" is already running` + (running ? ` (operation ${running.id})` : ''),
        );
      }
      this.claimedPlans.add(planId);
    }
    try {
      return await this.createNow(input, by);
    } finally {
      if (planId !== undefined) this.claimedPlans.delete(planId);
    }
  }

  private async createNow(input: NewOperation, by: Requester): Promise<Operation> {
    const rec = admit(input, by, this.view.byKey(), {
      id: randomUUID(),
      createdAt: this.clock.iso(),
      parallelism: input.parallelism ?? this.defaultParallelism,
    });
    await this.recorder.create(rec);
    this.log.info(
      {
        operationId: rec.id,
        action: rec.action,
        vms: rec.vms.length,
        owner: rec.owner,
        ...(rec.schedule ? { scheduleId: rec.schedule.id } : {}),
        ...(rec.plan ? { planId: rec.plan.id } : {}),
      },
      'operation started',
    );
    if (rec.status !== 'running') {
      this.observer?.operationEnded(rec.action, 'finished', 0);
      this.recorder.publish(rec);
      return toOperation(rec, this.clock.now());
    }
    const op = await this.adopt(rec);
    this.pump(op);
    this.recorder.markDirty(op.rec);
    return toOperation(op.rec, this.clock.now());
  }

  /** Cancels a running operation: pending VMs are cancelled, active ones get no further step. */
  async cancel(id: string, by: Requester): Promise<Operation> {
    const op = this.running.get(id);
    if (!op || op.rec.status !== 'running') throw notRunning(id, op?.rec ?? (await this.recorder.get(id)));
    // Memory first, in one go (no await in between): nothing can start or end a VM half-way through.
    const at = this.clock.iso();
    const opPatch = { status: 'cancelled' as const, finishedAt: at, cancelledBy: by.actor };
    Object.assign(op.rec, opPatch);
    this.observer?.operationEnded(op.rec.action, 'cancelled', this.realSecondsSince(op.rec.createdAt));
    this.clearTierTimer(op);
    if (op.rec.plan) cancelTiers(op.rec.plan, by.actor, at);
    const changes = cancelRun(op, (vm) => this.watcher.clear(vm));
    const operation = op.rec.plan ? { ...opPatch, plan: op.rec.plan } : opPatch;
    await this.recorder.persistNow(op.rec, { operation, vms: changes });
    this.log.info({ operationId: id, by: by.actor }, 'operation cancelled');
    await this.audit
      .append({
        kind: 'power',
        outcome: 'accepted',
        ...auditActor(by),
        action: 'operation:cancel',
        target: `operation:${id}`,
        operationId: id,
        ...scheduleOf(op.rec),
      })
      .catch((err: unknown) => this.log.error({ err, operationId: id }, 'auditing a cancel failed'));
    this.maybeFinish(op);
    this.recorder.markDirty(op.rec);
    return toOperation(op.rec, this.clock.now());
  }

  /** "Force now": sends the force off at once to a VM waiting in an escalating shut down. */
  async forceNow(id: string, key: number, by: Requester): Promise<Operation> {
    const op = this.running.get(id);
    if (!op) throw notRunning(id, await this.recorder.get(id), key);
    const vm = op.vms.get(key);
    if (!vm) throw new OperationError('not_found', `The operation has no VM ${key}`);
    const conflict = forceNowConflict(op, vm);
    if (conflict) throw conflict;
    await this.escalate(op, vm, by, 'now');
    return toOperation(op.rec, this.clock.now());
  }

  // ------------------------------------------------------------------------------------------
  // Turns

  /** Takes a stored running operation into memory: pending VMs queued, active ones watched (never re-sent). */
  private async adopt(rec: OperationRecord): Promise<OpRun> {
    if (rec.plan && reconcile(rec)) await this.recorder.write(rec, { operation: { plan: rec.plan } });
    const op = runOf(rec, this.view.polls());
    await this.steps.resume(rec);
    this.running.set(rec.id, op);
    this.watcher.follow();
    for (const vm of op.vms.values()) {
      if (vm.rec.state === 'active') this.watcher.arm(op, vm);
    }
    return op;
  }

  /** Starts pending VMs while there are free slots (a plan run: of its current tier, moving tier by tier). */
  private pump(op: OpRun): void {
    const tier = op.rec.plan ? this.advancePlan(op) : null;
    while (!this.stopped && tier !== undefined) {
      const vm = takeSlot(op, tier);
      if (!vm) break;
      const step = FIRST_STEP[op.rec.action];
      vm.rec.detail = sendingWords(step);
      void this.sendStep(op, vm, step, ownerOf(op.rec));
    }
    this.maybeFinish(op);
  }

  /**
   * Moves a plan run on (./tiers.ts): records the tiers' changes, sets the delay timer. Returns the tier whose VMs
   * may take slots now, or undefined when none may.
   */
  private advancePlan(op: OpRun): number | undefined {
    if (this.stopped || op.rec.status !== 'running') return undefined;
    const before = JSON.stringify(op.rec.plan);
    const change: TierChange = { vms: [] };
    const move = advance(op, this.clock, change);
    if (change.vms.length > 0 || JSON.stringify(op.rec.plan) !== before) {
      this.recorder.persist(op.rec, { operation: { plan: op.rec.plan! }, vms: change.vms });
      this.log.info(
        { operationId: op.rec.id, planId: op.rec.plan!.id, tiers: op.rec.plan!.tiers.map((t) => t.state) },
        'plan run moved on',
      );
    }
    if (move.kind === 'wait') {
      this.clearTierTimer(op);
      op.tierTimer = setTimeout(
        () => {
          op.tierTimer = null;
          if (!this.stopped) this.pump(op);
        },
        Math.max(0, move.at - this.clock.now()),
      );
      op.tierTimer.unref();
      return undefined;
    }
    return move.kind === 'work' ? move.tier : undefined;
  }

  private clearTierTimer(op: OpRun): void {
    if (op.tierTimer) clearTimeout(op.tierTimer);
    op.tierTimer = null;
  }

  private maybeFinish(op: OpRun): void {
    if (op.rec.status === 'running' && drained(op) && op.tierTimer === null) {
      const patch = { status: 'finished' as const, finishedAt: this.clock.iso() };
      Object.assign(op.rec, patch);
      const failed = op.rec.vms.some((v) => v.state === 'failed');
      this.observer?.operationEnded(
        op.rec.action,
        failed ? 'failed' : 'finished',
        this.realSecondsSince(op.rec.createdAt),
      );
      this.recorder.persist(op.rec, { operation: patch });
      this.log.info({ operationId: op.rec.id, counts: countsOf(op.rec.vms) }, 'operation finished');
    }
    if (op.rec.status !== 'running' && op.active === 0) this.running.delete(op.rec.id);
    if (this.running.size === 0) this.watcher.unfollow();
    this.recorder.markDirty(op.rec);
  }

  /** Sends one step to one VM, once, and acts on the answer; tracked so that app.close() waits for it. */
  private sendStep(op: OpRun, vm: VmRun, step: OperationStep, by: Requester): Promise<void> {
    vm.busy = true;
    this.watcher.clear(vm);
    const work = this.step(op, vm, step, by)
      .catch((err: unknown) => {
        this.log.error(
          { err, operationId: op.rec.id, vm: vm.rec.key },
          'an operation step failed unexpectedly',
        );
      })
      .finally(() => {
        vm.busy = false;
      });
    return this.recorder.track(work);
  }

  private async step(op: OpRun, vm: VmRun, step: OperationStep, by: Requester): Promise<void> {
    const result = await this.steps.send(op, vm, step, by);
    if (!result.sent) {
      await this.end(op, vm, 'failed', result.detail);
      return;
    }
    vm.busy = false;
    const { answer } = result;
    if (answer.ok || answer.status === null) {
      if (vm.cancelAfterSend) {
        await this.end(op, vm, 'cancelled', cancelledAfterWords(step));
        return;
      }
      this.watcher.arm(op, vm);
      this.watcher.check(op, vm);
      return;
    }
    await this.refused(op, vm, step, answer.status, answer.message);
  }

  /** VergeOS refused a step: the VM may already be where the step takes it (a 409 for "already stopped"). */
  private async refused(op: OpRun, vm: VmRun, step: OperationStep, status: number, message: string) {
    const current = this.view.vm(vm.rec.key);
    if (status === 409 && current && reached(op.rec, vm.rec, current, false)) {
      await this.end(op, vm, 'done', alreadyWords(current.status, message), { status: current.status });
      return;
    }
    // The snapshot can be a poll behind: a guest that stopped by itself just before its force off makes VergeOS
    // refuse the kill ("not running"). Ask VergeOS for the machine's status now before calling it a failure.
    const target = FRESH_TARGET[step];
    if (status === 409 && target !== undefined && current && this.machineStatus) {
      const fresh = await this.machineStatus(current.machine).catch(() => null);
      if (fresh === target) {
        await this.end(op, vm, 'done', alreadyNowWords(step, fresh, message), { status: fresh });
        return;
      }
    }
    const extra = current ? { status: current.status } : {};
    await this.end(op, vm, 'failed', refusedWords(step, status, message), extra);
  }

  /** The force off of an escalating shut down: at its deadline, or "Force now". */
  private async escalate(op: OpRun, vm: VmRun, by: Requester, when: 'deadline' | 'now'): Promise<void> {
    const forcedAfterS =
      when === 'deadline' ? (forceAfterOf(op.rec, vm.rec) ?? 0) : this.clock.secondsSince(vm.rec.stepAt);
    const patch: OperationVmPatch = { escalated: true, forcedAfterS };
    this.observeStep(vm, 'escalated');
    this.observer?.escalated(when === 'now' ? 'force_now' : 'deadline');
    Object.assign(vm.rec, patch);
    // Recorded together with the kill's "about to send" (one write in the step protocol would lose it on a crash between).
    this.recorder.persist(op.rec, { vms: [{ key: vm.rec.key, patch }] });
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
    why?: 'timeout',
  ): Promise<void> {
    if (vm.rec.state !== 'active') return;
    this.observeStep(vm, why ?? state);
    this.watcher.clear(vm);
    const patch: OperationVmPatch = { ...extra, state, detail, deadline: null };
    Object.assign(vm.rec, patch);
    freeSlot(op);
    await this.recorder.persistNow(op.rec, { vms: [{ key: vm.rec.key, patch }] });
    this.pump(op);
  }

  /** Tells the observer how a VM's current step ended (if one was sent, once: a kill that could not be sent after
   * an escalation ends the VM with the shut down's step still on record, already told as escalated). */
  private observeStep(vm: VmRun, end: StepEnd): void {
    const { step, stepAt } = vm.rec;
    if (!this.observer || step === null || stepAt === null || this.observedSteps.get(vm) === stepAt) return;
    this.observedSteps.set(vm, stepAt);
    this.observer.stepEnded(step, end, this.realSecondsSince(stepAt));
  }

  /** Real seconds since an ISO time by the engine's clock (the metrics' base unit; not scaled, not rounded). */
  private realSecondsSince(at: string): number {
    return Math.max(0, (this.clock.now() - Date.parse(at)) / 1000);
  }
}
