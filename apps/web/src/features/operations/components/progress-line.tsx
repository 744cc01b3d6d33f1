// What an operation's VM is doing, ticking: "Forcing off in 1:23" (a `timer`), "Rebooting · times out in 1:50", or
// plain words. Reads the page's one clock through a selector, so only this text re-renders each second.
import { useNowSelector } from '../../../lib/clock';
import { progressText, type VmProgress } from '../lib/countdown';

export function ProgressLine({ progress, className = '' }: { progress: VmProgress; className?: string }) {
  const text = useNowSelector((now) => progressText(progress, now));
  if (progress.kind === 'text') return <span className={className}>{text}</span>;
  return (
    <span role="timer" className={`tabular-nums ${className}`}>
      {text}
    </span>
  );
}
