// An audit outcome as a badge: its label in the colour of its tone (accepted calm, refused or failed in the error
// colour, a conflict a warning, a request in flight neutral). The label carries the meaning, never the colour alone.
import type { AuditOutcome } from '@powerdeck/contracts/audit-terms';
import { TONE_BADGE } from '../../../lib/status';
import { OUTCOME_LABELS, outcomeTone } from '../lib/audit-words';

export function OutcomeBadge({ outcome }: { outcome: AuditOutcome }) {
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${TONE_BADGE[outcomeTone(outcome)]}`}
    >
      {OUTCOME_LABELS[outcome]}
    </span>
  );
}
