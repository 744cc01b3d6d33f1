// What a schedule's run does to capacity, from the fleet snapshot: the cores and RAM its stops free, or whether its
// starts fit on the nodes now (the fleet's one-VM start pre-check, for many VMs at once: first-fit by RAM, largest
// VM first, on nodes not in maintenance). VergeOS decides in the end; this tells people before the run. No TypeBox
// here (the type only), so that the web app may import it.
import type { FleetNode, FleetVm } from './fleet';
import { actionApplies } from './operation-terms';
import type { ScheduleAction } from './schedule-terms';
import type { Capacity } from './schedules';

type Vm = Pick<FleetVm, 'status' | 'cpuCores' | 'ram' | 'runningCores' | 'runningRam'>;
type Node = Pick<FleetNode, 'name' | 'cores' | 'ram' | 'runningCores' | 'runningRam' | 'maintenance'>;

/** RAM in words: "512 MB", "1.5 GB", "2 TB". */
export function ramWords(mb: number): string {
  const one = (n: number) => String(Math.round(n * 10) / 10);
  if (mb < 1024) return `${mb} MB`;
  if (mb < 1024 * 1024) return `${one(mb / 1024)} GB`;
  return `${one(mb / 1024 / 1024)} TB`;
}

/** "1 core", "4 cores". */
export const coreWords = (n: number) => `${n} ${n === 1 ? 'core' : 'cores'}`;
/** "1 VM", "3 VMs". */
export const vmWords = (n: number) => `${n} ${n === 1 ? 'VM' : 'VMs'}`;

/**
 * Whether VMs needing these cores and RAM can all start now: each, largest RAM first, on the node with the most
 * free RAM that has both. Returns the VMs left without a node (0: all fit) and the nodes used. The one placement
 * rule of the capacity pre-checks (a schedule's, a plan's dry run).
 */
export function place(
  needs: readonly Pick<Vm, 'cpuCores' | 'ram'>[],
  nodes: readonly Node[],
): { unplaced: number; used: string[] } {
  const rooms = nodes
    .filter((n) => !n.maintenance)
    .map((n) => ({ name: n.name, cores: n.cores - n.runningCores, ram: n.ram - n.runningRam, used: false }));
  let unplaced = 0;
  for (const vm of [...needs].sort((a, b) => b.ram - a.ram || b.cpuCores - a.cpuCores)) {
    let best: (typeof rooms)[number] | undefined;
    for (const r of rooms) {
      if (r.cores >= vm.cpuCores && r.ram >= vm.ram && (!best || r.ram > best.ram)) best = r;
    }
    if (!best) {
      unplaced++;
      continue;
    }
    best.cores -= vm.cpuCores;
    best.ram -= vm.ram;
    best.used = true;
  }
  return { unplaced, used: rooms.filter((r) => r.used).map((r) => r.name) };
}

/** `vms`: the VMs the schedule's targets name now; `nodes`: the snapshot's nodes. */
export function scheduleCapacity(
  action: ScheduleAction,
  vms: readonly Vm[],
  nodes: readonly Node[],
): Capacity {
  const applying = vms.filter((vm) => actionApplies(action, vm.status));
  const others = vms.length - applying.length;
  const aside =
    others > 0 ? ` (${vmWords(others)} would be skipped: the action does not apply to their status)` : '';
  const base = { vms: vms.length, applies: applying.length };
  if (applying.length === 0) {
    return {
      ...base,
      cores: 0,
      ramMb: 0,
      fits: null,
      summary:
        vms.length === 0
          ? 'No VM matches now'
          : `None of the ${vmWords(vms.length)} would be acted on now${aside}`,
    };
  }
  if (action === 'start') {
    const cores = applying.reduce((s, vm) => s + vm.cpuCores, 0);
    const ramMb = applying.reduce((s, vm) => s + vm.ram, 0);
    const need = `Needs ${coreWords(cores)} and ${ramWords(ramMb)} for ${vmWords(applying.length)}`;
    if (nodes.length === 0) return { ...base, cores, ramMb, fits: null, summary: `${need}${aside}` };
    const { unplaced, used } = place(applying, nodes);
    const where =
      unplaced === 0
        ? `: fits now (on ${used.join(', ')})`
        : `: does not fit now (${vmWords(unplaced)} would find no node with room)`;
    return { ...base, cores, ramMb, fits: unplaced === 0, summary: `${need}${where}${aside}` };
  }
  if (action === 'reboot') {
    return {
      ...base,
      cores: 0,
      ramMb: 0,
      fits: null,
      summary: `Reboots ${vmWords(applying.length)}: frees nothing${aside}`,
    };
  }
  const cores = applying.reduce((s, vm) => s + vm.runningCores, 0);
  const ramMb = applying.reduce((s, vm) => s + vm.runningRam, 0);
  return {
    ...base,
    cores,
    ramMb,
    fits: null,
    summary: `Frees ${coreWords(cores)} and ${ramWords(ramMb)} (${vmWords(applying.length)})${aside}`,
  };
}
