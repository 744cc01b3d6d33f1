import type { PowerStatus } from '@powerdeck/contracts/power';
import { STATUS, TONE_CLASS } from '../../lib/status';

export function StatusBadge({ status }: { status: PowerStatus }) {
  const s = STATUS[status];
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE_CLASS[s.tone]}`}
    >
      <span aria-hidden="true" className="size-1.5 rounded-full bg-current" />
      {s.label}
    </span>
  );
}
