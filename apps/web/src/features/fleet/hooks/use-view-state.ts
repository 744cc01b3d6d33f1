// The fleet view's choices, read from and written to the URL (so a view can be bookmarked and shared).
import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';
import { parseViewState, serialiseViewState, type ViewState } from '../lib/view-state';

export function useViewState(): [ViewState, (patch: Partial<ViewState>) => void, string] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const view = useMemo(() => parseViewState(search), [search]);
  const update = useCallback(
    (patch: Partial<ViewState>) => {
      const qs = serialiseViewState({ ...parseViewState(window.location.search), ...patch });
      // Replace, not push: typing a search is not a trail of pages to go back through.
      navigate(qs ? `${location}?${qs}` : location, { replace: true });
    },
    [location, navigate],
  );
  return [view, update, serialiseViewState(view)];
}
