// Whether any node has room for a VM to start, from the fleet snapshot: each node's capacity minus
// what its running VMs use, skipping nodes in maintenance. VergeOS decides in the end; this tells
// the person before anything is sent.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import { ram as formatRam } from '../../../lib/format';

export interface NodeRoom {
  key: number;
  name: string;
  freeCores: number;
  /** MB. */
  freeRam: number;
  /** Has both the cores and the RAM the VM needs. */
  fits: boolean;
}

type CapacityCheck =
  | { ok: true; nodes: NodeRoom[] }
  | { ok: false; reason: string; short: { cores: boolean; ram: boolean }; nodes: NodeRoom[] };

type Need = Pick<FleetVm, 'cpuCores' | 'ram'>;

/** Free room on every node that can take VMs (not in maintenance), most free RAM first. */
export function nodeRooms(nodes: readonly FleetNode[], need: Need): NodeRoom[] {
  return nodes
    .filter((n) => !n.maintenance)
    .map((n) => {
      const freeCores = Math.max(0, n.cores - n.runningCores);
      const freeRam = Math.max(0, n.ram - n.runningRam);
      return {
        key: n.key,
        name: n.name,
        freeCores,
        freeRam,
        fits: freeCores >= need.cpuCores && freeRam >= need.ram,
      };
    })
    .sort((a, b) => b.freeRam - a.freeRam || b.freeCores - a.freeCores || a.key - b.key);
}

const cores = (n: number) => `${n} ${n === 1 ? 'core' : 'cores'}`;

/** The node with the largest `by`; ties go to the lower key. */
function most(rooms: readonly NodeRoom[], by: (r: NodeRoom) => number): NodeRoom | undefined {
  let best: NodeRoom | undefined;
  for (const r of rooms) if (!best || by(r) > by(best) || (by(r) === by(best) && r.key < best.key)) best = r;
  return best;
}

/**
 * Whether the VM can start anywhere. With no node data at all (not loaded yet) it says yes and lets
 * VergeOS decide.
 */
export function checkStartCapacity(vm: Need, nodes: readonly FleetNode[]): CapacityCheck {
  if (nodes.length === 0) return { ok: true, nodes: [] };
  const rooms = nodeRooms(nodes, vm);
  if (rooms.some((r) => r.fits)) return { ok: true, nodes: rooms };
  if (rooms.length === 0) {
    return {
      ok: false,
      reason: 'Every node is in maintenance, so no node can take it',
      short: { cores: true, ram: true },
      nodes: rooms,
    };
  }
  const mostCores = most(rooms, (r) => r.freeCores);
  const mostRam = most(rooms, (r) => r.freeRam);
  const coresShort = !mostCores || mostCores.freeCores < vm.cpuCores;
  const ramShort = !mostRam || mostRam.freeRam < vm.ram;
  const needRam = `${formatRam(vm.ram)} RAM`;
  let reason: string;
  if (coresShort && ramShort) {
    reason =
      `No node has ${cores(vm.cpuCores)} and ${needRam} free (most free: ` +
      `${cores(mostCores?.freeCores ?? 0)} on ${mostCores?.name ?? '?'}, ` +
      `${formatRam(mostRam?.freeRam ?? 0)} on ${mostRam?.name ?? '?'})`;
  } else if (ramShort) {
    reason = `No node has ${needRam} free (most free: ${formatRam(mostRam?.freeRam ?? 0)} on ${mostRam?.name ?? '?'})`;
  } else if (coresShort) {
    reason = `No node has ${cores(vm.cpuCores)} free (most free: ${mostCores?.freeCores ?? 0} on ${mostCores?.name ?? '?'})`;
  } else {
    // Enough cores somewhere and enough RAM somewhere, but never on the same node.
    reason =
      `No node has both ${cores(vm.cpuCores)} and ${needRam} free ` +
      `(${mostRam?.name ?? '?'} has ${formatRam(mostRam?.freeRam ?? 0)} but ${cores(mostRam?.freeCores ?? 0)}; ` +
      `${mostCores?.name ?? '?'} has ${cores(mostCores?.freeCores ?? 0)} but ${formatRam(mostCores?.freeRam ?? 0)})`;
  }
  return { ok: false, reason, short: { cores: coresShort, ram: ramShort }, nodes: rooms };
}
