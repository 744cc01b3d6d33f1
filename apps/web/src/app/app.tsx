// The app shell. `/display` (a wall display's link) and `/sign-in/refused` (why a single sign-on was refused) are
// handled first, signed in or not; then the session gate: "Loading…" while
// the session is asked for, the sign-in page when nobody is signed in (at the address asked for, so the person
// lands there), and once signed in the header, the stale banner and the routes (the fleet at `/`, a VM at
// `/vms/:key`, loaded on demand). `/wall` (where a display link lands) is the wall view on its own: no header,
// no navigation, no power controls (wall-route.tsx). The signed-in app owns the one fleet query of the page and
// the one operations feed (an event stream), and composes the features: the power controls and an operation's countdown go into the
// fleet's card slot (power-slot.tsx), disabled while the data is stale; the selection checkboxes, the bulk bar and
// the bulk report go into the fleet's selection slots (bulk-slot.tsx). `/operations` lists operations; the alert
// pages (`/admin/alerts…`) get the fleet's VMs for a VM filter's "match now". A page that
// throws while drawing is caught around the routes (error-boundaries.tsx): the header and navigation stay.
import type { SessionInfo } from '@powerdeck/contracts/auth';
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { useQuery } from '@tanstack/react-query';
import type { Permission } from '@powerdeck/contracts/roles';
import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { Link, Route, Switch, useLocation, useSearch } from 'wouter';
import { Button } from '../components/ui/button';
import { sessionQueries } from '../features/auth/api/session-queries';
import { DisplayLanding } from '../features/auth/components/display-landing';
import { ssoQueries } from '../features/auth/api/sso-queries';
import { SignInPage } from '../features/auth/components/sign-in-page';
import { SsoRefusedPage } from '../features/auth/components/sso-refused-page';
import { SSO_REFUSED_PATH } from '../features/auth/lib/sign-in';
import { fleetQueries } from '../features/fleet/api/fleet-queries';
import { useFleet } from '../features/fleet/api/use-fleet';
import { FleetView } from '../features/fleet/components/fleet-view';
import { StaleBanner } from '../features/fleet/components/stale-banner';
import { useOperationsFeed } from '../features/operations/api/use-operations-feed';
import { bulkActions, type Viewer } from '../features/operations/lib/bulk';
import { AppHeader } from './app-header';
import { BulkReportSlot, BulkSlotProvider, renderBulkBar, renderSelectBox } from './bulk-slot';
import { RouteErrorBoundary } from './error-boundaries';
import { PowerSlotProvider, renderPowerControls } from './power-slot';
import { renderNextAction, renderNextActionOnPage, ScheduleSlotProvider } from './schedule-slot';
import { useRole } from './use-role';
import { WallRoute } from './wall-route';

const VmDetail = lazy(() =>
  import('../features/fleet/components/vm-detail').then((m) => ({ default: m.VmDetail })),
);
const VmActivity = lazy(() =>
  import('../features/audit/components/vm-activity').then((m) => ({ default: m.VmActivity })),
);
const AuditPage = lazy(() =>
  import('../features/audit/components/audit-page').then((m) => ({ default: m.AuditPage })),
);
const UsersPage = lazy(() =>
  import('../features/admin/components/users-page').then((m) => ({ default: m.UsersPage })),
);
const DisplayLinksPage = lazy(() =>
  import('../features/admin/components/display-links-page').then((m) => ({ default: m.DisplayLinksPage })),
);
const SignInSettingsRoute = lazy(() =>
  import('./sign-in-settings-route').then((m) => ({ default: m.SignInSettingsRoute })),
);
const AlertsPage = lazy(() =>
  import('../features/alerts/components/alerts-page').then((m) => ({ default: m.AlertsPage })),
);
const NewTargetPage = lazy(() =>
  import('../features/alerts/components/target-page').then((m) => ({ default: m.NewTargetPage })),
);
const TargetPage = lazy(() =>
  import('../features/alerts/components/target-page').then((m) => ({ default: m.TargetPage })),
);
const TokensPage = lazy(() =>
  import('../features/tokens/components/tokens-page').then((m) => ({ default: m.TokensPage })),
);
const SchedulesRoute = lazy(() => import('./schedules-route').then((m) => ({ default: m.SchedulesRoute })));
const PlansPage = lazy(() =>
  import('../features/plans/components/plans-page').then((m) => ({ default: m.PlansPage })),
);
const PlanPage = lazy(() =>
  import('../features/plans/components/plan-page').then((m) => ({ default: m.PlanPage })),
);
const PlanEditor = lazy(() =>
  import('../features/plans/components/plan-editor').then((m) => ({ default: m.PlanEditor })),
);
const EditPlanRoute = lazy(() =>
  import('../features/plans/components/plan-editor').then((m) => ({ default: m.EditPlanRoute })),
);
const PlanRunRoute = lazy(() => import('./plan-run-route').then((m) => ({ default: m.PlanRunRoute })));
const OperationsPage = lazy(() =>
  import('../features/operations/components/operations-page').then((m) => ({ default: m.OperationsPage })),
);

