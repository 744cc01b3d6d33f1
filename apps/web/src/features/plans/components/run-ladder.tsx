// A plan run's progress ladder: its tiers in run order as rungs on a rail, each with its state (TIER_STATE_WORDS,
// coloured by TIER_STATE_TONES), the server's detail, how long it took (or has taken), and its VMs: each with its
// state in the run's words, its VergeOS status (the one status vocabulary) and, while it is being acted on, its
// time against the tier's timeout (a ticking `timer` in tabular figures, and a thin bar). Between two rungs, while
// the earlier one waits its delay, the countdown to the next. Only the ticking texts re-render each second.
import type { Operation, OperationTier, OperationVm } from '@powerdeck/contracts/operations';
import { TIER_STATE_WORDS, type PlanDirection } from '@powerdeck/contracts/plan-terms';
import { Check, CircleX, Clock, LoaderCircle, Minus, TriangleAlert, type LucideIcon } from 'lucide-react';
import { useId } from 'react';
import { Pill } from '../../../components/ui/data-table';
import { StatusBadge } from '../../../components/ui/status-badge';
import { useNowSelector } from '../../../lib/clock';
import { clock, duration } from '../../../lib/format';
import { isKnownStatus, type Tone } from '../../../lib/status';
import {
  delayText,
  ladder,
  tierElapsedS,
  vmClock,
  vmClockText,
  vmStateWords,
  type Rung,
} from '../lib/ladder';
import { TIER_STATE_TONES } from '../lib/words';

/** The rung's mark on the rail, per tone: its ring and fill, and an icon (colour is never the only signal). */
const MARK: Readonly<Record<Tone, string>> = {
  bad: 'bg-bad text-white ring-bad dark:text-surface',
  warn: 'bg-warn-soft text-warn ring-warn/60',
  moving: 'bg-accent-soft text-accent ring-accent',
  ok: 'bg-ok text-white ring-ok dark:text-surface',
  idle: 'bg-panel text-muted ring-line',
};

function markIcon(state: OperationTier['state']): LucideIcon {
  switch (state) {
    case 'done':
      return Check;
    case 'failed':
      return CircleX;
    case 'partial':
    case 'cancelled':
      return TriangleAlert;
    case 'active':
      return LoaderCircle;
    case 'delay':
      return Clock;
    case 'waiting':
    case 'notRun':
      return Minus;
  }
}

function TierElapsed({ tier }: { tier: OperationTier }) {
  const s = useNowSelector((now) => tierElapsedS(tier, now));
  if (s === null) return null;
  return (
    <span className="text-xs text-muted tabular-nums">
      {tier.endedAt ? 'took' : 'for'} {duration(s)}
    </span>
  );
}

function DelayCountdown({ tier }: { tier: OperationTier }) {
  const text = useNowSelector((now) => delayText(tier, now));
  if (text === null) return null;
  return (
    <p role="timer" aria-label={text} className="text-xs font-medium text-accent tabular-nums">
      {text}
    </p>
  );
}

/** A VM in progress: "0:42 of 3:00" and a bar of the same share, red once past the timeout. */
function VmTime({ vm, tier }: { vm: OperationVm; tier: OperationTier }) {
  const elapsedS = useNowSelector((now) => vmClock(vm, tier, now)?.elapsedS ?? null);
  if (elapsedS === null) return <>{vm.detail || 'Sending'}</>;
  const c = { elapsedS, timeoutS: tier.timeoutS, over: elapsedS >= tier.timeoutS };
  return (
    <span className="inline-flex items-center gap-2">
      <span
        role="timer"
        aria-label={`${vm.name}: ${clock(c.elapsedS)} elapsed of ${clock(c.timeoutS)}`}
        className={`text-xs tabular-nums ${c.over ? 'font-medium text-bad' : 'text-muted'}`}
      >
        {vmClockText(c)}
      </span>
      <span aria-hidden="true" className="h-1 w-16 overflow-hidden rounded-full bg-line">
        <span
          className={`block h-full rounded-full ${c.over ? 'bg-bad' : 'bg-accent'}`}
          style={{ width: `${Math.min(100, (c.elapsedS / Math.max(1, c.timeoutS)) * 100)}%` }}
        />
      </span>
    </span>
  );
}

