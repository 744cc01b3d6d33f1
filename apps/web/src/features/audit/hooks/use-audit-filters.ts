// The audit log's filters, read from and written to the URL (so a search of the log can be bookmarked and shared).
import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';
import { parseAuditFilters, serialiseAuditFilters, type AuditFilters } from '../lib/audit-filters';

export function useAuditFilters(): [AuditFilters, (patch: Partial<AuditFilters>) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const filters = useMemo(() => parseAuditFilters(search), [search]);
  const update = useCallback(
    (patch: Partial<AuditFilters>) => {
      const qs = serialiseAuditFilters({ ...parseAuditFilters(window.location.search), ...patch });
      // Replace, not push: narrowing a search is not a trail of pages to go back through.
      navigate(qs ? `${location}?${qs}` : location, { replace: true });
    },
    [location, navigate],
  );
  return [filters, update];
}
