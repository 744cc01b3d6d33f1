// One status vocabulary for the whole app: every VergeOS status with its label and tone.
import type { PowerStatus } from '@powerdeck/contracts/power';

export type Tone = 'ok' | 'idle' | 'moving' | 'warn' | 'bad';

export const STATUS: Record<PowerStatus, { label: string; tone: Tone }> = {
  initializing: { label: 'Initializing', tone: 'moving' },
  starting: { label: 'Starting', tone: 'moving' },
  running: { label: 'Running', tone: 'ok' },
  stopping: { label: 'Stopping', tone: 'moving' },
  unresponsive: { label: 'Unresponsive', tone: 'bad' },
  stopped: { label: 'Stopped', tone: 'idle' },
  hibernated: { label: 'Hibernated', tone: 'idle' },
  hibernating: { label: 'Hibernating', tone: 'moving' },
  initmigrate: { label: 'Preparing migration', tone: 'moving' },
  startmigrate: { label: 'Starting migration', tone: 'moving' },
  migrating: { label: 'Migrating', tone: 'moving' },
  migratecomplete: { label: 'Finishing migration', tone: 'moving' },
  importing: { label: 'Importing', tone: 'moving' },
  maintenance: { label: 'Maintenance', tone: 'warn' },
  leavingmaintenance: { label: 'Leaving maintenance', tone: 'moving' },
  unlicensed: { label: 'Unlicensed', tone: 'bad' },
  needsrefresh: { label: 'Needs refresh', tone: 'warn' },
  needsrestart: { label: 'Needs restart', tone: 'warn' },
  waitingforresources: { label: 'Waiting for resources', tone: 'warn' },
  error: { label: 'Error', tone: 'bad' },
  driversreloading: { label: 'Reloading drivers', tone: 'moving' },
};

export const TONE_CLASS: Record<Tone, string> = {
  ok: 'text-ok bg-ok/10 ring-ok/30',
  idle: 'text-idle bg-idle/10 ring-idle/30',
  moving: 'text-accent bg-accent/10 ring-accent/30 animate-pulse',
  warn: 'text-warn bg-warn/10 ring-warn/30',
  bad: 'text-bad bg-bad/10 ring-bad/40',
};
