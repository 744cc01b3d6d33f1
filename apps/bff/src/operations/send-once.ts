// The send-once step protocol: a step (poweron, poweroff, reboot, kill) reaches a VM at most once, even across a
// crash.
//   1. the audit log's `requested` row is written (on disk);
//   2. the VM's step is recorded as `sending` ("about to send X", on disk: OperationRecorder.markSending, the one
//      write that must hold before anything leaves; a fenced leader checks its epoch in that transaction);
//   3. the request goes to VergeOS through the typed client (never retried), with the audit rows' request id;
//   4. the answer is recorded: the audit outcome row, and the step as `sent`.
// After a crash between 2 and 4 the step may or may not have reached VergeOS: `resume` records the open `requested`
// row's outcome as `timeout` and the step as `sent`, so the engine watches the VM (deadline kept from the stored
// times) and never sends that step again. A crash between 1 and 2 leaves a `requested` row with no outcome and the
// step not recorded: it is sent after the restart (VergeOS never got it).
// This module sends and records; what an answer means for the VM (watch it, done, failed) is the engine's call.
import type { OperationStep } from '@powerdeck/contracts/operation-terms';
import { VergeApiError, type VergeClient } from '@powerdeck/vergeos-client';
import { auditActor, outcomeOf, type Requester } from '../audit-fields';
import type { PollerLog } from '../fleet/poller';
import type {
  AuditInput,
  AuditStore,
  OperationRecord,
  OperationVmPatch,
  OperationVmRecord,
} from '../stores/types';
import { ownerOf, scheduleOf } from './admission';
import type { EngineClock } from './clock';
import type { FleetView } from './fleet-view';
import type { OpRun, VmRun } from './queue';
import type { OperationRecorder } from './recorder';
import { waitS } from './watch';
import { noAnswerWords, sendingWords, unansweredAtStopWords, waitingWords, WORDS } from './words';

/** What each step sends to VergeOS. */
const WIRE: Readonly<
  Record<OperationStep, { action: 'poweron' | 'poweroff' | 'reset' | 'kill'; params?: { graceful: boolean } }>
> = {
  poweron: { action: 'poweron' },
  poweroff: { action: 'poweroff' },
  reboot: { action: 'reset', params: { graceful: true } },
  kill: { action: 'kill' },
};

/** VergeOS's answer to a step: accepted, refused (`status`), or none (`status` null: a timeout, the network). */
type StepAnswer = { ok: true } | { ok: false; status: number | null; message: string };

/** A step not sent (the detail says why: nothing reached VergeOS), or sent and answered. */
type StepResult = { sent: false; detail: string } | { sent: true; answer: StepAnswer };

interface StepSenderOptions {
  audit: AuditStore;
  recorder: OperationRecorder;
  actions: VergeClient['actions'];
  fleet: FleetView;
  clock: EngineClock;
  log: PollerLog;
  /** How long one action request may take. */
  actionTimeoutMs: number;
  /**
   * Whether this server may still send (several servers: it still leads by its own lease deadline). Asked once
   * more after the step is on record as `sending` and just before the request leaves: a leader paused between
   * the two (a stopped process, a frozen VM) wakes past its deadline and sends nothing; the new leader finds the
   * step `sending` and treats it as possibly sent, as after a restart. Absent: always.
   */
  mayAct?: () => boolean;
}

export class StepSender {
  constructor(private readonly deps: StepSenderOptions) {}

