// Small fleet fixtures for the fleet view's unit tests.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';

export function vm(key: number, patch: Partial<FleetVm> = {}): FleetVm {
  const running = patch.status === undefined || patch.status === 'running';
  return {
    key,
    machine: key + 100,
    name: `vm-${key}`,
    description: '',
    osFamily: 'linux',
    cpuCores: 2,
    ram: 4096,
    guestAgent: true,
    agentReporting: running,
    status: 'running',
    state: running ? 'online' : 'offline',
    running,
    powerstate: running,
    node: running ? 1 : null,
    nodeName: running ? 'node1' : null,
    runningCores: running ? 2 : 0,
    runningRam: running ? 4096 : 0,
    started: running ? 1_700_000_000 : null,
    lastUpdate: 1_700_000_000,
    statusInfo: '',
    ...patch,
  };
}

export function node(key: number, patch: Partial<FleetNode> = {}): FleetNode {
  return {
    key,
    name: `node${key}`,
    cores: 40,
    ram: 98304,
    runningCores: 0,
    runningRam: 0,
    runningVms: 0,
    maintenance: false,
    ...patch,
  };
}
