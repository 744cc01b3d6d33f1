// For the component tests (files that start with `// @vitest-environment happy-dom`): Testing Library's render inside
// the app's query client, unmounted after each test, with the app's own report of caught render errors.
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { cleanup, render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach } from 'vitest';
import { reportCaughtError } from '../src/app/error-boundaries';
import { createQueryClient } from '../src/app/providers';

afterEach(cleanup);

/** Renders `ui` as the page would: in a fresh query client of the app (its retry and 401 rules). */
export function renderInApp(
  ui: ReactNode,
  client: QueryClient = createQueryClient(),
): RenderResult & { client: QueryClient } {
  const result = render(ui, {
    wrapper: ({ children }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>,
    onCaughtError: reportCaughtError,
  });
  return { ...result, client };
}

/** Puts the page at `url` (path and query), as if opened there. */
export function openAt(url: string): void {
  window.history.replaceState(null, '', url);
}

/** A JSON answer, as the BFF sends it. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
