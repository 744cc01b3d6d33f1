// Power plans: the list, one plan, its runs and its dry run. One query-options factory, key and fetcher together;
// everything under the key `plans`, so a change invalidates it all at once. Types only from the contracts (their
// values would bring TypeBox into the bundle). A run is an operation: its live progress comes from the operations
// feed, which the app layer gives the run view; the runs list here is re-read while one of them runs.
import type { OperationList } from '@powerdeck/contracts/operations';
import type { PlanDirection } from '@powerdeck/contracts/plan-terms';
import type { DryRun, Plan, PlanList } from '@powerdeck/contracts/plans';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { getJson, postJson } from '../../../lib/api-client';

export const PLANS_PATH = '/api/plans';
export const planPath = (id: string): string => `${PLANS_PATH}/${encodeURIComponent(id)}`;

/** How often the list and a plan's runs are read again while a run of it is running (its last run's state). */
export const RUNNING_REFRESH_MS = 5000;
/** How long a dry run is good for: the fleet moves, so it is asked again when looked at after this. */
export const DRY_RUN_STALE_MS = 10_000;

const anyRunning = (ops: OperationList | undefined) => ops?.operations.some((o) => o.status === 'running');

export const planQueries = {
  /** Everything under this key is plans. */
  all: () => ['plans'] as const,
  list: () =>
    queryOptions({
      queryKey: ['plans', 'list'] as const,
      queryFn: ({ signal }) => getJson<PlanList>(PLANS_PATH, { signal }),
      refetchInterval: (q) =>
        q.state.data?.plans.some((p) => p.lastRun?.status === 'running') ? RUNNING_REFRESH_MS : false,
    }),
  detail: (id: string) =>
    queryOptions({
      queryKey: ['plans', 'detail', id] as const,
      queryFn: ({ signal }) => getJson<Plan>(planPath(id), { signal }),
      refetchInterval: (q) => (q.state.data?.lastRun?.status === 'running' ? RUNNING_REFRESH_MS : false),
    }),
  /** Its runs, newest first (up to 20). */
  runs: (id: string) =>
    queryOptions({
      queryKey: ['plans', 'runs', id] as const,
      queryFn: ({ signal }) => getJson<OperationList>(`${planPath(id)}/runs`, { signal }),
      refetchInterval: (q) => (anyRunning(q.state.data) ? RUNNING_REFRESH_MS : false),
    }),
  /**
   * What a run would do now (nothing is sent). A refusal (404, 403) is the answer to show, not something to ask
   * again; the last answer stays on screen while the other direction's is on its way.
   */
  dryRun: (id: string, direction: PlanDirection) =>
    queryOptions({
      queryKey: ['plans', 'dry-run', id, direction] as const,
      queryFn: ({ signal }) => postJson<DryRun>(`${planPath(id)}/dry-run`, { direction }, { signal }),
      placeholderData: keepPreviousData,
      retry: false,
      staleTime: DRY_RUN_STALE_MS,
    }),
};
