// The wall display (`/wall`): the whole fleet on one screen for a room to read, for weeks, untouched. Totals at the
// top, freshness always on screen, the tiles below sized to fit (paging past MAX_TILES), STALE over everything when
// the data is old. No header, no navigation, no buttons at all: a kiosk screen is never touched. Always dark.
// The fleet comes from the app shell (its one snapshot query); the stops are the wall's own query.
import type { FleetSnapshot, FleetVm } from '@powerdeck/contracts/fleet';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useSearch } from 'wouter';
import { useNowSelector } from '../../../lib/clock';
import { plural } from '../../../lib/format';
import { useReloadOnNewBuild } from '../api/use-reload-on-new-build';
import { wallQueries } from '../api/wall-queries';
import { isEmptyFilter, matchesFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { CURRENT, wallFreshness, type FreshnessInput } from '../lib/freshness';
import { groupTiles, wallOrder } from '../lib/groups';
import { pageIndexAt, pageItems, pagePlan } from '../lib/pages';
import { parseWallOptions } from '../lib/options';
import { stopMarks } from '../lib/stops';
import { wallTotals } from '../lib/totals';
import { WallGrid } from './wall-grid';
import { PageIndicator, StaleAlert, UpdatedAgo, WallTotalsList } from './wall-status';

interface WallFleet {
  snapshot: FleetSnapshot | undefined;
  /** How recent the data is (epoch ms): VergeOS's last answer, null before the first (the app shell's `asOf`). */
  asOf: number | null;
  /** When this browser last read the snapshot successfully (epoch ms; 0 before any). */
  readAt: number;
  /** The last fetch's error, when it failed after the last success. */
  fetchError: Error | null;
  /** The browser says it is offline. */
  offline: boolean;
}

const NO_VMS: readonly FleetVm[] = [];

function parseTime(iso: string | null | undefined): number | null {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : null;
}

export function WallPage({ fleet }: { fleet: WallFleet }) {
  const search = useSearch();
  const options = useMemo(() => parseWallOptions(search), [search]);
  const filter = useMemo(() => parseFilter(options.filter), [options.filter]);
  const { snapshot, asOf, readAt, fetchError, offline } = fleet;
  const stops = useQuery(wallQueries.stops(snapshot?.pollIntervalMs ?? 5000));
  useReloadOnNewBuild();

  const vms = snapshot?.vms ?? NO_VMS;
  const stopList = stops.data?.stops;
  const marks = useMemo(() => stopMarks(vms, stopList), [vms, stopList]);
  const shown = useMemo(
    () =>
      wallOrder(
        isEmptyFilter(filter)
          ? vms
          : vms.filter((vm) => matchesFilter(vm, filter, marks.get(vm.key)?.by === null)),
        options.group,
      ),
    [vms, filter, marks, options.group],
  );
  const totals = useMemo(() => wallTotals(shown, marks), [shown, marks]);

  // Paging (more than MAX_TILES): the page on screen is a function of the clock.
  const { pages, perPage } = pagePlan(shown.length);
  const pageIndex = useNowSelector((now) => pageIndexAt(now, options.cycleS, pages));
  const groups = useMemo(
    () => groupTiles(pageItems(shown, { pages, perPage }, pageIndex), options.group),
    [shown, pages, perPage, pageIndex, options.group],
  );

  const input: FreshnessInput = {
    asOf,
    readAt,
    pollIntervalMs: snapshot?.normalIntervalMs ?? null,
    hasData: snapshot !== undefined,
    fetchError,
    offline,
    bffStale: snapshot?.stale ?? false,
    bffStaleSince: parseTime(snapshot?.staleSince),
    bffStaleReason: snapshot?.staleReason ?? null,
  };
  const stale = useNowSelector((now) => wallFreshness(input, now).stale);
  // The reason may change with the time too (this browser's last read growing old); `since` does not.
  const reason = useNowSelector((now) => wallFreshness(input, now).reason);
  const freshness = stale ? { ...wallFreshness(input, Date.now()), stale, reason } : CURRENT;

  return (
    <main
      aria-label="Wall display"
      data-wall=""
      className="fixed inset-0 flex flex-col overflow-hidden bg-wall text-ink scheme-dark"
    >
      {stale && <StaleAlert freshness={freshness} />}
      <header className="flex flex-wrap items-end justify-between gap-x-8 gap-y-3 px-6 pt-4 pb-3">
        <WallTotalsList totals={totals} />
        <div className="ml-auto flex flex-col items-end gap-1 text-right">
          <UpdatedAgo asOf={asOf} stale={stale} />
          <p className="text-wall-small font-medium text-muted tabular-nums">
            {plural(totals.total, 'VM')}
            {options.filter && <span> · filter: {options.filter}</span>}
          </p>
          {pages > 1 && <PageIndicator pages={pages} cycleS={options.cycleS} />}
        </div>
      </header>
      <div className={`flex min-h-0 flex-1 flex-col px-6 pb-4 ${stale ? 'grayscale' : ''}`}>
        {snapshot === undefined ? (
          <p role="status" className="text-2xl text-muted">
            {offline
              ? 'This screen is offline; waiting for the network…'
              : fetchError
                ? 'Cannot reach Powerdeck; trying again…'
                : 'Loading the fleet…'}
          </p>
        ) : shown.length === 0 ? (
          <p role="status" className="text-2xl text-muted">
            {vms.length === 0 ? 'No VMs in the fleet.' : `No VM matches the filter “${options.filter}”.`}
          </p>
        ) : (
          <WallGrid groups={groups} marks={marks} />
        )}
      </div>
      {stale && (
        <div aria-hidden="true" className="pointer-events-none absolute inset-0 border-8 border-bad" />
      )}
    </main>
  );
}
