// One VM's graceful-then-force shut down, started from its card's Shut down dialog, and what the card shows of
// operations on its VM. What a click started lives here, outside any component, so a card scrolled away and back
// (the grid is virtualized) shows the same state: the request on its way, its refusal, or the operation's id, whose
// outcome stays on the card until dismissed.
import type { OperationList } from '@powerdeck/contracts/operations';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useSyncExternalStore } from 'react';
import { cleanText } from '../lib/text';
import { operationErrorText } from '../lib/errors';
import { indexByVm, pickVmOperation, type VmIndex, type VmOperation } from '../lib/vm-operation';
import { createOperation } from './operation-mutations';
import { operationsQueries, writeOperation } from './operations-queries';

export interface VmStart {
  /** The POST is on its way. */
  sending: boolean;
  /** It was refused or got no answer (in words). */
  error: string | null;
  /** The operation it created. */
  opId: string | null;
}

let starts = new Map<number, VmStart>();
const listeners = new Set<() => void>();
function set(vmKey: number, s: VmStart | undefined) {
  const next = new Map(starts);
  if (s) next.set(vmKey, s);
  else next.delete(vmKey);
  starts = next;
  for (const l of listeners) l();
}
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** What this page started on this VM, if anything. */
export function useVmStart(vmKey: number): VmStart | undefined {
  return useSyncExternalStore(
    subscribe,
    () => starts.get(vmKey),
    () => starts.get(vmKey),
  );
}

/** Forgets what the card shows for this VM (the person dismissed it). */
export function dismissVmStart(vmKey: number): void {
  const s = starts.get(vmKey);
  if (s && !s.sending) set(vmKey, undefined);
}

interface EscalatedShutdown {
  vm: { key: number; name: string };
  forceAfterS: number;
  reason: string;
}

/**
 * Starts "shut down, force off after N s" on one VM: one POST /api/operations, never retried. Returns false when
 * nothing was sent (one is already on its way for this VM).
 */
export function useStartEscalatedShutdown() {
  const client = useQueryClient();
  const { mutate } = useMutation({
    mutationKey: ['operations', 'create', 'single'],
    // Everything happens here: `mutate`'s own callbacks do not run once the card is scrolled away.
    mutationFn: async (req: EscalatedShutdown) => {
      const reason = cleanText(req.reason);
      try {
        const op = await createOperation({
          action: 'shutdown',
          vms: [req.vm.key],
          forceAfterS: req.forceAfterS,
          ...(reason === undefined ? {} : { reason }),
        });
        writeOperation(client, op);
        set(req.vm.key, { sending: false, error: null, opId: op.id });
        return op;
      } catch (error) {
        set(req.vm.key, {
          sending: false,
          error: operationErrorText(error, `shut down ${req.vm.name}`),
          opId: null,
        });
        throw error;
      }
    },
  });
  return useCallback(
    (req: EscalatedShutdown): boolean => {
      if (starts.get(req.vm.key)?.sending) return false;
      set(req.vm.key, { sending: true, error: null, opId: null });
      mutate(req);
      return true;
    },
    [mutate],
  );
}

// One index per version of the list, shared by every card.
const indexes = new WeakMap<OperationList, VmIndex>();
function indexOf(data: OperationList): VmIndex {
  let index = indexes.get(data);
  if (!index) {
    index = indexByVm(data.operations);
    indexes.set(data, index);
  }
  return index;
}

/**
 * The operation a card shows for its VM (see pickVmOperation). Reads the list the feed keeps current, without a
 * timer of its own; re-renders only when what it picks changes.
 */
export function useVmOperation(vmKey: number, mine: string | null): VmOperation | null {
  const select = useCallback(
    (data: OperationList) => pickVmOperation(indexOf(data), vmKey, mine),
    [vmKey, mine],
  );
  // `enabled: false`: the feed fetches and polls; a card only reads (each observer with a timer would run its own).
  const { data } = useQuery({ ...operationsQueries.list(), enabled: false, select });
  return data ?? null;
}
