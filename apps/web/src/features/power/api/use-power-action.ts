import type { FleetSnapshot, FleetVm } from '@powerdeck/contracts/fleet';
import { hashKey, useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { ACTIONS, actionBody, type ActionId } from '../lib/actions';
import { actionStore } from '../lib/action-store';
import { describeActionError } from '../lib/messages';
import type { PowerViewer } from '../lib/predicates';
import type { Watch } from '../lib/watch';
import { FLEET_SNAPSHOT_KEY, postVmAction } from './post-vm-action';

/** The watch of one VM's action, from the store (survives the card being unmounted). */
export function useActionWatch(vmKey: number): Watch | undefined {
  return useSyncExternalStore(
    actionStore.subscribe,
    () => actionStore.get(vmKey),
    () => actionStore.get(vmKey),
  );
}

const connected = new WeakSet<QueryClient>();
const SNAPSHOT_HASH = hashKey(FLEET_SNAPSHOT_KEY);

/**
 * Feeds every fleet snapshot the query cache receives to the store, once per QueryClient, for the
 * app's lifetime: watches move on even while their card is scrolled away.
 */
function connectFleet(client: QueryClient) {
  if (connected.has(client)) return;
  connected.add(client);
  const feed = (data: FleetSnapshot | undefined) => {
    if (data?.fetchedAt && Array.isArray(data.vms)) actionStore.observeFleet(data.vms, Date.now());
  };
  feed(client.getQueryData<FleetSnapshot>(FLEET_SNAPSHOT_KEY));
  client.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated' || event.action.type !== 'success') return;
    if (event.query.queryHash === SNAPSHOT_HASH) feed(event.query.state.data as FleetSnapshot | undefined);
  });
}

interface PowerActionRequest {
  vm: FleetVm;
  action: ActionId;
  preferredNode?: number;
  /** Why, from the confirmation dialog (sent as REASON_HEADER; blank sends none). */
  reason?: string;
}

/**
 * Sends power actions: one click, at most one POST. Never retried, never queued while offline
 * (`networkMode: 'always'`, `retry: false`); a second click while the first is watched sends nothing.
 */
export function usePowerAction(who: PowerViewer) {
  const client = useQueryClient();
  useEffect(() => connectFleet(client), [client]);

  const mutation = useMutation({
    networkMode: 'always',
    retry: false,
    // Everything happens here rather than in onSuccess/onError of `mutate`, which do not run once
    // the card has been scrolled away and unmounted.
    mutationFn: async ({ req, watchId }: { req: PowerActionRequest; watchId: number }) => {
      const key = req.vm.key;
      try {
        const receipt = await postVmAction(
          actionBody(
            req.action,
            req.vm,
            req.preferredNode === undefined ? {} : { preferredNode: req.preferredNode },
          ),
          { reason: req.reason },
        );
        actionStore.accepted(key, watchId);
        void client.invalidateQueries({ queryKey: FLEET_SNAPSHOT_KEY });
        return receipt;
      } catch (error) {
        const v = describeActionError(error, { vmName: req.vm.name, action: req.action, who });
        actionStore.failed(key, watchId, v.message, v.keepWatching, Date.now());
        if (v.refresh) void client.invalidateQueries({ queryKey: FLEET_SNAPSHOT_KEY });
        throw error;
      }
    },
  });
  const { mutate } = mutation;

  /** Returns false when nothing was sent (an action is already being watched on this VM). */
  const run = useCallback(
    (req: PowerActionRequest): boolean => {
      const w = actionStore.begin({
        vm: req.vm,
        vmName: req.vm.name,
        action: req.action,
        now: Date.now(),
        takeOver: ACTIONS[req.action].destructive,
      });
      if (!w) return false;
      mutate({ req, watchId: w.id });
      return true;
    },
    [mutate],
  );
  return run;
}