  /**
   * Steps 1 to 4 for one VM, in memory too (subscribers hear of each). A step VergeOS accepted, or did not answer,
   * is recorded `sent` with what the engine now waits for; a refused one is `sent` in memory only (the engine ends
   * the VM, and records that).
   */
  async send(op: OpRun, vm: VmRun, step: OperationStep, by: Requester): Promise<StepResult> {
    const { audit, recorder, clock, log } = this.deps;
    const fv = this.deps.fleet.vm(vm.rec.key);
    const base = auditBase(op.rec, vm.rec, step, by);
    // 1. The `requested` row, on disk before anything else.
    let requested;
    try {
      requested = await audit.append(base);
    } catch (err) {
      log.error({ err, operationId: op.rec.id }, 'writing the audit record of a step failed');
      return { sent: false, detail: WORDS.notAudited };
    }
    // 2. "About to send": on disk before the request leaves.
    const stepAt = clock.now();
    const sending: OperationVmPatch = {
      state: 'active',
      step,
      stepPhase: 'sending',
      stepAt: clock.iso(stepAt),
      deadline: clock.after(stepAt, waitS(op.rec, vm.rec, step)),
      auditId: requested.id,
      detail: sendingWords(step),
      moved: false,
      ...(fv ? { status: fv.status } : {}),
      ...(step === 'reboot' && fv ? { startedBefore: fv.started } : {}),
    };
    // The step's `failed` outcome row when nothing left after its `requested` row.
    const notSent = async (auditMessage: string, detail: string): Promise<StepResult> => {
      await audit
        .append({
          ...base,
          outcome: 'failed',
          refId: requested.id,
          vergeosStatus: null,
          vergeosMessage: auditMessage,
        })
        .catch(() => undefined);
      return { sent: false, detail };
    };
    try {
      await recorder.markSending(op.rec, vm.rec.key, sending);
    } catch (err) {
      log.error({ err, operationId: op.rec.id }, 'recording a step before sending it failed');
      return notSent(WORDS.notRecordedAudit, WORDS.notRecorded);
    }
    Object.assign(vm.rec, sending);
    vm.noAnswer = null;
    recorder.markDirty(op.rec);

    // 3. The request, once — unless this server stopped leading since the step was marked.
    if (this.deps.mayAct && !this.deps.mayAct()) return notSent(WORDS.notLeadingAudit, WORDS.notLeading);
    const started = performance.now();
    const wire = WIRE[step];
    let answer: StepAnswer;
    try {
      await this.deps.actions.send(
        {
          vm: vm.rec.key,
          action: wire.action,
          ...(wire.params !== undefined ? { params: wire.params } : {}),
        },
        // The request id of the step's audit records, as a direct action's: VergeOS's log ties back to them.
        {
          timeoutMs: this.deps.actionTimeoutMs,
          ...(by.requestId !== null ? { requestId: by.requestId } : {}),
        },
      );
      answer = { ok: true };
    } catch (err) {
      if (err instanceof VergeApiError) answer = { ok: false, status: err.status, message: err.message };
      else answer = { ok: false, status: null, message: err instanceof Error ? err.message : String(err) };
    }
    const latencyMs = Math.round(performance.now() - started);
    vm.pollsAtSend = this.deps.fleet.polls();

    // 4. The answer, on record.
    await audit
      .append({
        ...base,
        outcome: answer.ok ? 'accepted' : answer.status !== null ? outcomeOf(answer.status) : 'timeout',
        refId: requested.id,
        vergeosStatus: answer.ok ? 201 : answer.status,
        vergeosMessage: answer.ok ? null : answer.message,
        latencyMs,
      })
      .catch((err: unknown) =>
        log.error({ err, operationId: op.rec.id, refId: requested.id }, 'writing a step outcome failed'),
      );
    if (answer.ok) this.deps.fleet.poller.actionAccepted();

    if (answer.ok || answer.status === null) {
      if (!answer.ok) vm.noAnswer = answer.message;
      const patch: OperationVmPatch = {
        stepPhase: 'sent',
        detail: answer.ok
          ? waitingWords(op.rec, vm.rec, step, waitS(op.rec, vm.rec, step))
          : noAnswerWords(step, answer.message),
      };
      Object.assign(vm.rec, patch);
      await recorder.persistNow(op.rec, { vms: [{ key: vm.rec.key, patch }] });
    } else {
      vm.rec.stepPhase = 'sent';
    }
    return { sent: true, answer };
  }

  /**
   * After a restart: each step of a stored operation left `sending` (no answer on record; it may or may not have
   * reached VergeOS) gets its `timeout` outcome row and is recorded as `sent`, in memory too: it is watched, never
   * sent again.
   */
  async resume(rec: OperationRecord): Promise<void> {
    const resumed: { vm: OperationVmRecord; patch: OperationVmPatch }[] = [];
    for (const vmRec of rec.vms) {
      if (vmRec.state !== 'active' || vmRec.stepPhase !== 'sending') continue;
      const message = unansweredAtStopWords(vmRec.step);
      if (vmRec.auditId !== null) {
        await this.deps.audit
          .append({
            ...auditBase(rec, vmRec, vmRec.step!, ownerOf(rec)),
            outcome: 'timeout',
            refId: vmRec.auditId,
            vergeosStatus: null,
            vergeosMessage: message,
          })
          .catch((err: unknown) =>
            this.deps.log.error({ err, operationId: rec.id }, 'auditing a resumed step failed'),
          );
      }
      resumed.push({ vm: vmRec, patch: { stepPhase: 'sent', detail: `${message}: watching the VM` } });
    }
    if (resumed.length === 0) return;
    await this.deps.recorder.write(rec, { vms: resumed.map(({ vm, patch }) => ({ key: vm.key, patch })) });
    for (const { vm, patch } of resumed) Object.assign(vm, patch);
  }
}

/** A step's `requested` audit row (its outcome rows are this with the outcome's fields). */
function auditBase(
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
    ...scheduleOf(rec),
  };
}
