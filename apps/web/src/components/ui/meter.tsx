// A horizontal meter (use against capacity): role="meter" with its figures, coloured by how full it is.
import { share } from '../../lib/format';

/** Full enough to warn at, and to call full at. */
const WARN_AT = 0.8;
const FULL_AT = 0.95;

export function Meter({
  label,
  used,
  total,
  valueText,
  className,
}: {
  label: string;
  used: number;
  total: number;
  valueText: string;
  className?: string;
}) {
  const f = share(used, total);
  const tone = f >= FULL_AT ? 'bg-bad' : f >= WARN_AT ? 'bg-warn' : 'bg-accent';
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={Math.min(used, total)}
      aria-valuetext={valueText}
      className={`h-1.5 overflow-hidden rounded-full bg-line ${className ?? ''}`}
    >
      <div className={`h-full rounded-full ${tone}`} style={{ width: `${(f * 100).toFixed(1)}%` }} />
    </div>
  );
}
