// One of a few values, as radio buttons in a row (a schedule's targets and repeats, a plan's help-desk mark, a
// tier's kind of VMs, a dry run's direction): each radio named by its words, the row named by a fieldset's legend.
// `Choice` is the fieldset with its legend; `Radios` is the row alone, for a fieldset that holds more than the row.
import { useId } from 'react';

export interface RadiosProps<T extends string> {
  value: T;
  options: readonly T[];
  words: Readonly<Record<T, string>>;
  onChange: (value: T) => void;
  /** Options that cannot be chosen now (greyed out). */
  disabled?: Partial<Record<T, boolean>>;
  /** More classes for the row. */
  className?: string;
}

/** The radio buttons in a row; the caller's fieldset and legend name them as a group. */
export function Radios<T extends string>({
  value,
  options,
  words,
  onChange,
  disabled,
  className,
}: RadiosProps<T>) {
  const name = useId();
  return (
    <div className={`flex flex-wrap gap-x-4 gap-y-1 ${className ?? ''}`}>
      {options.map((o) => (
        <label
          key={o}
          className={`inline-flex items-center gap-1.5 text-sm ${disabled?.[o] ? 'text-muted' : ''}`}
        >
          <input
            type="radio"
            name={name}
            value={o}
            checked={value === o}
            disabled={disabled?.[o] ?? false}
            onChange={() => onChange(o)}
            className="size-4 accent-accent"
          />
          {words[o]}
        </label>
      ))}
    </div>
  );
}

/** A set of radio buttons in a row, named by its legend. */
export function Choice<T extends string>({ legend, ...radios }: RadiosProps<T> & { legend: string }) {
  return (
    <fieldset className="space-y-1.5">
      <legend className="text-sm font-medium">{legend}</legend>
      <Radios {...radios} />
    </fieldset>
  );
}
