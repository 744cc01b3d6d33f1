// What the alert sources (alerts/sources/*) hand to the dispatcher (alerts/dispatcher.ts), and what the dispatcher
// needs of the rest of the BFF. A source reports what happened; the dispatcher decides who hears of it (matchers,
// cool-down, "back" only after "down") and queues deliveries in the database; the worker (alerts/worker.ts) sends
// them (retries, digests). With several servers, only the leader's sources report and only its worker sends.
import type { AlertEvent } from '@powerdeck/contracts/alert-terms';
import type { PowerStatus } from '@powerdeck/contracts/power-terms';

export interface AlertVm {
  key: number;
  name: string;
  status: PowerStatus;
  node: string | null;
}

/** One thing that happened, as a source reports it. */
export interface AlertEventInput {
  event: AlertEvent;
  /** When it happened (epoch ms). */
  at: number;
  /** One line: "VM web-01 is down unexpectedly (error)". */
  title: string;
  /** More lines, plain text (may be empty). */
  text: string;
  /** The VM, for vm_down and vm_back (the VM filter and the per-VM cool-down use it). */
  vm?: AlertVm;
  operationId?: string;
  scheduleId?: string;
  /** leader_changed: the server that leads now. */
  server?: string;
  /** The page in Powerdeck that shows it, e.g. `/vms/12`, `/operations/<id>` (a link when the public URL is set). */
  path?: string;
}

/** Where sources report to (the dispatcher); never throws, never blocks the caller. */
export type AlertSink = (event: AlertEventInput) => void;