function VmRow({ vm, tier, direction }: { vm: OperationVm; tier: OperationTier; direction: PlanDirection }) {
  const words = vmStateWords(vm.state, direction);
  return (
    <li className="grid grid-cols-[minmax(8rem,1fr)_auto] items-center gap-x-3 gap-y-0.5 px-3 py-1.5 sm:grid-cols-[minmax(8rem,14rem)_7rem_8rem_1fr]">
      <span className="min-w-0 truncate font-medium" title={vm.name}>
        {vm.name}
      </span>
      <span>
        <Pill tone={words.tone}>{words.label}</Pill>
      </span>
      <span className="hidden sm:inline-flex">
        {isKnownStatus(vm.status) ? (
          <StatusBadge status={vm.status} />
        ) : (
          <span className="text-xs text-muted">{vm.status === null ? 'Not in the fleet' : vm.status}</span>
        )}
      </span>
      <span className="col-span-2 min-w-0 text-xs text-muted sm:col-span-1">
        {vm.state === 'active' ? (
          <VmTime vm={vm} tier={tier} />
        ) : vm.state === 'pending' ? (
          'Waiting for its tier'
        ) : (
          vm.detail || words.label
        )}
      </span>
    </li>
  );
}

function RungItem({ rung, last, direction }: { rung: Rung; last: boolean; direction: PlanDirection }) {
  const headingId = useId();
  const { tier, vms } = rung;
  const tone = TIER_STATE_TONES[tier.state];
  const Icon = markIcon(tier.state);
  const quiet = tier.state === 'waiting' || tier.state === 'notRun';
  return (
    <li aria-labelledby={headingId} className="relative flex gap-3 pb-5 last:pb-0">
      {/* The rail: a line down to the next rung, solid once this one is behind. */}
      {!last && (
        <span
          aria-hidden="true"
          className={`absolute top-8 bottom-0 left-[0.9375rem] w-0.5 ${
            tier.state === 'done' || tier.state === 'partial' ? 'bg-ok/50' : 'bg-line'
          }`}
        />
      )}
      <span
        aria-hidden="true"
        className={`relative z-10 mt-0.5 inline-flex size-8 shrink-0 items-center justify-center rounded-full ring-2 ${MARK[tone]}`}
      >
        <Icon
          className={`size-4 ${tier.state === 'active' ? 'motion-safe:animate-spin' : ''}`}
          strokeWidth={2.5}
        />
      </span>
      <div className={`min-w-0 flex-1 space-y-1.5 ${quiet ? 'opacity-80' : ''}`}>
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <h4 id={headingId} className="text-sm font-semibold">
            <span className="text-muted tabular-nums">Tier {tier.index + 1}</span> · {tier.name}
          </h4>
          <Pill tone={tone}>{TIER_STATE_WORDS[tier.state]}</Pill>
          <span className="text-xs text-muted tabular-nums">
            {rung.settled}/{vms.length} settled
          </span>
          <TierElapsed tier={tier} />
        </div>
        {tier.detail && <p className="text-sm text-muted">{tier.detail}</p>}
        {vms.length > 0 && (
          <ul
            aria-label={`VMs of ${tier.name}`}
            className="divide-y divide-line rounded-md border border-line bg-panel text-sm"
          >
            {vms.map((vm) => (
              <VmRow key={vm.key} vm={vm} tier={tier} direction={direction} />
            ))}
          </ul>
        )}
        <p className="text-xs text-muted">
          Up to {clock(tier.timeoutS)} per VM
          {tier.delayAfterS > 0 && <>, then {duration(tier.delayAfterS)} before the next tier</>}
        </p>
        <DelayCountdown tier={tier} />
      </div>
    </li>
  );
}

/** The ladder of a plan run (nothing for another operation). */
export function RunLadder({ op }: { op: Operation }) {
  const rungs = ladder(op);
  const direction = op.plan?.direction ?? 'start';
  if (rungs.length === 0) return null;
  return (
    <ol aria-label="Tiers in run order" className="space-y-0">
      {rungs.map((r, i) => (
        <RungItem key={r.tier.index} rung={r} last={i === rungs.length - 1} direction={direction} />
      ))}
    </ol>
  );
}