const NO_VMS: readonly FleetVm[] = [];

const PAGE = 'mx-auto w-full max-w-[100rem] px-4 sm:px-6';

function Loading() {
  return <p className={`${PAGE} py-5 text-sm text-muted`}>Loading…</p>;
}

/** A page the session's role may not use (the server refuses it too; the header does not link to it). */
function NotAllowed({ what }: { what: string }) {
  return (
    <main className={`${PAGE} py-10`}>
      <h2 className="text-lg font-semibold">Not allowed</h2>
      <p className="mt-1 text-sm text-muted">Your role ({what}) may not open this page.</p>
      <Link href="/" className="mt-2 inline-block rounded-sm text-sm font-medium text-accent hover:underline">
        Back to the fleet
      </Link>
    </main>
  );
}

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
  const [location] = useLocation();
  if (location === '/display') return <DisplayLanding />;
  if (location === SSO_REFUSED_PATH) return <SsoRefusedPage />;
  return <SessionGate />;
}

function SessionGate() {
  const [location] = useLocation();
  const session = useQuery(sessionQueries.current());
  const meta = useQuery(fleetQueries.meta());
  // How people may sign in here, asked for alongside the session so the sign-in page has it at once.
  useQuery({ ...ssoQueries.options(), enabled: !session.data });
  const demo = meta.data?.demo ?? false;

  if (session.data === undefined) {
    if (session.isError) {
      return (
        <main className={`${PAGE} space-y-3 py-10`}>
          <p role="alert" className="text-sm">
            Cannot reach Powerdeck to check who is signed in ({session.error.message}).
          </p>
          <Button variant="primary" onClick={() => void session.refetch()}>
            Try again
          </Button>
        </main>
      );
    }
    return (
      <main className={`${PAGE} py-10`}>
        <p role="status" className="text-sm text-muted">
          Loading…
        </p>
      </main>
    );
  }
  if (session.data === null) return <SignInPage demo={demo} />;
  if (location === '/wall') {
    if (!session.data.permissions.includes('fleet:read')) return <NotAllowed what={session.data.role} />;
    return <WallRoute />;
  }
  return <SignedInApp session={session.data} demo={demo} />;
}

