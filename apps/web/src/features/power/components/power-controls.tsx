// The power buttons of one VM card, with their confirmations, progress and messages. The app layer
// renders it inside each card; what a click started lives in the action store, so a card scrolled
// away and back shows the same progress. An operation on the BFF acting on the VM (a graceful-then-force shut
// down, a bulk action) comes in from the app as `operationAction`: that button keeps its spinner while it lasts.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import { mayAnyPowerAction } from '@powerdeck/contracts/power-rules';
import { TriangleAlert } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { useActionWatch, usePowerAction } from '../api/use-power-action';
import { ACTIONS, type ActionId } from '../lib/actions';
import { actionStore } from '../lib/action-store';
import { checkStartCapacity } from '../lib/capacity';
import { describeOverdue } from '../lib/messages';
import { availableActions, canPowerOnNode, type PowerViewer } from '../lib/predicates';
import { useTicker } from '../lib/use-ticker';
import { isActive, isOverdue } from '../lib/watch';
import { ActionOutcome, ActionProgress, DONE_VISIBLE_MS } from './action-status';
import { ConfirmActionDialog, type ConfirmKind } from './confirm-action-dialog';
import { PowerIcon } from './power-icons';
import { StartOnNodeDialog } from './start-on-node-dialog';

interface PowerControlsProps {
  vm: FleetVm;
  nodes: FleetNode[];
  /** The fleet snapshot is out of date: destructive actions are disabled. */
  stale: boolean;
  /** Who is looking: the session's permissions decide the buttons (power-rules.ts), the role the reason. */
  who: PowerViewer;
  /** An operation is acting on this VM now (from the app layer): that action's button spins. */
  operationAction?: ActionId | null | undefined;
  /**
   * Offered in the Shut down dialog (roles that may force off): a ticked "Force off if still running after N s"
   * calls this instead of sending the shut down itself.
   */
  onEscalate?: ((req: { forceAfterS: number; reason: string }) => void) | undefined;
}

type OpenDialog = ConfirmKind | 'startOnNode' | null;

const STALE_TITLE = 'Disabled while the fleet data is out of date';

export function PowerControls({
  vm,
  nodes,
  stale,
  who,
  operationAction = null,
  onEscalate,
}: PowerControlsProps) {
  const watch = useActionWatch(vm.key);
  const send = usePowerAction(who);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const active = isActive(watch);
  const showingDone =
    watch?.outcome?.kind === 'done' &&
    watch.finishedAt !== null &&
    Date.now() - watch.finishedAt < DONE_VISIBLE_MS;
  const now = useTicker(active || showingDone);

  // What this card shows is also what the watch goes by (the store is fed every snapshot too).
  useEffect(() => {
    actionStore.observeVm(vm, Date.now());
  }, [vm]);

  if (!mayAnyPowerAction(who.permissions)) return null;

  const startable = availableActions(vm.status, who.permissions).includes('start');
  const capacity = startable ? checkStartCapacity(vm, nodes) : null;
  const noRoom = capacity !== null && !capacity.ok ? capacity.reason : null;
  const overdue = active && isOverdue(watch, now) ? describeOverdue(watch.action, vm, who) : null;

  // The buttons the status and permissions allow, plus the one in flight (it keeps its spinner while the
  // VM moves through statuses where it would not be offered).
  const ids = availableActions(vm.status, who.permissions);
  if (active && !ids.includes(watch.action)) ids.push(watch.action);
  if (operationAction !== null && !ids.includes(operationAction)) ids.push(operationAction);
  const order: ActionId[] = ['start', 'shutdown', 'reboot', 'hibernate', 'forceOff', 'reset'];
  ids.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const safe = ids.filter((id) => !ACTIONS[id].destructive);
  const destructive = ids.filter((id) => ACTIONS[id].destructive);
  const showStartOnNode = canPowerOnNode(vm.status, who.permissions);

  function run(action: ActionId, opts: { preferredNode?: number; reason?: string } = {}) {
    send({ vm, action, ...opts });
  }

  function click(action: ActionId) {
    if (action === 'start') {
      if (noRoom) setDialog('startAnyway');
      else run('start');
      return;
    }
    setDialog(action);
  }

  function button(id: ActionId) {
    const a = ACTIONS[id];
    const inFlight = (active && watch.action === id) || operationAction === id;
    // One action at a time; only a destructive one may take over from a stuck one (the next step).
    const busy = (active || operationAction !== null) && !inFlight && !a.destructive;
    const staleBlocked = stale && a.needsFreshData;
    const highlighted = overdue?.next === id;
    return (
      <Button
        key={id}
        size="sm"
        variant={a.destructive ? 'danger-outline' : 'secondary'}
        loading={inFlight}
        disabled={busy || staleBlocked}
        title={staleBlocked ? STALE_TITLE : undefined}
        className={`px-2 ${highlighted ? 'ring-2 ring-bad/60' : ''}`}
        onClick={() => click(id)}
      >
        {!inFlight && <PowerIcon action={id} />}
        {a.label}
      </Button>
    );
  }

  return (
    <div className="@container space-y-2">
      <div className="flex flex-wrap items-center gap-1">
        {safe.map(button)}
        {showStartOnNode && (
          <Button
            size="sm"
            variant="ghost"
            disabled={active || operationAction !== null}
            className="px-2"
            onClick={() => setDialog('startOnNode')}
          >
            <PowerIcon action="startOnNode" />
            Start on node…
          </Button>
        )}
        {destructive.length > 0 && (
          <div className="ml-auto flex items-center gap-1 pl-2">{destructive.map(button)}</div>
        )}
      </div>

      {noRoom && !active && (
        <p className="flex items-start gap-1.5 text-xs">
          <TriangleAlert aria-hidden="true" className="mt-px size-3.5 shrink-0 text-warn" />
          <span>{noRoom}.</span>
        </p>
      )}
      {stale && ids.some((id) => ACTIONS[id].needsFreshData) && !active && (
        <p className="text-xs text-muted">
          Power actions other than Start are disabled while the data is out of date.
        </p>
      )}

      {active && <ActionProgress watch={watch} vm={vm} who={who} now={now} />}
      {watch && !active && (
        <ActionOutcome watch={watch} who={who} now={now} onDismiss={() => actionStore.dismiss(vm.key)} />
      )}

      {dialog === 'startOnNode' && (
        <StartOnNodeDialog
          vm={vm}
          nodes={nodes}
          onClose={() => setDialog(null)}
          onConfirm={(node) => run('start', { preferredNode: node })}
        />
      )}
      {dialog !== null && dialog !== 'startOnNode' && (
        <ConfirmActionDialog
          kind={dialog}
          vm={vm}
          stale={stale}
          role={who.role}
          offerEscalation={onEscalate !== undefined}
          {...(noRoom ? { capacityReason: noRoom } : {})}
          onClose={() => setDialog(null)}
          onConfirm={(reason, forceAfterS) => {
            if (dialog === 'startAnyway') run('start');
            else if (forceAfterS !== null && onEscalate) onEscalate({ forceAfterS, reason });
            else run(dialog, { reason });
          }}
        />
      )}
    </div>
  );
}
