// What the card says about the VM's action: a progress bar with elapsed time against the guide's
// timeout while it is watched, what to do once the timeout has passed, errors in plain words.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { Check, TriangleAlert, X } from 'lucide-react';
import { STATUS } from '../../../lib/status';
import { ACTIONS } from '../lib/actions';
import { describeDone, describeFailure, describeOverdue } from '../lib/messages';
import type { PowerViewer } from '../lib/predicates';
import { hasMoved, isOverdue, type ActionMessage, type Watch } from '../lib/watch';

/** How long "web-01 is running (3 s)." stays on the card. */
export const DONE_VISIBLE_MS = 8000;

function phaseText(w: Watch): string {
  if (hasMoved(w)) return STATUS[w.lastStatus].label;
  if (w.notice) return 'No answer from VergeOS; watching';
  return w.posted ? 'Waiting for the VM' : 'Sending';
}

export function ActionProgress({
  watch,
  vm,
  who,
  now,
}: {
  watch: Watch;
  vm: FleetVm;
  who: PowerViewer;
  now: number;
}) {
  const a = ACTIONS[watch.action];
  const elapsed = Math.max(0, Math.floor((now - watch.startedAt) / 1000));
  const total = watch.timeoutMs / 1000;
  const overdue = isOverdue(watch, now);
  const pct = Math.min(100, (elapsed / total) * 100);
  const overdueInfo = overdue ? describeOverdue(watch.action, vm, who) : null;

  return (
    <div className="space-y-1.5">
      <div className="flex items-center gap-2 text-xs">
        <span className="shrink-0 font-medium whitespace-nowrap">{a.progressive}</span>
        <span className="min-w-0 truncate text-muted">· {phaseText(watch)}</span>
        <span className="ml-auto shrink-0 whitespace-nowrap tabular-nums text-muted">
          {elapsed} s <span className="text-muted/70">/ {total} s</span>
        </span>
      </div>
      <div
        role="progressbar"
        aria-label={`${a.label} progress`}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={Math.min(elapsed, total)}
        aria-valuetext={`${elapsed} s of ${total} s`}
        className="h-1 overflow-hidden rounded-full bg-line/70"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-1000 ease-linear ${overdue ? 'bg-warn' : 'bg-accent'}`}
          style={{ width: `${pct}%` }}
        />
      </div>
      {overdueInfo && (
        <p role="status" className="text-xs text-ink">
          <TriangleAlert aria-hidden="true" className="-mt-0.5 mr-1 inline size-3.5 text-warn" />
          {overdueInfo.text}
        </p>
      )}
      {watch.notice && <Message message={watch.notice} tone="warn" />}
    </div>
  );
}

export function Message({
  message,
  tone,
  onDismiss,
}: {
  message: ActionMessage;
  tone: 'bad' | 'warn';
  onDismiss?: () => void;
}) {
  const edge = tone === 'bad' ? 'border-bad bg-bad/5' : 'border-warn bg-warn/5';
  return (
    <div
      role="alert"
      className={`flex items-start gap-1 rounded-r-md border-l-2 py-1.5 pr-1 pl-2.5 text-xs ${edge}`}
    >
      <div className="min-w-0 flex-1 space-y-0.5">
        <p className="break-words">{message.text}</p>
        {message.hints && message.hints.length > 0 && (
          <p className="text-muted">What to try: {message.hints.join('; ')}.</p>
        )}
      </div>
      {onDismiss && (
        <button
          type="button"
          aria-label="Dismiss"
          title="Dismiss"
          onClick={onDismiss}
          className="-mt-0.5 inline-flex size-5 shrink-0 items-center justify-center rounded text-muted hover:bg-line/60 hover:text-ink"
        >
          <X aria-hidden="true" className="size-3.5" />
        </button>
      )}
    </div>
  );
}

/** What the card says once a watch has ended; null when there is nothing (left) to say. */
export function ActionOutcome({
  watch,
  who,
  now,
  onDismiss,
}: {
  watch: Watch;
  who: PowerViewer;
  now: number;
  onDismiss: () => void;
}) {
  const o = watch.outcome;
  if (!o) return null;
  switch (o.kind) {
    case 'done':
      if (watch.finishedAt !== null && now - watch.finishedAt > DONE_VISIBLE_MS) return null;
      return (
        <p role="status" className="flex items-center gap-1.5 text-xs text-ok">
          <Check aria-hidden="true" className="size-3.5" />
          {describeDone(watch.action, watch.vmName, (watch.finishedAt ?? now) - watch.startedAt)}
        </p>
      );
    case 'failed':
      return (
        <Message
          tone="bad"
          message={describeFailure(watch.action, watch.vmName, o.status, o.statusInfo, who)}
          onDismiss={onDismiss}
        />
      );
    case 'gone':
      return (
        <Message
          tone="warn"
          message={{
            status: 404,
            text: `${watch.vmName} is no longer in the fleet: it was deleted or renamed.`,
          }}
          onDismiss={onDismiss}
        />
      );
    case 'refused':
      return (
        <Message tone={o.message.status === 409 ? 'warn' : 'bad'} message={o.message} onDismiss={onDismiss} />
      );
  }
}
