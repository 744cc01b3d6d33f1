// `/wall`: the wall view, composed here. The app shell's fleet query (polling in the background too) feeds the
// wall feature, which is loaded on demand (its own chunk). No header, no stale banner, no operations feed, no
// power controls: only the wall. A 401 on any of its requests ends the session as everywhere (providers.tsx).
// A render error shows the wall's own error screen, which tries again by itself (error-boundaries.tsx).
import { lazy, Suspense } from 'react';
import { useFleet } from '../features/fleet/api/use-fleet';
import { WallErrorBoundary } from './error-boundaries';

const WallPage = lazy(() =>
  import('../features/wall/components/wall-page').then((m) => ({ default: m.WallPage })),
);

function WallLoading() {
  return (
    <main aria-label="Wall display" data-wall="" className="fixed inset-0 bg-wall p-6 text-ink scheme-dark">
      <p role="status" className="text-2xl text-muted">
        Loading…
      </p>
    </main>
  );
}

export function WallRoute() {
  return (
    <WallErrorBoundary>
      <WallView />
    </WallErrorBoundary>
  );
}

function WallView() {
  const { query, snapshot, asOf, online } = useFleet();
  const { error, errorUpdatedAt, dataUpdatedAt } = query;
  const fetchError = error !== null && errorUpdatedAt >= dataUpdatedAt ? error : null;
  return (
    <Suspense fallback={<WallLoading />}>
      <WallPage fleet={{ snapshot, asOf, readAt: dataUpdatedAt, fetchError, offline: !online }} />
    </Suspense>
  );
}
