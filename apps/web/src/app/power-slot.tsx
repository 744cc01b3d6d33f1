// The app layer composes the fleet and power features (features do not import each other): each card's actions
// slot renders the power controls. `renderPowerControls` is one stable function, so a memoized card never
// re-renders because of it; what the controls need besides their VM (nodes, stale, role) comes through context,
// so a change there re-renders the controls inside the cards, not the cards or the grid.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import { createContext, use, useMemo, type ReactNode } from 'react';
import { PowerControls } from '../features/power/components/power-controls';
import type { Role } from './use-role';

interface PowerContextValue {
  nodes: FleetNode[];
  stale: boolean;
  role: Role;
}

const PowerContext = createContext<PowerContextValue | null>(null);
const NO_NODES: FleetNode[] = [];

export function PowerSlotProvider({
  nodes,
  stale,
  role,
  children,
}: {
  nodes: FleetNode[] | undefined;
  stale: boolean;
  role: Role;
  children: ReactNode;
}) {
  const n = nodes ?? NO_NODES;
  const value = useMemo(() => ({ nodes: n, stale, role }), [n, stale, role]);
  return <PowerContext value={value}>{children}</PowerContext>;
}

function VmPowerControls({ vm }: { vm: FleetVm }) {
  const ctx = use(PowerContext);
  if (!ctx) return null;
  return <PowerControls vm={vm} nodes={ctx.nodes} stale={ctx.stale} role={ctx.role} />;
}

/** The cards' `actions` slot. */
export function renderPowerControls(vm: FleetVm): ReactNode {
  return <VmPowerControls vm={vm} />;
}
