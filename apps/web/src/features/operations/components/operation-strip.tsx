// What a VM's card shows of an operation acting on it: what it is ("Shut down, force off after 120 s"), the
// countdown to the force off ("Forcing off in 1:23"), "Force now" and "Cancel" (a single-VM operation; a bulk one is
// cancelled from its report or the operations page), and once it is over, how it ended, until dismissed. The app
// layer renders it under the card's power buttons.
import { Check, TriangleAlert, X } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { useNowSelector } from '../../../lib/clock';
import { useCancelOperation, useForceOperationVm } from '../api/operation-mutations';
import type { VmStart } from '../api/single-vm';
import { mayCancel, mayForceNow, type Viewer } from '../lib/bulk';
import { vmProgress } from '../lib/countdown';
import { operationErrorText } from '../lib/errors';
import type { VmOperation } from '../lib/vm-operation';
import { ACTION_WORDS, vmsWord } from '../lib/words';
import { ProgressLine } from './progress-line';

/** How long a done outcome stays on the card. */
export const DONE_VISIBLE_MS = 10_000;

function Dismiss({ onClick }: { onClick: () => void }) {
  return (
    <button
      type="button"
      aria-label="Dismiss"
      title="Dismiss"
      onClick={onClick}
      className="-mt-0.5 inline-flex size-5 shrink-0 items-center justify-center rounded text-muted hover:bg-line/60 hover:text-ink"
    >
      <X aria-hidden="true" className="size-3.5" />
    </button>
  );
}

function Alert({ text, onDismiss }: { text: string; onDismiss?: () => void }) {
  return (
    <div
      role="alert"
      className="flex items-start gap-1 rounded-r-md border-l-2 border-bad bg-bad/5 py-1.5 pr-1 pl-2.5 text-xs"
    >
      <p className="min-w-0 flex-1 break-words">{text}</p>
      {onDismiss && <Dismiss onClick={onDismiss} />}
    </div>
  );
}

/** "Shut down, force off after 120 s", "Reboot · 12 VMs by alice". */
function title({ op }: VmOperation): string {
  const words = ACTION_WORDS[op.action];
  const what =
    op.action === 'shutdown' && op.forceAfterS !== null
      ? `Shut down, force off after ${op.forceAfterS} s`
      : words.label;
  return op.vms.length === 1 ? what : `${what} · ${vmsWord(op.vms.length)} by ${op.owner}`;
}

function Live({ view, me }: { view: VmOperation; me: Viewer }) {
  const { op, vm } = view;
  const force = useForceOperationVm();
  const cancel = useCancelOperation();
  const [error, setError] = useState<string | null>(null);
  const canForce = mayForceNow(op, vm, me);
  const canCancel = op.vms.length === 1 && mayCancel(op, me);

  return (
    <div role="group" aria-label="Operation" className="space-y-1.5">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs">
        <span className="font-medium">{title(view)}</span>
        <ProgressLine progress={vmProgress(op, vm)} className="text-muted" />
        {(canForce || canCancel) && (
          <span className="ml-auto flex items-center gap-1">
            {canCancel && (
              <Button
                size="sm"
                variant="secondary"
                className="px-2"
                loading={cancel.isPending}
                onClick={() => {
                  setError(null);
                  cancel.mutate(op.id, {
                    onError: (e) => setError(operationErrorText(e, 'cancel the operation')),
                  });
                }}
              >
                Cancel
              </Button>
            )}
            {canForce && (
              <Button
                size="sm"
                variant="danger-outline"
                className="px-2"
                loading={force.isPending}
                onClick={() => {
                  setError(null);
                  force.mutate(
                    { id: op.id, vmKey: vm.key },
                    { onError: (e) => setError(operationErrorText(e, `force ${vm.name} off now`)) },
                  );
                }}
              >
                Force now
              </Button>
            )}
          </span>
        )}
      </div>
      {error && <Alert text={error} onDismiss={() => setError(null)} />}
    </div>
  );
}

function Outcome({ view, onDismiss }: { view: VmOperation; onDismiss: () => void }) {
  const { vm } = view;
  const what = title(view);
  if (vm.state === 'done') {
    return (
      <p role="status" className="flex items-center gap-1.5 text-xs text-ok">
        <Check aria-hidden="true" className="size-3.5 shrink-0" />
        <span className="min-w-0 flex-1">
          {what}: {vm.detail || 'done'}
        </span>
        <Dismiss onClick={onDismiss} />
      </p>
    );
  }
  const tone = vm.state === 'failed' ? 'border-bad bg-bad/5' : 'border-warn bg-warn/5';
  return (
    <div
      role={vm.state === 'failed' ? 'alert' : 'status'}
      className={`flex items-start gap-1 rounded-r-md border-l-2 py-1.5 pr-1 pl-2.5 text-xs ${tone}`}
    >
      <TriangleAlert aria-hidden="true" className="mt-px size-3.5 shrink-0 text-warn" />
      <p className="min-w-0 flex-1 break-words">
        {what}: {vm.detail || vm.state}
      </p>
      <Dismiss onClick={onDismiss} />
    </div>
  );
}

export function OperationStrip({
  view,
  start,
  me,
  onDismiss,
}: {
  /** The operation acting on (or last started for) this VM. */
  view: VmOperation | null;
  /** What this page started on this VM: a request on its way, or its refusal. */
  start: VmStart | undefined;
  me: Viewer;
  onDismiss: () => void;
}) {
  // A done outcome leaves by itself after a while; anything else stays until dismissed.
  const doneAt = view && !view.live && view.vm.state === 'done' ? Date.parse(view.op.finishedAt ?? '') : NaN;
  const expired = useNowSelector((now) => Number.isFinite(doneAt) && now - doneAt > DONE_VISIBLE_MS);
  let content: ReactNode = null;
  if (start?.error) content = <Alert text={start.error} onDismiss={onDismiss} />;
  else if (view?.live) content = <Live view={view} me={me} />;
  else if (start?.sending) {
    content = (
      <p role="status" className="text-xs text-muted">
        Starting the shut down…
      </p>
    );
  } else if (view && !expired) content = <Outcome view={view} onDismiss={onDismiss} />;
  // Under the power buttons; nothing at all (not even a wrapper) while there is nothing to say.
  return content && <div className="mt-2">{content}</div>;
}
