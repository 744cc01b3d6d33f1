// The confirmation a power action asks for, scaled to its risk: a plain question for a shut down,
// reboot or hibernate (naming the VM and its uptime); the VM's name typed out for a force off; a
// ticked acknowledgement for a hard reset. Focus starts on Cancel or the input, never on the
// confirm button, so Enter never confirms by default. Every action but Start asks why (the Reason
// field): helpdesk must say why it shuts down or reboots; for everyone else it is optional.
// Before a graceful action (shut down, reboot) it says whether the guest agent is reporting; a guest without one
// may ignore the request, so for a role that may force off the shut down offers (and then pre-ticks) "Force off if
// still running after N s", which the app carries out as an operation on the BFF.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { CircleCheck, TriangleAlert } from 'lucide-react';
import { useId, useRef, useState, type ReactNode } from 'react';
import { Dialog } from '../../../components/ui/dialog';
import { CheckboxField } from '../../../components/ui/field';
import { ForceAfterField } from '../../../components/ui/force-after-field';
import { ReasonField } from '../../../components/ui/reason-field';
import { FORCE_AFTER, parseForceAfter } from '../../../lib/force-after';
import { ram, uptime } from '../../../lib/format';
import { ACTIONS } from '../lib/actions';
import type { Role } from '../lib/predicates';
import { reasonPolicy, reasonProblem } from '../lib/reason';

export type ConfirmKind = 'shutdown' | 'reboot' | 'hibernate' | 'forceOff' | 'reset' | 'startAnyway';

export interface ConfirmActionDialogProps {
  kind: ConfirmKind;
  vm: FleetVm;
  /** The snapshot is stale: an action that needs fresh data cannot be confirmed. */
  stale: boolean;
  /** For `startAnyway`: why no node seems to have room. */
  capacityReason?: string;
  /** Decides whether the reason is required. */
  role: Role;
  /** Shut down only: offer "Force off if still running after N s" (the role may force off). */
  offerEscalation?: boolean;
  /**
   * `reason`: what the person typed (possibly blank; Start asks for none). `forceAfterS`: the escalation's seconds
   * when it was ticked, else null.
   */
  onConfirm: (reason: string, forceAfterS: number | null) => void;
  onClose: () => void;
}

function upFor(vm: FleetVm, now: number): ReactNode {
  if (!vm.running || vm.started === null) return null;
  const since = new Date(vm.started * 1000);
  return (
    <>
      {' '}
      It has been up for{' '}
      <strong className="font-medium text-ink tabular-nums" title={since.toLocaleString()}>
        {uptime(vm.started, now)}
      </strong>
      .
    </>
  );
}

/** Whether the guest agent reports: a guest without one may not hear a graceful request. */
function AgentNote({ vm, request }: { vm: FleetVm; request: string }) {
  return vm.agentReporting ? (
    <p className="flex items-center gap-1.5 text-xs text-ok">
      <CircleCheck aria-hidden="true" className="size-3.5 shrink-0" />
      Guest agent is reporting
    </p>
  ) : (
    <p className="flex items-start gap-1.5 rounded-md bg-warn/10 px-3 py-2 text-xs text-ink ring-1 ring-warn/30 ring-inset">
      <TriangleAlert aria-hidden="true" className="mt-px size-3.5 shrink-0 text-warn" />
      <span>No guest agent is reporting: the guest may ignore the {request} request</span>
    </p>
  );
}

const Name = ({ children }: { children: ReactNode }) => (
  <strong className="font-semibold text-ink">{children}</strong>
);

