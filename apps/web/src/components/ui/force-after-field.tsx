// "Force off if still running after [120] s": the escalation of a graceful shut down, offered only to roles that
// may force off. A checkbox and the seconds (within the BFF's bounds); the seconds field is off while unticked.
import { useId } from 'react';
import { FORCE_AFTER, FORCE_AFTER_HINT, parseForceAfter } from '../../lib/force-after';

export function ForceAfterField({
  checked,
  onCheckedChange,
  seconds,
  onSecondsChange,
}: {
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  /** As typed. */
  seconds: string;
  onSecondsChange: (seconds: string) => void;
}) {
  const id = useId();
  const invalid = checked && parseForceAfter(seconds) === null;
  return (
    <div className="space-y-1 rounded-md border border-line bg-surface px-3 py-2.5">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1.5">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(e) => onCheckedChange(e.target.checked)}
          className="size-4 shrink-0 accent-bad"
        />
        <label htmlFor={id} className="text-sm">
          Force off if still running after
        </label>
        <input
          type="number"
          inputMode="numeric"
          aria-label="Seconds before forcing off"
          aria-invalid={invalid || undefined}
          aria-describedby={`${id}-hint`}
          min={FORCE_AFTER.min}
          max={FORCE_AFTER.max}
          step={1}
          disabled={!checked}
          value={seconds}
          onChange={(e) => onSecondsChange(e.target.value)}
          className={`h-7 w-20 rounded-md border bg-panel px-2 text-sm text-ink tabular-nums shadow-xs disabled:opacity-50 ${invalid ? 'border-bad' : 'border-field'}`}
        />
        <span className="text-sm text-muted">s</span>
      </div>
      <p id={`${id}-hint`} className={`text-xs ${invalid ? 'text-bad' : 'text-muted'}`}>
        {invalid ? FORCE_AFTER_HINT : 'Anything the guest has not saved by then is lost.'}
      </p>
    </div>
  );
}
