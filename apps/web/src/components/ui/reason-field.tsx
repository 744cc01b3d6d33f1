// The `Reason` textbox of a confirmation: named "Reason" alone; "required" or "optional" is its description. What
// is typed is sent with the action and recorded in the audit log.
import { MAX_REASON_LENGTH } from '@powerdeck/contracts/roles';
import { useId, type Ref } from 'react';

export function ReasonField({
  required,
  value,
  onChange,
  ref,
}: {
  required: boolean;
  value: string;
  onChange: (value: string) => void;
  ref?: Ref<HTMLTextAreaElement>;
}) {
  const id = useId();
  const nameId = useId();
  const hintId = useId();
  const left = MAX_REASON_LENGTH - value.length;
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="flex items-baseline gap-2 text-sm font-medium">
        <span id={nameId}>Reason</span>
        <span id={hintId} className={`text-xs font-normal ${required ? 'text-ink' : 'text-muted'}`}>
          {required ? 'required, for the audit log' : 'optional, for the audit log'}
        </span>
        {left <= 50 && (
          <span className="ml-auto text-xs font-normal text-muted tabular-nums">{left} left</span>
        )}
      </label>
      <textarea
        ref={ref}
        id={id}
        aria-labelledby={nameId}
        aria-describedby={hintId}
        required={required}
        rows={2}
        maxLength={MAX_REASON_LENGTH}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className={
          'block max-h-40 min-h-14 w-full resize-y rounded-md border border-field bg-panel px-2.5 py-1.5 text-sm ' +
          'text-ink shadow-xs placeholder:text-muted hover:border-muted'
        }
        placeholder={required ? 'Why? e.g. ticket number, caller' : undefined}
      />
    </div>
  );
}
