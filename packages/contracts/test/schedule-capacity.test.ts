import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import { describe, expect, it } from 'vitest';
import { scheduleCapacity } from '../src/schedule-capacity';

type Vm = Pick<FleetVm, 'status' | 'cpuCores' | 'ram' | 'runningCores' | 'runningRam'>;
const GB = 1024;
const running = (cores: number, ramGb: number): Vm => ({
  status: 'running',
  cpuCores: cores,
  ram: ramGb * GB,
  runningCores: cores,
  runningRam: ramGb * GB,
});
const stopped = (cores: number, ramGb: number): Vm => ({
  status: 'stopped',
  cpuCores: cores,
  ram: ramGb * GB,
  runningCores: 0,
  runningRam: 0,
});
const node = (name: string, freeCores: number, freeRamGb: number, maintenance = false): FleetNode => ({
  key: name.length,
  name,
  cores: 64,
  ram: 256 * GB,
  runningCores: 64 - freeCores,
  runningRam: (256 - freeRamGb) * GB,
  runningVms: 0,
  maintenance,
});

describe('what a schedule frees or needs', () => {
  it('a shut down frees the cores and RAM of the running VMs; stopped ones would be skipped', () => {
    const c = scheduleCapacity('shutdown', [running(4, 16), running(8, 32), stopped(2, 4)], []);
    expect(c).toEqual({
      vms: 3,
      applies: 2,
      cores: 12,
      ramMb: 48 * GB,
      fits: null,
      summary:
        'Frees 12 cores and 48 GB (2 VMs) (1 VM would be skipped: the action does not apply to their status)',
    });
  });

  it('a start that fits names the nodes it would use', () => {
    const c = scheduleCapacity(
      'start',
      [stopped(4, 16), stopped(4, 16)],
      [node('n1', 6, 20), node('n2', 6, 20)],
    );
    expect(c.fits).toBe(true);
    expect(c.summary).toBe('Needs 8 cores and 32 GB for 2 VMs: fits now (on n1, n2)');
  });

  it('a start that does not fit: each node has room for one but not two; maintenance nodes do not count', () => {
    const vms = [stopped(4, 16), stopped(4, 16), stopped(4, 16)];
    const c = scheduleCapacity('start', vms, [
      node('n1', 6, 20),
      node('n2', 6, 20),
      node('n3', 64, 256, true),
    ]);
    expect(c.fits).toBe(false);
    expect(c.summary).toBe(
      'Needs 12 cores and 48 GB for 3 VMs: does not fit now (1 VM would find no node with room)',
    );
  });

  it('the sum fits but no single node has room for the big VM', () => {
    const c = scheduleCapacity('start', [stopped(2, 24)], [node('n1', 8, 16), node('n2', 8, 16)]);
    expect(c.fits).toBe(false);
  });

  it('no node data: needs, without a verdict; nothing matching; reboot frees nothing', () => {
    expect(scheduleCapacity('start', [stopped(1, 1)], []).fits).toBeNull();
    expect(scheduleCapacity('start', [], [node('n1', 1, 1)]).summary).toBe('No VM matches now');
    expect(scheduleCapacity('start', [running(1, 1)], []).summary).toBe(
      'None of the 1 VM would be acted on now (1 VM would be skipped: the action does not apply to their status)',
    );
    expect(scheduleCapacity('reboot', [running(1, 1)], []).summary).toBe('Reboots 1 VM: frees nothing');
  });
});
