// The one confirmation of a bulk action (`Shut down 12 VMs?`): the VMs it will act on, and apart from them the ones
// it skips and why ("Skipped (3)": already stopped), before anything is sent. A shut down says how many guests have
// no agent reporting and, for a role that may force off, offers "Force off if still running after N s" (pre-ticked
// when some have none); helpdesk must give a reason for a shut down or reboot; a force off asks for the number of
// VMs typed out. How many VMs are acted on at once can be chosen (1-16, default 4). Focus starts on Cancel; the
// dialog stays open while the request is out and shows a refusal in place.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Operation } from '@powerdeck/contracts/operations';
import { MAX_OPERATION_VMS, PARALLELISM, type OperationAction } from '@powerdeck/contracts/operation-terms';
import { CircleCheck, TriangleAlert } from 'lucide-react';
import { useId, useState, type ReactNode } from 'react';
import { Dialog } from '../../../components/ui/dialog';
import { ForceAfterField } from '../../../components/ui/force-after-field';
import { ReasonField } from '../../../components/ui/reason-field';
import { FORCE_AFTER, parseForceAfter } from '../../../lib/force-after';
import { useCreateOperation } from '../api/operation-mutations';
import {
  mayEscalate,
  operationReasonPolicy,
  planBulk,
  withoutAgent,
  type Skipped,
  type Viewer,
} from '../lib/bulk';
import { operationErrorText } from '../lib/errors';
import { parseParallelism } from '../lib/parallelism';
import { cleanText } from '../lib/text';
import { ACTION_WORDS, vmsWord } from '../lib/words';

const DESCRIPTIONS: Record<OperationAction, string> = {
  start: 'Each VM is started and watched until it runs.',
  shutdown: 'Each VM is asked to shut down cleanly (ACPI) and watched until it stops.',
  reboot: 'Each VM is asked to restart cleanly and watched until it runs again.',
  forceOff: 'The power of each VM is cut at once, like pulling the plug.',
};

const FIELD =
  'h-8 rounded-md border border-field bg-panel px-2.5 text-sm text-ink shadow-xs hover:border-muted tabular-nums';

function VmList({ label, heading, children }: { label: string; heading: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <h3 className="text-xs font-semibold text-muted">{heading}</h3>
      <ul
        aria-label={label}
        className="max-h-40 divide-y divide-line overflow-y-auto rounded-md border border-line bg-surface text-sm"
      >
        {children}
      </ul>
    </div>
  );
}

interface BulkConfirmDialogProps {
  action: OperationAction;
  /** The selected VMs (those the action does not apply to are listed apart and not sent). */
  vms: readonly FleetVm[];
  me: Viewer;
  /** The fleet data is out of date: only Start can be confirmed. */
  stale: boolean;
  onClose: () => void;
  /** The operation was created (the dialog closes). */
  onStarted: (op: Operation, skipped: readonly Skipped[]) => void;
}

