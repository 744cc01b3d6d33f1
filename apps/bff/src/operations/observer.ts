// What the engine tells an observer (the metrics: plugins/metrics.ts) as operations and their steps end. Durations
// are real seconds (not the engine's unscaled ones): how long Powerdeck really waited.
import type { OperationAction, OperationStep } from '@powerdeck/contracts/operation-terms';

/**
 * How an operation ended: `finished` (no VM failed), `failed` (finished, at least one VM failed) or `cancelled`.
 */
export type OperationEnd = 'finished' | 'failed' | 'cancelled';

/**
 * How a VM's step ended: its VM got there (`done`), VergeOS refused it or the VM went into error (`failed`), it did
 * not get there in time (`timeout`), a shut down was forced off (`escalated`), or the operation was cancelled.
 */
export type StepEnd = 'done' | 'failed' | 'timeout' | 'escalated' | 'cancelled';

export interface OperationObserver {
  /** Once per operation, when it ends; `seconds` since it was created. */
  operationEnded(action: OperationAction, end: OperationEnd, seconds: number): void;
  /** Once per step sent, when it ends; `seconds` since it was sent. */
  stepEnded(step: OperationStep, end: StepEnd, seconds: number): void;
  /** A shut down forced off: at its deadline, or by "Force now". */
  escalated(trigger: 'deadline' | 'force_now'): void;
}
