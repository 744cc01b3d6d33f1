// One VM as a card: status first, then what a person compares (node, cores and RAM, uptime, guest agent), VergeOS's
// status_info when there is something to say, and a slot at the bottom for the power controls (rendered by the app
// layer). Memoized: it re-renders when its own VM object changes (structural sharing keeps unchanged ones
// identical), not when another VM does; ticking times re-render their own text only.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { memo, type KeyboardEvent, type ReactNode } from 'react';
import { Link } from 'wouter';
import { Uptime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import { ram } from '../../../lib/format';
import { STATUS, TONE_CARD } from '../../../lib/status';

/** Renders a VM's power controls (or anything else the app puts at the bottom of a card). */
export type VmActionsSlot = (vm: FleetVm) => ReactNode;

/** Renders something before the VM's name (the app's selection checkbox, for bulk actions): one small element. */
export type VmSelectSlot = (vm: FleetVm) => ReactNode;

interface VmCardProps {
  vm: FleetVm;
  /** Since when (epoch ms) a moving VM has been in its status; null when not moving or unknown. */
  movingSince: number | null;
  /** Where the name links to: the VM's detail page, keeping the fleet view's choices. */
  detailHref: string;
  actions?: VmActionsSlot | undefined;
  /** A stable function (the card is memoized): a new one re-renders every card. */
  select?: VmSelectSlot | undefined;
  /** One small muted line under the facts (the app's next scheduled action), or nothing; a stable function. */
  note?: VmActionsSlot | undefined;
}

/** Counts renders per VM in development (the profiler's job, checkable from the console). */
const renders: Map<number, number> | null = import.meta.env.DEV ? new Map() : null;
if (renders)
  (globalThis as { __powerdeckCardRenders?: Map<number, number> }).__powerdeckCardRenders = renders;

function openOnEnter(e: KeyboardEvent<HTMLElement>) {
  // Enter on the card itself (j/k focus it) opens its detail; Enter on a button inside is the button's.
  if (e.key !== 'Enter' || e.target !== e.currentTarget) return;
  e.preventDefault();
  e.currentTarget.querySelector<HTMLAnchorElement>('a[data-detail]')?.click();
}

const DOT = 'before:mr-1 before:inline-block before:size-1.5 before:rounded-full before:align-middle';

function Agent({ vm }: { vm: FleetVm }) {
  if (!vm.running) return null;
  if (!vm.guestAgent) return <span title="The guest agent is not enabled for this VM">no agent</span>;
  return vm.agentReporting ? (
    <span className={`${DOT} before:bg-ok`} title="The guest agent reports">
      agent
    </span>
  ) : (
    <span
      className={`${DOT} text-warn before:bg-warn`}
      title="The guest agent is enabled but does not report"
    >
      agent silent
    </span>
  );
}

export const VmCard = memo(function VmCard({
  vm,
  movingSince,
  detailHref,
  actions,
  select,
  note,
}: VmCardProps) {
  if (renders) renders.set(vm.key, (renders.get(vm.key) ?? 0) + 1);
  const tone = STATUS[vm.status].tone;
  const cores = vm.running ? vm.runningCores || vm.cpuCores : vm.cpuCores;
  const mem = vm.running ? vm.runningRam || vm.ram : vm.ram;
  const infoClass =
    tone === 'bad'
      ? 'bg-bad-soft text-bad'
      : tone === 'warn'
        ? 'bg-warn-soft text-warn'
        : 'bg-sunken text-muted';
  return (
    <article
      aria-label={vm.name}
      data-vm-key={vm.key}
      tabIndex={-1}
      onKeyDown={openOnEnter}
      className={`@container relative flex h-full scroll-mt-40 flex-col overflow-hidden rounded-lg border bg-panel shadow-xs transition-colors before:absolute before:inset-y-0 before:left-0 before:w-[3px] focus-visible:outline-offset-1 ${TONE_CARD[tone]}`}
    >
      <div className="flex items-start gap-3 pt-3 pr-3 pl-4">
        {select?.(vm)}
        <div className="min-w-0 flex-1">
          <h3 className="truncate text-[0.9375rem] leading-5 font-semibold">
            <Link
              href={detailHref}
              data-detail=""
              className={`rounded-sm hover:underline ${tone === 'idle' ? 'text-ink/85' : ''}`}
            >
              {vm.name}
            </Link>
          </h3>
          <p className="truncate text-xs leading-5 text-muted" title={vm.description || undefined}>
            {vm.description || '\u00a0'}
          </p>
        </div>
        <StatusBadge status={vm.status} since={movingSince} />
      </div>

      <p className="flex flex-wrap items-center gap-x-3 gap-y-0.5 pt-2 pr-3 pb-3 pl-4 text-xs leading-5 text-muted tabular-nums">
        <span className={vm.nodeName ? 'font-medium text-ink' : ''} title={vm.nodeName ? 'Node' : undefined}>
          {vm.nodeName ?? 'no node'}
        </span>
        <span title={vm.running ? 'Running cores and RAM' : 'Configured cores and RAM'}>
          {cores} {cores === 1 ? 'core' : 'cores'} · {ram(mem)}
        </span>
        {vm.running && vm.started ? <Uptime started={vm.started} /> : null}
        <Agent vm={vm} />
      </p>
      {note?.(vm)}

      {vm.statusInfo && (
        <p
          className={`mx-3 -mt-1 mb-3 line-clamp-2 rounded-md px-2.5 py-1.5 text-xs leading-4 ${infoClass}`}
          title={vm.statusInfo}
        >
          {vm.statusInfo}
        </p>
      )}

      {actions && <div className="mt-auto border-t border-line bg-sunken/60 px-3 py-2">{actions(vm)}</div>}
    </article>
  );
});
