// The fleet for the app shell: the one snapshot query of the page, and whether what it shows is current.
// The app layer reads `health.stale` to disable the power controls while the data is out of date.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useNowSelector } from '../../../lib/clock';
import { useOnline } from '../../../lib/online';
import { dataAsOf, fleetHealth, isOverdue, type FleetHealth } from './fleet-health';
import { fleetQueries } from './fleet-queries';

export type { FleetHealth } from './fleet-health';

/** Mount once per page (the app shell): it owns the poll timer. */
export function useFleet() {
  const query = useQuery(fleetQueries.snapshot());
  const { data, error, dataUpdatedAt, errorUpdatedAt } = query;
  const overdue = useNowSelector((now) => isOverdue({ data, dataUpdatedAt }, now));
  const online = useOnline();
  const { stale, reason, since } = fleetHealth(
    { data, error, dataUpdatedAt, errorUpdatedAt },
    overdue,
    online,
  );
  // The same object while nothing changes (a poll that brought nothing new re-renders nothing below).
  const health: FleetHealth = useMemo(() => ({ stale, reason, since }), [stale, reason, since]);
  return { query, snapshot: data, health, online, asOf: dataAsOf(data) };
}
