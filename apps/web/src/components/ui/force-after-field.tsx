// "Force off if still running after [120] s": the escalation of a graceful shut down, offered only to roles that
// may force off. A checkbox and the seconds (within the BFF's bounds); the seconds field is off while unticked.
import { FORCE_AFTER, FORCE_AFTER_HINT, parseForceAfter } from '../../lib/force-after';
import { CheckboxField } from './field';

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
  const invalid = checked && parseForceAfter(seconds) === null;
  return (
    <CheckboxField
      checked={checked}
      onCheckedChange={onCheckedChange}
      tone="danger"
      label="Force off if still running after"
      hint={invalid ? FORCE_AFTER_HINT : 'Anything the guest has not saved by then is lost.'}
      invalid={invalid}
      extra={(hintId) => (
        <>
          <input
            type="number"
            inputMode="numeric"
            aria-label="Seconds before forcing off"
            aria-invalid={invalid || undefined}
            aria-describedby={hintId}
            min={FORCE_AFTER.min}
            max={FORCE_AFTER.max}
            step={1}
            disabled={!checked}
            value={seconds}
            onChange={(e) => onSecondsChange(e.target.value)}
            className={`h-7 w-20 rounded-md border bg-panel px-2 text-sm text-ink tabular-nums shadow-xs disabled:opacity-50 ${invalid ? 'border-bad' : 'border-field'}`}
          />
          <span className="text-sm text-muted">s</span>
        </>
      )}
    />
  );
}
