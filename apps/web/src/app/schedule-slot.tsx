// The app layer puts the schedules feature's next action on the fleet's cards and the VM's page: one query of
// every VM's next scheduled action for the whole page (refetched every minute and after any change to a schedule),
// indexed by VM here once; each card's line reads its own VM's entry through context, so a new answer re-renders
// the lines, not the cards or the grid. `renderNextAction` is one stable function (the cards are memoized).
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Permission } from '@powerdeck/contracts/roles';
import type { NextAction, NextActions } from '@powerdeck/contracts/schedules';
import { useQuery } from '@tanstack/react-query';
import { createContext, use, useMemo, type ReactNode } from 'react';
import { scheduleQueries } from '../features/schedules/api/schedules-queries';
import { NextActionNote } from '../features/schedules/components/next-action-note';
import { indexNextActions } from '../features/schedules/lib/words';

interface ScheduleContextValue {
  byVm: ReadonlyMap<number, NextAction>;
  canSkip: boolean;
}

const ScheduleContext = createContext<ScheduleContextValue | null>(null);
const byVm = (d: NextActions) => indexNextActions(d.actions);

export function ScheduleSlotProvider({
  permissions,
  children,
}: {
  permissions: readonly Permission[];
  children: ReactNode;
}) {
  const { data } = useQuery({
    ...scheduleQueries.nextActions(),
    enabled: permissions.includes('fleet:read'),
    select: byVm,
  });
  const canSkip = permissions.includes('schedules:skip');
  const value = useMemo(() => (data ? { byVm: data, canSkip } : null), [data, canSkip]);
  return <ScheduleContext value={value}>{children}</ScheduleContext>;
}

function VmNextAction({ vm, className }: { vm: FleetVm; className: string }) {
  const ctx = use(ScheduleContext);
  const action = ctx?.byVm.get(vm.key);
  if (!ctx || !action) return null;
  return <NextActionNote action={action} canSkip={ctx.canSkip} className={className} />;
}

/** The cards' `note` slot. */
export function renderNextAction(vm: FleetVm): ReactNode {
  return <VmNextAction vm={vm} className="-mt-2 pr-3 pb-2.5 pl-4" />;
}

/** The VM page's `note` slot. */
export function renderNextActionOnPage(vm: FleetVm): ReactNode {
  return <VmNextAction vm={vm} className="-mt-2 px-4 pb-3 sm:px-5" />;
}
