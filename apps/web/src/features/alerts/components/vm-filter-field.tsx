// A target's VM filter: the fleet filter language (the wall's and the schedules'), its hint, and which VMs its name
// and node words take now ("3 VMs match now: web-01, web-02, web-03"). Its `status:` words are about the VM when the
// event happens (`status:down` is a VM down unexpectedly), so the preview leaves them out and says so. Empty: every
// VM. Events that are not about a VM (operations, schedules, VergeOS, the leader) are never filtered.
import { matchesFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { useMemo } from 'react';
import { fieldAria, INPUT } from '../../../components/ui/field';
import { plural } from '../../../lib/format';
import { someNames, type PickableVm } from '../../../lib/vm-targets';
import { MAX_VM_FILTER } from '../lib/draft';

/** The VMs whose name and node the filter takes now, and whether it also has a status part (checked at the event). */
export function vmFilterPreview<T extends PickableVm>(
  vms: readonly T[],
  text: string,
): { matches: T[]; byStatus: boolean } {
  const f = parseFilter(text);
  const byStatus = f.statuses.length > 0 || f.groups.length > 0 || f.down;
  const now = { ...f, statuses: [], groups: [], down: false };
  return { matches: vms.filter((vm) => matchesFilter(vm, now)), byStatus };
}

export function VmFilterField({
  id,
  value,
  onChange,
  vms,
  problem,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  /** The fleet snapshot's VMs (empty while it loads). */
  vms: readonly PickableVm[];
  problem?: string | undefined;
}) {
  const { matches, byStatus } = useMemo(() => vmFilterPreview(vms, value), [vms, value]);
  const hintId = `${id}-hint`;
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium">
        VM filter
      </label>
      <input
        id={id}
        type="text"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        maxLength={MAX_VM_FILTER}
        placeholder="e.g. prod node:node1"
        autoComplete="off"
        spellCheck={false}
        {...fieldAria(id, problem, hintId)}
        className={`${INPUT} font-mono`}
      />
      <p id={hintId} className="text-xs text-muted">
        VM events only for the VMs it matches, as in the fleet view: name words, <code>node:</code> and{' '}
        <code>status:</code> (their status when it happens; <code>status:down</code> is a VM down
        unexpectedly). Empty: every VM. Other events are not filtered.
      </p>
      {problem && (
        <p id={`${id}-problem`} className="text-xs text-bad">
          {problem}
        </p>
      )}
      <p className="text-sm tabular-nums" aria-live="polite">
        {!value.trim() ? (
          <span className="text-muted">Every VM{vms.length > 0 && ` (${plural(vms.length, 'VM')} now)`}</span>
        ) : (
          <>
            {plural(matches.length, 'VM')} {matches.length === 1 ? 'matches' : 'match'} now
            {byStatus && ' by name and node'}
            {matches.length > 0 && (
              <span className="text-muted">: {someNames(matches.map((m) => m.name))}</span>
            )}
          </>
        )}
      </p>
    </div>
  );
}
