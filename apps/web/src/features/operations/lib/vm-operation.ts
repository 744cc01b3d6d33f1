// Which operation a VM's card shows: one that is acting on the VM now (whoever started it: every browser sees the
// progress), else the outcome of a single-VM operation started from this page, until it is dismissed. Pure (tested
// in test/operations-report.test.ts). Every card asks at every change of any operation, so the list is indexed by
// VM once per change, not searched once per card.
import type { Operation, OperationVm } from '@powerdeck/contracts/operations';

export interface VmOperation {
  op: Operation;
  vm: OperationVm;
  /** Still acting on this VM (pending or active): the card's button for the action keeps its spinner. */
  live: boolean;
}

export type VmIndex = ReadonlyMap<number, readonly VmOperation[]>;

const LIVE: ReadonlySet<string> = new Set(['pending', 'active']);

/** Each VM's place in each operation, in the list's order. */
export function indexByVm(ops: readonly Operation[]): VmIndex {
  const index = new Map<number, VmOperation[]>();
  for (const op of ops) {
    const running = op.status === 'running';
    for (const vm of op.vms) {
      const entry = { op, vm, live: running && LIVE.has(vm.state) };
      const list = index.get(vm.key);
      if (list) list.push(entry);
      else index.set(vm.key, [entry]);
    }
  }
  return index;
}

/**
 * `mine`: the id of the operation started for this VM from this page (its outcome stays on the card until
 * dismissed), or null.
 */
export function pickVmOperation(index: VmIndex, vmKey: number, mine: string | null): VmOperation | null {
  const entries = index.get(vmKey);
  if (!entries) return null;
  let outcome: VmOperation | null = null;
  for (const e of entries) {
    if (e.live) return e;
    if (e.op.id === mine) outcome = e;
  }
  return outcome;
}