export function BulkConfirmDialog({ action, vms, me, stale, onClose, onStarted }: BulkConfirmDialogProps) {
  const words = ACTION_WORDS[action];
  const [plan] = useState(() => planBulk(action, vms));
  const { act, skipped } = plan;
  const noAgent = action === 'shutdown' || action === 'reboot' ? withoutAgent(act).length : 0;
  const offerEscalation = action === 'shutdown' && mayEscalate(me.permissions);
  const [escalate, setEscalate] = useState(() => offerEscalation && noAgent > 0);
  const [forceAfter, setForceAfter] = useState(String(FORCE_AFTER.default));
  const [parallelism, setParallelism] = useState(String(PARALLELISM.default));
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const create = useCreateOperation();
  const id = useId();

  const escalates = offerEscalation && escalate;
  const forceAfterS = escalates ? parseForceAfter(forceAfter) : null;
  const policy = operationReasonPolicy(action, me.role, escalates);
  const parallel = parseParallelism(parallelism);
  const blockedByStale = stale && action !== 'start';
  const tooMany = act.length > MAX_OPERATION_VMS;
  const ready =
    act.length > 0 &&
    !tooMany &&
    !blockedByStale &&
    parallel !== null &&
    (!escalates || forceAfterS !== null) &&
    (policy !== 'required' || cleanText(reason) !== undefined) &&
    (action !== 'forceOff' || typed.trim() === String(act.length));

  function confirm() {
    if (!ready || parallel === null) return;
    const why = policy === 'none' ? undefined : cleanText(reason);
    create.mutate(
      {
        action,
        vms: act.map((vm) => vm.key),
        ...(escalates && forceAfterS !== null ? { forceAfterS } : {}),
        ...(parallel === PARALLELISM.default ? {} : { parallelism: parallel }),
        ...(why === undefined ? {} : { reason: why }),
      },
      { onSuccess: (op) => onStarted(op, skipped) },
    );
  }

  const title = `${words.label} ${vmsWord(act.length)}?`;
  const confirmLabel = `${words.label} ${vmsWord(act.length)}`;
  const danger = action === 'forceOff';

  return (
    <Dialog
      onClose={onClose}
      title={title}
      size="wide"
      tone={danger ? 'danger' : 'default'}
      description={
        act.length === 0 ? (
          `None of the selected VMs can be ${words.past} now.`
        ) : danger ? (
          <>
            {DESCRIPTIONS.forceOff}{' '}
            <strong className="font-medium text-bad">
              Anything the guests have not written to disk is lost
            </strong>
            . Try Shut down first when you can.
          </>
        ) : (
          DESCRIPTIONS[action]
        )
      }
      actions={{ confirmLabel, disabled: !ready, loading: create.isPending, onConfirm: confirm }}
    >
      {act.length > 0 && (
        <VmList label={`VMs to ${words.verb}`} heading={`To ${words.verb} (${act.length})`}>
          {act.map((vm) => (
            <li key={vm.key} className="flex items-baseline gap-2 px-3 py-1">
              <span className="min-w-0 flex-1 truncate">{vm.name}</span>
              {noAgent > 0 && !vm.agentReporting && (
                <span className="shrink-0 text-xs text-warn">no agent</span>
              )}
            </li>
          ))}
        </VmList>
      )}
      {skipped.length > 0 && (
        <VmList label="Skipped VMs" heading={`Skipped (${skipped.length})`}>
          {skipped.map(({ vm, why }) => (
            <li key={vm.key} className="flex items-baseline gap-2 px-3 py-1 text-muted">
              <span className="min-w-0 flex-1 truncate">{vm.name}</span>
              <span className="shrink-0 text-xs">{why}</span>
            </li>
          ))}
        </VmList>
      )}

      {(action === 'shutdown' || action === 'reboot') &&
        act.length > 0 &&
        (noAgent === 0 ? (
          <p className="flex items-center gap-1.5 text-xs text-ok">
            <CircleCheck aria-hidden="true" className="size-3.5 shrink-0" />
            Guest agent is reporting on every one of them
          </p>
        ) : (
          <p className="flex items-start gap-1.5 rounded-md bg-warn/10 px-3 py-2 text-xs text-ink ring-1 ring-warn/30 ring-inset">
            <TriangleAlert aria-hidden="true" className="mt-px size-3.5 shrink-0 text-warn" />
            <span>
              {noAgent === act.length
                ? 'No guest agent is reporting on any of them'
                : `${noAgent} of them have no guest agent reporting`}
              : the guests may ignore the {action === 'shutdown' ? 'shut down' : 'reboot'} request
            </span>
          </p>
        ))}

      {offerEscalation && act.length > 0 && (
        <ForceAfterField
          checked={escalate}
          onCheckedChange={setEscalate}
          seconds={forceAfter}
          onSecondsChange={setForceAfter}
        />
      )}

      {act.length > 1 && (
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={`${id}-parallel`} className="text-sm font-medium">
            VMs at once
          </label>
          <input
            id={`${id}-parallel`}
            type="number"
            inputMode="numeric"
            min={PARALLELISM.min}
            max={PARALLELISM.max}
            step={1}
            value={parallelism}
            aria-invalid={parallel === null || undefined}
            aria-describedby={`${id}-parallel-hint`}
            onChange={(e) => setParallelism(e.target.value)}
            className={`${FIELD} w-20 ${parallel === null ? 'border-bad' : ''}`}
          />
          <span
            id={`${id}-parallel-hint`}
            className={`text-xs ${parallel === null ? 'text-bad' : 'text-muted'}`}
          >
            {PARALLELISM.min} to {PARALLELISM.max}; the others wait for a free slot
          </span>
        </div>
      )}

      {policy !== 'none' && act.length > 0 && (
        <ReasonField required={policy === 'required'} value={reason} onChange={setReason} />
      )}

      {action === 'forceOff' && act.length > 0 && (
        <div className="space-y-1.5">
          <label htmlFor={`${id}-typed`} className="block text-sm font-medium">
            Type the number of VMs to confirm
          </label>
          <input
            id={`${id}-typed`}
            type="text"
            inputMode="numeric"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-describedby={`${id}-typed-hint`}
            className={`${FIELD} block w-full font-mono focus-visible:outline-bad`}
          />
          <p id={`${id}-typed-hint`} className="text-xs text-muted">
            Type <span className="font-mono text-ink">{act.length}</span> to force off {vmsWord(act.length)}.
          </p>
        </div>
      )}

      {tooMany && (
        <p role="alert" className="text-xs text-bad">
          At most {MAX_OPERATION_VMS.toLocaleString('en-US')} VMs in one operation: select fewer.
        </p>
      )}
      {blockedByStale && (
        <p className="rounded-md bg-warn/10 px-3 py-2 text-xs text-ink ring-1 ring-warn/30 ring-inset">
          The fleet data is out of date, so {words.label} stays disabled until it refreshes.
        </p>
      )}
      {create.isError && (
        <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
          {operationErrorText(create.error, `${words.verb} these VMs`)}
        </p>
      )}
    </Dialog>
  );
}
