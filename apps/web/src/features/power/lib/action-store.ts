// In-flight power actions, keyed by VM key. Cards are virtualized (unmounted when scrolled away),
// so what a click started lives here, outside any component: a card that comes back into view
// shows the same spinner, elapsed time and outcome. No React in this file.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { ActionId } from './actions';
import { isActive, newWatch, observe, type ActionMessage, type Watch } from './watch';

type Polled = Pick<FleetVm, 'key' | 'status' | 'started' | 'statusInfo'>;

interface ActionStore {
  get: (vmKey: number) => Watch | undefined;
  subscribe: (listener: () => void) => () => void;
  /**
   * Starts watching an action, or refuses (null) while one is already being watched on this VM: a
   * second click sends nothing. Only with `takeOver` (a force off or reset, the next step after a
   * stuck shut down or reboot) may a different action replace the one being watched.
   */
  begin: (input: {
    vm: Polled;
    vmName: string;
    action: ActionId;
    now: number;
    takeOver?: boolean;
  }) => Watch | null;
  /** VergeOS accepted the action (201). */
  accepted: (vmKey: number, id: number) => void;
  /** The POST failed. With `keepWatching` (a timeout) the action may still happen, so the watch goes on. */
  failed: (vmKey: number, id: number, message: ActionMessage, keepWatching: boolean, now: number) => void;
  /** Feeds a fresh fleet snapshot to every watch. */
  observeFleet: (vms: readonly Polled[], now: number) => void;
  /** Feeds one VM as polled (a card passes what it shows). */
  observeVm: (vm: Polled, now: number) => void;
  /** Forgets what the card shows for this VM (the person dismissed it). */
  dismiss: (vmKey: number) => void;
}

export function createActionStore(): ActionStore {
  let watches = new Map<number, Watch>();
  const listeners = new Set<() => void>();
  let nextId = 1;

  function set(vmKey: number, w: Watch | undefined) {
    const next = new Map(watches);
    if (w) next.set(vmKey, w);
    else next.delete(vmKey);
    watches = next;
    for (const l of listeners) l();
  }

  function update(vmKey: number, id: number, f: (w: Watch) => Watch) {
    const w = watches.get(vmKey);
    if (!w || w.id !== id) return;
    const n = f(w);
    if (n !== w) set(vmKey, n);
  }

  return {
    get: (vmKey) => watches.get(vmKey),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    begin({ vm, vmName, action, now, takeOver = false }) {
      const current = watches.get(vm.key);
      if (isActive(current) && (!takeOver || current.action === action)) return null;
      const w = newWatch({ id: nextId++, vm, vmName, action, startedAt: now });
      set(vm.key, w);
      return w;
    },
    accepted(vmKey, id) {
      update(vmKey, id, (w) => (w.posted ? w : { ...w, posted: true }));
    },
    failed(vmKey, id, message, keepWatching, now) {
      update(vmKey, id, (w) => {
        if (keepWatching) return { ...w, notice: message };
        // Already finished by what the poll showed (the answer came late): keep that outcome.
        if (w.outcome) return w;
        return { ...w, outcome: { kind: 'refused', message }, finishedAt: now };
      });
    },
    observeFleet(vms, now) {
      let changed = false;
      let next: Map<number, Watch> | undefined;
      const byKey = new Map<number, Polled>();
      for (const vm of vms) byKey.set(vm.key, vm);
      for (const [key, w] of watches) {
        if (!isActive(w)) continue;
        const n = observe(w, byKey.get(key), now);
        if (n !== w) {
          next ??= new Map(watches);
          next.set(key, n);
          changed = true;
        }
      }
      if (changed && next) {
        watches = next;
        for (const l of listeners) l();
      }
    },
    observeVm(vm, now) {
      const w = watches.get(vm.key);
      if (!isActive(w)) return;
      const n = observe(w, vm, now);
      if (n !== w) set(vm.key, n);
    },
    dismiss(vmKey) {
      const w = watches.get(vmKey);
      if (w && !isActive(w)) set(vmKey, undefined);
    },
  };
}

/** The app's one store. */
export const actionStore = createActionStore();
