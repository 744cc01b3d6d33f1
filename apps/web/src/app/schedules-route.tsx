// The app layer gives the Schedules page the power plans a schedule may run (features do not import each other):
// the plans feature's list, by id and name. Loaded on demand, with the page.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { PlanList } from '@powerdeck/contracts/plans';
import type { Permission } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { planQueries } from '../features/plans/api/plans-queries';
import { SchedulesPage } from '../features/schedules/components/schedules-page';

const choices = (d: PlanList) => d.plans.map((p) => ({ id: p.id, name: p.name }));

export function SchedulesRoute({
  permissions,
  vms,
}: {
  permissions: readonly Permission[];
  vms: readonly FleetVm[];
}) {
  const plans = useQuery({ ...planQueries.list(), select: choices });
  return <SchedulesPage permissions={permissions} vms={vms} plans={plans.data} />;
}
