// The power actions a card offers, as Powerdeck names them, with the VergeOS body each one sends,
// the guide's timeout for it and how much confirmation it needs.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { PowerAction } from '@powerdeck/contracts/power-terms';
import { vergeosRequest, type ActionId } from '@powerdeck/contracts/power-rules';

export type { ActionId };

/** What a person must do before the action is sent. */
type Confirmation = 'none' | 'confirm' | 'typeName' | 'acknowledge';

interface ActionSpec {
  id: ActionId;
  /** The button's accessible name (docs/ui-contract.md). */
  label: string;
  /** "shut down", for sentences: "Could not shut down web-01". */
  verb: string;
  /** "shut down", after "was not": "web-01 was not shut down". */
  past: string;
  /** "Shutting down". */
  progressive: string;
  /** The guide's timeout for the action. */
  timeoutMs: number;
  /** Loses unsaved data in the guest: kept apart in the card and confirmed hardest. */
  destructive: boolean;
  /**
   * Takes a running service down: disabled while the snapshot is stale, since the state it would act on may be
   * gone (only Start stays, which VergeOS refuses harmlessly with 409 when the VM already runs).
   */
  needsFreshData: boolean;
  confirmation: Confirmation;
  /** The status the VM is in once the action has finished. */
  target: 'running' | 'stopped' | 'hibernated';
}

/** Timeouts from the VergeOS power guide (the upper end of each range). */
export const ACTIONS: Record<ActionId, ActionSpec> = {
  start: {
    id: 'start',
    label: 'Start',
    verb: 'start',
    past: 'started',
    progressive: 'Starting',
    timeoutMs: 60_000,
    destructive: false,
    needsFreshData: false,
    confirmation: 'none',
    target: 'running',
  },
  shutdown: {
    id: 'shutdown',
    label: 'Shut down',
    verb: 'shut down',
    past: 'shut down',
    progressive: 'Shutting down',
    timeoutMs: 120_000,
    destructive: false,
    needsFreshData: true,
    confirmation: 'confirm',
    target: 'stopped',
  },
  reboot: {
    id: 'reboot',
    label: 'Reboot',
    verb: 'reboot',
    past: 'rebooted',
    progressive: 'Rebooting',
    timeoutMs: 120_000,
    destructive: false,
    needsFreshData: true,
    confirmation: 'confirm',
    target: 'running',
  },
  forceOff: {
    id: 'forceOff',
    label: 'Force off',
    verb: 'force off',
    past: 'forced off',
    progressive: 'Forcing off',
    timeoutMs: 30_000,
    destructive: true,
    needsFreshData: true,
    confirmation: 'typeName',
    target: 'stopped',
  },
  reset: {
    id: 'reset',
    label: 'Reset',
    verb: 'reset',
    past: 'reset',
    progressive: 'Resetting',
    timeoutMs: 60_000,
    destructive: true,
    needsFreshData: true,
    confirmation: 'acknowledge',
    target: 'running',
  },
  hibernate: {
    id: 'hibernate',
    label: 'Hibernate',
    verb: 'hibernate',
    past: 'hibernated',
    progressive: 'Hibernating',
    timeoutMs: 120_000,
    destructive: false,
    needsFreshData: true,
    confirmation: 'confirm',
    target: 'hibernated',
  },
};

/** The `vm_actions` body for an action, exactly as VergeOS takes it. */
export interface VmActionRequest {
  vm: number;
  action: PowerAction;
  params?: { graceful?: boolean; preferred_node?: number };
}

/** The request is the contracts' (`vergeosRequest`): the one whose permissions decide the button. */
export function actionBody(
  id: ActionId,
  vm: Pick<FleetVm, 'key'>,
  opts: { preferredNode?: number } = {},
): VmActionRequest {
  return { vm: vm.key, ...vergeosRequest(id, opts) };
}
