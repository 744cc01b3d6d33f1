// A saved filter as targets (a schedule's, a plan tier's): a text field in the fleet filter language, named `Filter`
// (its label is for screen readers; the targets' choice above says what it is), its hint, and the VMs it matches
// now in the fleet snapshot ("2 VMs match now: lab-web-01, lab-web-02"), read out as they change. The problem, if
// any, is the caller's to show, with the id `fieldAria` gives it (`<id>-problem`): it sits under all the targets.
import { MAX_FILTER_LENGTH } from '@powerdeck/contracts/schedule-terms';
import { useMemo } from 'react';
import { plural } from '../../lib/format';
import { filterMatches, someNames, type PickableVm } from '../../lib/vm-targets';
import { fieldAria, INPUT } from './field';

export function FilterField({
  id,
  value,
  onChange,
  vms,
  placeholder,
  problem,
}: {
  /** The input's id; its hint is `<id>-hint`, its problem `<id>-problem`. */
  id: string;
  value: string;
  onChange: (value: string) => void;
  /** The fleet snapshot's VMs, to match the filter against. */
  vms: readonly PickableVm[];
  /** An example filter, as fits the caller. */
  placeholder: string;
  /** Marks the field invalid and names the caller's problem paragraph in its description. */
  problem?: string | null | undefined;
}) {
  const matches = useMemo(() => filterMatches(vms, value), [vms, value]);
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="sr-only">
        Filter
      </label>
      <input
        id={id}
        type="text"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        maxLength={MAX_FILTER_LENGTH}
        placeholder={placeholder}
        {...fieldAria(id, problem, `${id}-hint`)}
        className={`${INPUT} font-mono`}
      />
      <p id={`${id}-hint`} className="text-xs text-muted">
        Name words, <code>status:</code> and <code>node:</code>, as in the fleet view; resolved again at each
        run.
      </p>
      {value.trim() && (
        <p className="text-sm tabular-nums" aria-live="polite">
          {plural(matches.length, 'VM')} {matches.length === 1 ? 'matches' : 'match'} now
          {matches.length > 0 && (
            <span className="text-muted">: {someNames(matches.map((m) => m.name))}</span>
          )}
        </p>
      )}
    </div>
  );
}
