// Labelled form fields for the dialogs of the account pages (users, tokens, display links). The label names the
// control; a problem (shown once the person has tried to submit) marks it invalid and is read out with it.
import { useId, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';

/** A text field's or a select's classes; one marked invalid (`aria-invalid`) gets a red border. */
export const INPUT =
  'block h-9 w-full rounded-md border border-field bg-panel px-2.5 text-sm text-ink shadow-xs ' +
  'placeholder:text-muted hover:border-muted aria-[invalid=true]:border-bad';

/** The `aria-invalid` and `aria-describedby` of the control `id`: its hint (if any), then its problem (if any). */
export function fieldAria(id: string, problem: string | null | undefined, hintId?: string) {
  const describedBy = [hintId, problem ? `${id}-problem` : undefined].filter(Boolean).join(' ');
  return {
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': describedBy || undefined,
  } as const;
}

/** A label over its control (`children`, whose id is `id`), and the problem below, if any. */
export function Field({
  id,
  label,
  problem,
  children,
}: {
  id: string;
  label: string;
  /** Shown (and read out with the control, see `fieldAria`) once the person has tried to submit. */
  problem?: string | null;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children}
      {problem && (
        <p id={`${id}-problem`} className="text-xs text-bad">
          {problem}
        </p>
      )}
    </div>
  );
}

type TextFieldProps = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'type' | 'value' | 'onChange' | 'className' | 'aria-invalid' | 'aria-describedby'
> & {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem?: string | null;
  ref?: Ref<HTMLInputElement>;
};

/** A labelled one-line text field; the other props (`maxLength`, `autoComplete`, …) go to the input. */
export function TextField({ id, label, value, onChange, problem, ...input }: TextFieldProps) {
  return (
    <Field id={id} label={label} problem={problem}>
      <input
        {...input}
        id={id}
        type="text"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...fieldAria(id, problem)}
        className={INPUT}
      />
    </Field>
  );
}

/** A labelled select over a fixed list of values (strings or numbers); `optionLabel` words each one. */
export function SelectField<T extends string | number>({
  id,
  label,
  value,
  options,
  optionLabel = String,
  onChange,
}: {
  id: string;
  label: string;
  value: T;
  options: readonly T[];
  optionLabel?: (option: T) => string;
  onChange: (value: T) => void;
}) {
  return (
    <Field id={id} label={label}>
      <select
        id={id}
        value={value}
        onChange={(e) => {
          const next = options.find((o) => String(o) === e.target.value);
          if (next !== undefined) onChange(next);
        }}
        className={INPUT}
      >
        <Options options={options} optionLabel={optionLabel} />
      </select>
    </Field>
  );
}

/** The `option`s of a select: each value, worded by `optionLabel`. */
export function Options<T extends string | number>({
  options,
  optionLabel = String,
}: {
  options: readonly T[];
  optionLabel?: (option: T) => string;
}) {
  return options.map((o) => (
    <option key={o} value={o}>
      {optionLabel(o)}
    </option>
  ));
}

/** A refusal or failure shown in place (the server's message), announced at once. */
export function FormError({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
      {children}
    </p>
  );
}

/**
 * A checkbox in a framed box: its label on the line (with more controls after it, `extra`, given the hint's id)
 * and a hint below that the checkbox is described by. `tone="danger"` ticks in red (the choice can lose data);
 * `invalid` turns the hint red.
 */
export function CheckboxField({
  checked,
  onCheckedChange,
  label,
  hint,
  invalid = false,
  tone = 'default',
  extra,
}: {
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  label: ReactNode;
  hint?: ReactNode;
  invalid?: boolean;
  tone?: 'default' | 'danger';
  extra?: (hintId: string) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="space-y-1 rounded-md border border-line bg-surface px-3 py-2.5">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1.5">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(e) => onCheckedChange(e.target.checked)}
          aria-describedby={hint === undefined ? undefined : hintId}
          className={`size-4 shrink-0 ${tone === 'danger' ? 'accent-bad' : 'accent-accent'}`}
        />
        <label htmlFor={id} className="text-sm">
          {label}
        </label>
        {extra?.(hintId)}
      </div>
      {hint !== undefined && (
        <p id={hintId} className={`text-xs ${invalid ? 'text-bad' : 'text-muted'}`}>
          {hint}
        </p>
      )}
    </div>
  );
}
