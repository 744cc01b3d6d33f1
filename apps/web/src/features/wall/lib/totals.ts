// The big numbers at the top of the wall. Every VM counts once: running (calm), stopped (quiet), changing (on its
// way to another status), needs attention (bad and warning statuses), and down unexpectedly (stopped, without an
// action through Powerdeck; see stops.ts). Pure (tested in test/wall-totals.test.ts).
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { StopMark } from './stops';
import { tileLook } from './stops';

export interface WallTotals {
  total: number;
  running: number;
  stopped: number;
  changing: number;
  attention: number;
  down: number;
}

export function wallTotals(vms: readonly FleetVm[], marks: ReadonlyMap<number, StopMark>): WallTotals {
  const t: WallTotals = { total: vms.length, running: 0, stopped: 0, changing: 0, attention: 0, down: 0 };
  for (const vm of vms) {
    switch (tileLook(vm, marks.get(vm.key))) {
      case 'ok':
        t.running += 1;
        break;
      case 'idle':
        t.stopped += 1;
        break;
      case 'moving':
        t.changing += 1;
        break;
      case 'down':
        t.down += 1;
        break;
      case 'bad':
      case 'warn':
        t.attention += 1;
        break;
    }
  }
  return t;
}
