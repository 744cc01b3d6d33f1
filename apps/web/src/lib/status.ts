// One status vocabulary for the whole app (cards, detail, filters, audit, wall): every VergeOS status with its
// label, tone (the colour) and icon, so colour is never the only signal. Tested in test/status.test.ts.
//
// Only types come from @powerdeck/contracts/power here: its values module also builds TypeBox schemas, which would
// bring TypeBox into the browser bundle. The Record type makes the map exhaustive; the test checks the order.
import type { PowerStatus } from '@powerdeck/contracts/power';
import { inStatusGroup, type StatusGroup } from '@powerdeck/contracts/fleet-filter';
import {
  ArrowLeftRight,
  CircleX,
  Download,
  Hourglass,
  KeyRound,
  LoaderCircle,
  Moon,
  Play,
  Power,
  PowerOff,
  RefreshCw,
  RotateCcw,
  Square,
  TriangleAlert,
  Wrench,
  ZapOff,
  type LucideIcon,
} from 'lucide-react';

/**
 * `bad`: something is wrong and needs a person; `warn`: needs attention, not broken; `moving`: on its way to another
 * status (pulses, says for how long); `ok`: running, calm; `idle`: off, quiet.
 */
export type Tone = 'bad' | 'warn' | 'moving' | 'ok' | 'idle';

interface StatusMeta {
  label: string;
  tone: Tone;
  icon: LucideIcon;
}

function s(label: string, tone: Tone, icon: LucideIcon): StatusMeta {
  return { label, tone, icon };
}

export const STATUS: Readonly<Record<PowerStatus, StatusMeta>> = {
  initializing: s('Initializing', 'moving', LoaderCircle),
  starting: s('Starting', 'moving', Power),
  running: s('Running', 'ok', Play),
  stopping: s('Stopping', 'moving', PowerOff),
  unresponsive: s('Unresponsive', 'bad', TriangleAlert),
  stopped: s('Stopped', 'idle', Square),
  hibernated: s('Hibernated', 'idle', Moon),
  hibernating: s('Hibernating', 'moving', Moon),
  initmigrate: s('Preparing migration', 'moving', ArrowLeftRight),
  startmigrate: s('Starting migration', 'moving', ArrowLeftRight),
  migrating: s('Migrating', 'moving', ArrowLeftRight),
  migratecomplete: s('Finishing migration', 'moving', ArrowLeftRight),
  importing: s('Importing', 'moving', Download),
  maintenance: s('Maintenance', 'warn', Wrench),
  leavingmaintenance: s('Leaving maintenance', 'moving', Wrench),
  unlicensed: s('Unlicensed', 'bad', KeyRound),
  needsrefresh: s('Needs refresh', 'warn', RefreshCw),
  needsrestart: s('Needs restart', 'warn', RotateCcw),
  waitingforresources: s('Waiting for resources', 'warn', Hourglass),
  error: s('Error', 'bad', CircleX),
  driversreloading: s('Reloading drivers', 'moving', RefreshCw),
};

/**
 * Not a VergeOS status: a VM that stopped without an action through Powerdeck (the BFF's recent stops, by null).
 * The wall marks it with the warning colour and an icon of its own.
 */
export const DOWN_UNEXPECTEDLY: StatusMeta = s('Down unexpectedly', 'warn', ZapOff);

/** Every VergeOS status, in VergeOS's order (the same list as the contracts' POWER_STATUSES). */
export const STATUSES = Object.keys(STATUS) as PowerStatus[];

export function isKnownStatus(value: unknown): value is PowerStatus {
  return typeof value === 'string' && Object.hasOwn(STATUS, value);
}

/** Most urgent first: the order of "sort by status" and of the status filter's groups. */
export const TONE_ORDER: readonly Tone[] = ['bad', 'warn', 'moving', 'ok', 'idle'];

/** A status's place in "sort by status": by tone, then in VergeOS's own order. */
export function statusRank(status: PowerStatus): number {
  return TONE_ORDER.indexOf(STATUS[status].tone) * 100 + STATUSES.indexOf(status);
}

/** Badge colours per tone: text on its soft background (AA in both themes), with a ring of the same hue. */
export const TONE_BADGE: Readonly<Record<Tone, string>> = {
  bad: 'bg-bad-soft text-bad ring-bad/40',
  warn: 'bg-warn-soft text-warn ring-warn/35',
  moving: 'bg-accent-soft text-accent ring-accent/30',
  ok: 'bg-ok-soft text-ok ring-ok/25',
  idle: 'bg-idle-soft text-idle ring-idle/25',
};

/** A card's frame per tone: what is wrong stands out, running is calm, off is quiet. */
export const TONE_CARD: Readonly<Record<Tone, string>> = {
  bad: 'border-bad/60 ring-1 ring-bad/30 before:bg-bad',
  warn: 'border-warn/50 before:bg-warn',
  moving: 'border-accent/40 before:bg-accent',
  ok: 'border-line before:bg-ok/45',
  idle: 'border-line before:bg-transparent',
};

/**
 * The status filter's groups, besides single statuses: their labels here, their members once in the contracts'
 * filter language (test/status.test.ts checks the members are the statuses of these tones).
 */
export const STATUS_GROUPS = {
  attention: { label: 'Needs attention', tones: ['bad', 'warn'] as readonly Tone[] },
  transitional: { label: 'Changing state', tones: ['moving'] as readonly Tone[] },
} as const satisfies Record<StatusGroup, { label: string; tones: readonly Tone[] }>;
export type { StatusGroup };
export { inStatusGroup };

/** A status on its way somewhere (VergeOS's transitional statuses, and importing): pulses, shows for how long. */
export function isMoving(status: PowerStatus): boolean {
  return STATUS[status].tone === 'moving';
}
