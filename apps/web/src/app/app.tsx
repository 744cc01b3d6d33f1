// The app shell: header, the stale banner, and the routes (the fleet at `/`, a VM at `/vms/:key`, loaded on
// demand). It owns the one fleet query of the page and composes the features: the power controls go into the
// fleet's card slot (power-slot.tsx), disabled while the data is stale.
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link, Route, Switch, useSearch } from 'wouter';
import { fleetQueries } from '../features/fleet/api/fleet-queries';
import { useFleet } from '../features/fleet/api/use-fleet';
import { FleetView } from '../features/fleet/components/fleet-view';
import { StaleBanner } from '../features/fleet/components/stale-banner';
import { AppHeader } from './app-header';
import { PowerSlotProvider, renderPowerControls } from './power-slot';
import { useRole } from './use-role';

const VmDetail = lazy(() =>
  import('../features/fleet/components/vm-detail').then((m) => ({ default: m.VmDetail })),
);

const PAGE = 'mx-auto w-full max-w-[100rem] px-4 sm:px-6';

function NotFound() {
  return (
    <main className={`${PAGE} py-10`}>
      <h2 className="text-lg font-semibold">Page not found</h2>
      <Link href="/" className="mt-2 inline-block rounded-sm text-sm font-medium text-accent hover:underline">
        Back to the fleet
      </Link>
    </main>
  );
}

export function App() {
  const { query, snapshot, health, asOf } = useFleet();
  const meta = useQuery(fleetQueries.meta());
  const role = useRole();
  const search = useSearch();

  return (
    <PowerSlotProvider nodes={snapshot?.nodes} stale={health.stale} role={role}>
      <div className="flex min-h-dvh flex-col">
        <AppHeader demo={meta.data?.demo ?? false} asOf={asOf} stale={health.stale} />
        {health.stale && (
          <div className={`${PAGE} pt-4`}>
            <StaleBanner health={health} />
          </div>
        )}
        <Switch>
          <Route path="/">
            <main className={`${PAGE} py-4 sm:py-5`}>
              <FleetView
                snapshot={snapshot}
                loadError={query.isError && !snapshot ? query.error : null}
                onRetry={() => void query.refetch()}
                actions={renderPowerControls}
              />
            </main>
          </Route>
          <Route path="/vms/:key">
            {(params) => {
              const key = Number(params.key);
              if (!Number.isInteger(key) || key < 1) return <NotFound />;
              return (
                <Suspense fallback={<p className={`${PAGE} py-5 text-sm text-muted`}>Loading…</p>}>
                  <VmDetail
                    key={key}
                    vmKey={key}
                    vm={snapshot?.vms.find((v) => v.key === key)}
                    fleetLoaded={snapshot !== undefined}
                    backHref={search ? `/?${search}` : '/'}
                    actions={renderPowerControls}
                  />
                </Suspense>
              );
            }}
          </Route>
          <Route>
            <NotFound />
          </Route>
        </Switch>
      </div>
    </PowerSlotProvider>
  );
}
