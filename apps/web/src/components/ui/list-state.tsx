// What a page shows for its list (users, tokens, display links, schedules, plans): the list once loaded, a dashed box
// when it is empty, a failed first load in place with Try again, and "Loading…" until then. A failed refresh of a
// list already shown keeps it on screen and says so (`RefreshFailed`, the other lane of errors).
import type { ReactNode } from 'react';
import { LoadError } from './data-table';

export function ListState<T>({
  query,
  what,
  empty,
  children,
}: {
  /** The list's query: its data (`undefined` until the first load), its error and a way to load it again. */
  query: { data: readonly T[] | undefined; error: Error | null; refetch: () => unknown };
  /** "the users": for "Cannot load the users". */
  what: string;
  /** "No users yet". */
  empty: string;
  /** The list, given the items (never empty). */
  children: (items: readonly T[]) => ReactNode;
}) {
  const items = query.data;
  if (items) {
    return items.length === 0 ? (
      <p className="rounded-lg border border-dashed border-line px-6 py-10 text-center text-sm text-muted">
        {empty}
      </p>
    ) : (
      children(items)
    );
  }
  return query.error ? (
    <LoadError what={what} error={query.error} onRetry={() => void query.refetch()} />
  ) : (
    <p className="py-6 text-sm text-muted">Loading…</p>
  );
}

/** "Could not refresh: <why>. Showing what was loaded before.", while the query's last refresh failed. */
export function RefreshFailed({ query }: { query: { isRefetchError: boolean; error: Error | null } }) {
  if (!query.isRefetchError) return null;
  return (
    <p role="status" className="text-sm text-warn">
      Could not refresh: {query.error?.message}. Showing what was loaded before.
    </p>
  );
}
