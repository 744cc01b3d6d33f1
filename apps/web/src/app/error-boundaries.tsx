// Safety nets for render errors (react-error-boundary), so a page that throws while drawing shows a way back instead
// of a blank screen. Three of them:
// - `RouteErrorBoundary` around the routes of the signed-in app: the header and the navigation stay; the page area
//   says what happened, with `Try again` (resets the boundary and fetches the page's data afresh) and a link back to
//   the fleet. Going to another page clears it.
// - `WallErrorBoundary` around the wall: nobody touches a wall, so it has no button; it says what happened, dark and
//   full-screen, and tries again by itself after 10 s, then 20 s, then every 30 s, until it draws again (the backoff
//   starts over once the wall has stayed up for a minute).
// - `RootErrorBoundary` around the whole app, for what the others do not cover (the header itself, the session
//   gate): the same message and `Try again`, and a link that reloads the page at the fleet; on `/wall`, the wall's.
// The boundaries do not log: React reports each caught error once, to `reportCaughtError` (main.tsx's root option).
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { CircleX } from 'lucide-react';
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { ErrorBoundary, getErrorMessage, type FallbackProps } from 'react-error-boundary';
import { Link, useLocation } from 'wouter';
import { Button } from '../components/ui/button';
import { useNowSelector } from '../lib/clock';

/** The wall's waits before each automatic retry, in seconds; the last one repeats. */
export const WALL_RETRY_S = [10, 20, 30] as const;
/** How long the wall must stay up after a retry for the next error to start the backoff over. */
export const WALL_STEADY_MS = 60_000;

/** The wait before the wall's next retry, after `retries` retries that did not hold. */
export function wallRetryDelayS(retries: number): number {
  return WALL_RETRY_S[Math.min(retries, WALL_RETRY_S.length - 1)] ?? WALL_RETRY_S[0];
}

/** React's `onCaughtError` for the page's root: one console entry for each error a boundary caught. */
export function reportCaughtError(error: unknown, info: { componentStack?: string }): void {
  console.error('Powerdeck could not draw part of the page:', error, info.componentStack ?? '');
}

/** What was thrown, in a line. */
function errorText(error: unknown): string {
  return getErrorMessage(error) ?? String(error);
}

/**
 * After a render error: the failed page's queries went inactive with it, so their data is dropped and the page
 * loads afresh when it is drawn again (data that made it throw is not drawn twice); the queries still in use (the
 * session, the fleet) are fetched again.
 */
function refreshAfterError(client: QueryClient): void {
  client.removeQueries({ type: 'inactive' });
  void client.invalidateQueries();
}

const PAGE = 'mx-auto w-full max-w-[100rem] px-4 py-10 sm:px-6';
const LINK = 'rounded-sm text-sm font-medium text-accent hover:underline';

/** The page area's message after a render error: what happened, `Try again`, and the way back (`back`). */
function PageError({ error, onRetry, back }: { error: unknown; onRetry: () => void; back: ReactNode }) {
  const headingId = useId();
  return (
    <main aria-labelledby={headingId} className={PAGE}>
      <div role="alert" className="rounded-lg border border-bad/50 bg-bad-soft px-5 py-4 text-sm">
        <h2 id={headingId} className="flex items-center gap-2 text-base font-semibold text-bad">
          <CircleX aria-hidden="true" className="size-4" strokeWidth={2.25} />
          This page could not be shown
        </h2>
        <p className="mt-1 text-ink">
          Something went wrong while drawing it. Try again, or go back to the fleet; the details are in the
          browser&apos;s console.
        </p>
        <p className="mt-2 font-mono text-xs break-words text-muted">{errorText(error)}</p>
      </div>
      <div className="mt-3 flex flex-wrap items-center gap-4">
        <Button variant="primary" onClick={onRetry}>
          Try again
        </Button>
        {back}
      </div>
    </main>
  );
}