function SignedInApp({ session, demo }: { session: SessionInfo; demo: boolean }) {
  const { query, snapshot, health, asOf } = useFleet();
  const role = useRole();
  const search = useSearch();
  const may = (p: Permission) => session.permissions.includes(p);
  const { username, permissions } = session;
  const me: Viewer = useMemo(() => ({ username, role, permissions }), [username, role, permissions]);
  // Every browser sees every operation's progress, live.
  useOperationsFeed(permissions.includes('fleet:read'));
  // Viewers and displays get no power controls at all (not an empty strip under every card).
  const powerControls = permissions.some((p) => p.startsWith('vm:')) ? renderPowerControls : undefined;
  // Selection and bulk actions for those who may do at least one of them.
  const bulk = bulkActions(permissions).length > 0;
  const guarded = (p: Permission, page: ReactNode) =>
    may(p) ? (
      <Suspense fallback={<Loading />}>{page}</Suspense>
    ) : (
      <NotAllowed what={session.display ? 'display' : role} />
    );

  return (
    <PowerSlotProvider nodes={snapshot?.nodes} stale={health.stale} me={me}>
      <BulkSlotProvider me={me} stale={health.stale}>
        <ScheduleSlotProvider permissions={permissions}>
          <div className="flex min-h-dvh flex-col">
            <AppHeader demo={demo} asOf={asOf} stale={health.stale} session={session} />
            {health.stale && (
              <div className={`${PAGE} pt-4`}>
                <StaleBanner health={health} />
              </div>
            )}
            <RouteErrorBoundary>
              <Switch>
                <Route path="/">
                  <main className={`${PAGE} py-4 sm:py-5`}>
                    <FleetView
                      snapshot={snapshot}
                      loadError={query.isError && !snapshot ? query.error : null}
                      onRetry={() => void query.refetch()}
                      actions={powerControls}
                      select={bulk ? renderSelectBox : undefined}
                      note={renderNextAction}
                      selectionBar={bulk ? renderBulkBar : undefined}
                      panel={bulk ? <BulkReportSlot /> : undefined}
                    />
                  </main>
                </Route>
                <Route path="/vms/:key">
                  {(params) => {
                    const key = Number(params.key);
                    if (!Number.isInteger(key) || key < 1) return <NotFound />;
                    return (
                      <Suspense fallback={<Loading />}>
                        <VmDetail
                          key={key}
                          vmKey={key}
                          vm={snapshot?.vms.find((v) => v.key === key)}
                          fleetLoaded={snapshot !== undefined}
                          backHref={search ? `/?${search}` : '/'}
                          actions={powerControls}
                          note={renderNextActionOnPage}
                          activity={<VmActivity vmKey={key} />}
                        />
                      </Suspense>
                    );
                  }}
                </Route>
                <Route path="/operations">{guarded('fleet:read', <OperationsPage me={me} />)}</Route>
                <Route path="/schedules">
                  {guarded(
                    'fleet:read',
                    <SchedulesRoute permissions={permissions} vms={snapshot?.vms ?? NO_VMS} />,
                  )}
                </Route>
                <Route path="/plans">
                  {guarded('fleet:read', <PlansPage role={role} permissions={permissions} />)}
                </Route>
                <Route path="/plans/new">
                  {guarded('plans:manage', <PlanEditor vms={snapshot?.vms ?? NO_VMS} />)}
                </Route>
                <Route path="/plans/:id/edit">
                  {(params) =>
                    guarded('plans:manage', <EditPlanRoute id={params.id} vms={snapshot?.vms ?? NO_VMS} />)
                  }
                </Route>
                <Route path="/plans/:id/runs/:operationId">
                  {(params) =>
                    guarded(
                      'fleet:read',
                      <PlanRunRoute planId={params.id} operationId={params.operationId} me={me} />,
                    )
                  }
                </Route>
                <Route path="/plans/:id">
                  {(params) =>
                    guarded(
                      'fleet:read',
                      <PlanPage
                        key={params.id}
                        id={params.id}
                        role={role}
                        permissions={permissions}
                        vms={snapshot?.vms ?? NO_VMS}
                      />,
                    )
                  }
                </Route>
                <Route path="/audit">{guarded('audit:read', <AuditPage />)}</Route>
                <Route path="/admin/users">{guarded('users:manage', <UsersPage />)}</Route>
                <Route path="/admin/sign-in">{guarded('users:manage', <SignInSettingsRoute />)}</Route>
                <Route path="/admin/displays">{guarded('displays:manage', <DisplayLinksPage />)}</Route>
                <Route path="/admin/alerts">{guarded('alerts:manage', <AlertsPage />)}</Route>
                <Route path="/admin/alerts/new">
                  {guarded('alerts:manage', <NewTargetPage vms={snapshot?.vms ?? NO_VMS} />)}
                </Route>
                <Route path="/admin/alerts/:id">
                  {(params) =>
                    guarded(
                      'alerts:manage',
                      <TargetPage key={params.id} id={params.id} vms={snapshot?.vms ?? NO_VMS} />,
                    )
                  }
                </Route>
                <Route path="/tokens">
                  {guarded('tokens:own', <TokensPage role={role} canSeeAll={may('tokens:all')} />)}
                </Route>
                <Route>
                  <NotFound />
                </Route>
              </Switch>
            </RouteErrorBoundary>
          </div>
        </ScheduleSlotProvider>
      </BulkSlotProvider>
    </PowerSlotProvider>
  );
}
