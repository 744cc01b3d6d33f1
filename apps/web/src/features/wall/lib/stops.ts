// "Down unexpectedly" or "stopped by NAME": the BFF lists recent stops (`GET /api/fleet/stops`, FleetStop in the
// contracts); a stop marks a VM's tile while the VM is still down (stopped, hibernated, or in a bad or warning
// status: not running and not on its way anywhere). Pure (tested in test/wall-stops.test.ts).
import type { FleetStop, FleetVm } from '@powerdeck/contracts/fleet';
import { STATUS } from '../../../lib/status';

export interface StopMark {
  /** Who stopped it through Powerdeck, or null: down unexpectedly. */
  by: string | null;
}

const UNEXPECTED: StopMark = { by: null };

/** Whether a VM is still down: the only VMs a stop can mark. */
function isDown(vm: FleetVm): boolean {
  const tone = STATUS[vm.status].tone;
  return tone === 'idle' || tone === 'bad' || tone === 'warn';
}

/**
 * The marks for the VMs on screen, by VM key. Bounded by the fleet: a stop of a VM not in the fleet, or of a VM
 * running again, marks nothing. The newest stop of a VM wins (the BFF lists them newest first).
 */
export function stopMarks(
  vms: readonly FleetVm[],
  stops: readonly FleetStop[] | undefined,
): ReadonlyMap<number, StopMark> {
  const marks = new Map<number, StopMark>();
  if (!stops || stops.length === 0) return marks;
  const byKey = new Map<number, FleetStop>();
  for (const s of stops) {
    const seen = byKey.get(s.key);
    if (!seen || Date.parse(s.at) > Date.parse(seen.at)) byKey.set(s.key, s);
  }
  for (const vm of vms) {
    const stop = byKey.get(vm.key);
    if (stop && isDown(vm)) marks.set(vm.key, stop.by === null ? UNEXPECTED : { by: stop.by });
  }
  return marks;
}

/** What a tile says, after the VM's name: "Running", "Down unexpectedly", "Stopped by alice", "Error, down unexpectedly". */
export function tileStatusText(vm: FleetVm, mark: StopMark | undefined): string {
  const label = STATUS[vm.status].label;
  if (!mark) return label;
  const idle = STATUS[vm.status].tone === 'idle';
  if (mark.by === null) return idle ? 'Down unexpectedly' : `${label}, down unexpectedly`;
  return idle ? `${label} by ${mark.by}` : `${label}, stopped by ${mark.by}`;
}

/** A tile's accessible name: "web-01: Running", "db-02: Down unexpectedly", "app-03: Stopped by alice". */
export function tileLabel(vm: FleetVm, mark: StopMark | undefined): string {
  return `${vm.name}: ${tileStatusText(vm, mark)}`;
}

/**
 * A tile's look: its status's tone, except that a stopped VM that went down unexpectedly looks like a warning
 * (`down`). A VM in a bad status keeps its bad look (it is worse than down).
 */
export type TileLook = 'bad' | 'down' | 'warn' | 'moving' | 'ok' | 'idle';

export function tileLook(vm: FleetVm, mark: StopMark | undefined): TileLook {
  const tone = STATUS[vm.status].tone;
  if (mark?.by === null && tone === 'idle') return 'down';
  return tone;
}