export function ConfirmActionDialog({
  kind,
  vm,
  stale,
  capacityReason,
  role,
  offerEscalation = false,
  onConfirm,
  onClose,
}: ConfirmActionDialogProps) {
  const [now] = useState(() => Date.now());
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const escalation = offerEscalation && kind === 'shutdown';
  // Without a reporting agent the guest may ignore the request: propose the escalation.
  const [escalate, setEscalate] = useState(() => escalation && !vm.agentReporting);
  const [forceAfter, setForceAfter] = useState(String(FORCE_AFTER.default));
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const hintId = useId();

  const action = kind === 'startAnyway' ? ACTIONS.start : ACTIONS[kind];
  const blockedByStale = stale && action.needsFreshData;
  const policy = reasonPolicy(action.id, role);
  const reasonBlocks = reasonProblem(reason, policy) !== null;
  const forceAfterS = escalation && escalate ? parseForceAfter(forceAfter) : null;
  const escalationBlocks = escalation && escalate && forceAfterS === null;
  let title: string;
  let description: ReactNode;
  let body: ReactNode = null;
  let confirmLabel = action.label;
  let ready = true;
  const danger = kind === 'forceOff' || kind === 'reset';

  switch (kind) {
    case 'shutdown':
      title = `Shut down ${vm.name}?`;
      description = (
        <>
          <Name>{vm.name}</Name> is asked to shut down cleanly (ACPI).{upFor(vm, now)} Most guests stop within
          two minutes; some ignore the request.
        </>
      );
      body = (
        <>
          <AgentNote vm={vm} request="shut down" />
          {escalation && (
            <ForceAfterField
              checked={escalate}
              onCheckedChange={setEscalate}
              seconds={forceAfter}
              onSecondsChange={setForceAfter}
            />
          )}
        </>
      );
      break;
    case 'reboot':
      title = `Reboot ${vm.name}?`;
      description = (
        <>
          <Name>{vm.name}</Name> is asked to restart cleanly and is unavailable until it is back, usually
          within two minutes.{upFor(vm, now)}
        </>
      );
      body = <AgentNote vm={vm} request="reboot" />;
      break;
    case 'hibernate':
      title = `Hibernate ${vm.name}?`;
      description = (
        <>
          Its memory is saved to disk and it powers off, freeing {vm.cpuCores} cores and {ram(vm.ram)}
          {vm.nodeName ? ` on ${vm.nodeName}` : ''}. Start resumes it where it left off.{upFor(vm, now)}
        </>
      );
      break;
    case 'forceOff':
      title = `Force off ${vm.name}?`;
      description = (
        <>
          This cuts the power at once, like pulling the plug.{' '}
          <strong className="font-medium text-bad">Anything the guest has not written to disk is lost</strong>
          , and its file systems may need repair. Try Shut down first when you can.
        </>
      );
      ready = typed === vm.name;
      body = (
        <div className="space-y-1.5">
          <label htmlFor={inputId} className="block text-sm font-medium">
            Type the VM name to confirm
          </label>
          <input
            ref={inputRef}
            id={inputId}
            type="text"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-describedby={hintId}
            autoComplete="off"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            className={
              'block h-9 w-full rounded-md border border-line bg-surface px-2.5 font-mono text-sm text-ink ' +
              'placeholder:text-muted/70 focus-visible:outline-2 focus-visible:outline-offset-1 ' +
              'focus-visible:outline-bad'
            }
            placeholder={vm.name}
          />
          <p id={hintId} className="text-xs text-muted">
            Type <span className="font-mono text-ink">{vm.name}</span> exactly.
          </p>
        </div>
      );
      break;
    case 'reset':
      title = `Reset ${vm.name}?`;
      description = (
        <>
          This restarts <Name>{vm.name}</Name> at once, without shutting the guest down.{' '}
          <strong className="font-medium text-bad">Unsaved data in the guest is lost.</strong> Prefer Reboot
          when the guest still responds.
        </>
      );
      ready = acknowledged;
      body = (
        <CheckboxField
          checked={acknowledged}
          onCheckedChange={setAcknowledged}
          tone="danger"
          label="I understand the guest restarts without shutting down"
        />
      );
      break;
    case 'startAnyway':
      title = `Start ${vm.name} anyway?`;
      confirmLabel = 'Start anyway';
      description = (
        <>
          {capacityReason}. <Name>{vm.name}</Name> needs {vm.cpuCores} cores and {ram(vm.ram)}. VergeOS will
          most likely refuse; free capacity first, or try anyway if the figures are out of date.
        </>
      );
      break;
  }

  return (
    <Dialog
      onClose={onClose}
      title={title}
      description={description}
      tone={danger ? 'danger' : 'default'}
      initialFocus={kind === 'forceOff' ? inputRef : undefined}
      actions={{
        confirmLabel,
        disabled: !ready || blockedByStale || reasonBlocks || escalationBlocks,
        onConfirm: () => {
          onClose();
          onConfirm(policy === 'none' ? '' : reason, forceAfterS);
        },
      }}
    >
      {body || blockedByStale || policy !== 'none' ? (
        <>
          {body}
          {policy !== 'none' && (
            <ReasonField required={policy === 'required'} value={reason} onChange={setReason} />
          )}
          {blockedByStale && (
            <p className="rounded-md bg-warn/10 px-3 py-2 text-xs text-ink ring-1 ring-inset ring-warn/30">
              The fleet data is out of date, so {action.label} stays disabled until it refreshes.
            </p>
          )}
        </>
      ) : undefined}
    </Dialog>
  );
}
