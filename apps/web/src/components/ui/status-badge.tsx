// A VM's status as a badge: icon, label and colour from the one status map, so colour is never the only signal.
// A moving status pulses its icon (not its text, which keeps its contrast) and can say for how long it has moved.
import type { PowerStatus } from '@powerdeck/contracts/power';
import { STATUS, TONE_BADGE } from '../../lib/status';
import { Elapsed } from './relative-time';

export function StatusBadge({ status, since = null }: { status: PowerStatus; since?: number | null }) {
  const s = STATUS[status];
  const Icon = s.icon;
  const moving = s.tone === 'moving';
  const badge = (
    <span
      className={`inline-flex shrink-0 items-center gap-1 rounded-full py-0.5 pr-2 pl-1.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${TONE_BADGE[s.tone]}`}
    >
      <Icon
        aria-hidden="true"
        className={`size-3.5 shrink-0 ${moving ? 'motion-safe:animate-breathe' : ''}`}
        strokeWidth={2.25}
      />
      {s.label}
    </span>
  );
  if (!moving || since === null) return badge;
  return (
    <span className="inline-flex shrink-0 items-center gap-1.5">
      {badge}
      <Elapsed since={since} className="text-xs font-medium text-accent" />
    </span>
  );
}
