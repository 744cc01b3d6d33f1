// The app layer composes the fleet, power and operations features (features do not import each other): each
// card's actions slot renders the power controls and, under them, the strip of an operation acting on the VM
// (countdown, "Force now", "Cancel", outcome). For a role that may force off, the power controls' Shut down dialog
// offers "Force off if still running after N s", which this layer turns into an operation on the BFF.
// `renderPowerControls` is one stable function, so a memoized card never re-renders because of it; what the controls
// need besides their VM (nodes, stale, who is looking) comes through context, so a change there re-renders the
// controls inside the cards, not the cards or the grid.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import { createContext, use, useCallback, useMemo, type ReactNode } from 'react';
import {
  dismissVmStart,
  useStartEscalatedShutdown,
  useVmOperation,
  useVmStart,
} from '../features/operations/api/single-vm';
import { OperationStrip } from '../features/operations/components/operation-strip';
import { mayEscalate, type Viewer } from '../features/operations/lib/bulk';
import { PowerControls } from '../features/power/components/power-controls';

interface PowerContextValue {
  nodes: FleetNode[];
  stale: boolean;
  me: Viewer;
}

const PowerContext = createContext<PowerContextValue | null>(null);
const NO_NODES: FleetNode[] = [];

export function PowerSlotProvider({
  nodes,
  stale,
  me,
  children,
}: {
  nodes: FleetNode[] | undefined;
  stale: boolean;
  me: Viewer;
  children: ReactNode;
}) {
  const n = nodes ?? NO_NODES;
  const value = useMemo(() => ({ nodes: n, stale, me }), [n, stale, me]);
  return <PowerContext value={value}>{children}</PowerContext>;
}

function VmPowerControls({ vm }: { vm: FleetVm }) {
  const ctx = use(PowerContext);
  const start = useVmStart(vm.key);
  const view = useVmOperation(vm.key, start?.opId ?? null);
  const startEscalated = useStartEscalatedShutdown();
  const escalate = useCallback(
    (req: { forceAfterS: number; reason: string }) => {
      startEscalated({ vm: { key: vm.key, name: vm.name }, ...req });
    },
    [startEscalated, vm.key, vm.name],
  );
  if (!ctx) return null;
  // The action's button spins while an operation acts on the VM (or its request is on its way).
  const operationAction = view?.live ? view.op.action : start?.sending ? 'shutdown' : null;
  return (
    <>
      <PowerControls
        vm={vm}
        nodes={ctx.nodes}
        stale={ctx.stale}
        who={ctx.me}
        operationAction={operationAction}
        onEscalate={mayEscalate(ctx.me.permissions) ? escalate : undefined}
      />
      <OperationStrip view={view} start={start} me={ctx.me} onDismiss={() => dismissVmStart(vm.key)} />
    </>
  );
}

/** The cards' `actions` slot. */
export function renderPowerControls(vm: FleetVm): ReactNode {
  return <VmPowerControls vm={vm} />;
}