/** Around the routes: a page that throws leaves the header and navigation in place. */
export function RouteErrorBoundary({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [location] = useLocation();
  return (
    <ErrorBoundary
      resetKeys={[location]}
      onReset={() => refreshAfterError(client)}
      fallbackRender={({ error, resetErrorBoundary }: FallbackProps) => (
        <PageError
          error={error}
          onRetry={resetErrorBoundary}
          back={
            // On the fleet page itself the address does not change: the link clears the error too.
            <Link href="/" onClick={() => resetErrorBoundary()} className={LINK}>
              Back to the fleet
            </Link>
          }
        />
      )}
    >
      {children}
    </ErrorBoundary>
  );
}

/** The wall's screen after a render error: dark, full-screen, no button; counts down to its own retry. */
function WallError({ error, delayS, onRetry }: { error: unknown; delayS: number; onRetry: () => void }) {
  const [retryAt] = useState(() => Date.now() + delayS * 1000);
  const inS = useNowSelector((now) => Math.max(0, Math.ceil((retryAt - now) / 1000)));
  // `onRetry` is the boundary's reset, the same function for the boundary's life.
  useEffect(() => {
    const timer = setTimeout(onRetry, delayS * 1000);
    return () => clearTimeout(timer);
  }, [delayS, onRetry]);
  return (
    <main
      aria-label="Wall display"
      data-wall=""
      className="fixed inset-0 flex flex-col justify-center gap-4 bg-wall px-[6vw] text-ink scheme-dark"
    >
      <div role="alert" className="space-y-4">
        <p className="text-wall-huge leading-none font-black tracking-wide text-bad">Display error</p>
        <p className="text-wall-large font-semibold">
          The wall could not be drawn. It tries again by itself; nothing needs to be done here.
        </p>
      </div>
      <p className="text-wall-medium font-medium tabular-nums">Trying again in {inS} s</p>
      <p className="font-mono text-wall-small break-words text-muted">{errorText(error)}</p>
    </main>
  );
}

/** Mounted while the boundary's children are drawn: says so once they have stayed up for WALL_STEADY_MS. */
function SteadyFor({ onSteady }: { onSteady: () => void }) {
  useEffect(() => {
    const timer = setTimeout(onSteady, WALL_STEADY_MS);
    return () => clearTimeout(timer);
  }, [onSteady]);
  return null;
}

/** The retries of a wall's boundary that did not hold, and what to do at each. */
function useWallRetries() {
  const client = useQueryClient();
  const retries = useRef(0);
  return useMemo(
    () => ({
      delayS: () => wallRetryDelayS(retries.current),
      onReset: () => {
        retries.current += 1;
        refreshAfterError(client);
      },
      onSteady: () => {
        retries.current = 0;
      },
    }),
    [client],
  );
}

/** Around the wall: tries again by itself, with backoff. */
export function WallErrorBoundary({ children }: { children: ReactNode }) {
  const { delayS, onReset, onSteady } = useWallRetries();
  return (
    <ErrorBoundary
      onReset={onReset}
      fallbackRender={({ error, resetErrorBoundary }: FallbackProps) => (
        <WallError error={error} delayS={delayS()} onRetry={resetErrorBoundary} />
      )}
    >
      <SteadyFor onSteady={onSteady} />
      {children}
    </ErrorBoundary>
  );
}

/** Around the whole app: the last net. The wall's screen on `/wall`; elsewhere a way back that reloads the page. */
export function RootErrorBoundary({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [location] = useLocation();
  const wall = useWallRetries();
  return (
    <ErrorBoundary
      resetKeys={[location]}
      onReset={location === '/wall' ? wall.onReset : () => refreshAfterError(client)}
      fallbackRender={({ error, resetErrorBoundary }: FallbackProps) =>
        location === '/wall' ? (
          <WallError error={error} delayS={wall.delayS()} onRetry={resetErrorBoundary} />
        ) : (
          <PageError
            error={error}
            onRetry={resetErrorBoundary}
            back={
              // The app itself failed: start it again from scratch.
              <a href="/" className={LINK}>
                Back to the fleet
              </a>
            }
          />
        )
      }
    >
      {location === '/wall' && <SteadyFor onSteady={wall.onSteady} />}
      {children}
    </ErrorBoundary>
  );
}
