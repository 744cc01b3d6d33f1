// The wall's URL options, for kiosk browsers that are set up once and never touched:
// `?group=node|none` (default node), `?filter=...` (see filter.ts), `?cycle=30` (seconds per page when the fleet
// needs more than one page). A bad value falls back to its default: a typo must never blank a wall.
// Pure (tested in test/wall-options.test.ts).

export type WallGroup = 'node' | 'none';

interface WallOptions {
  group: WallGroup;
  /** The filter text as given (trimmed, at most MAX_FILTER_LENGTH characters). */
  filter: string;
  /** Seconds each page stays on screen when paging. */
  cycleS: number;
}

export const DEFAULT_CYCLE_S = 30;
const MIN_CYCLE_S = 5;
const MAX_CYCLE_S = 3600;
export const MAX_FILTER_LENGTH = 200;

export const DEFAULT_WALL_OPTIONS: WallOptions = { group: 'node', filter: '', cycleS: DEFAULT_CYCLE_S };

function parseCycle(raw: string | null): number {
  if (raw === null || !/^\d{1,5}$/.test(raw.trim())) return DEFAULT_CYCLE_S;
  const n = Number(raw.trim());
  return n >= MIN_CYCLE_S && n <= MAX_CYCLE_S ? n : DEFAULT_CYCLE_S;
}

/** Reads the options from a query string (with or without its leading `?`). */
export function parseWallOptions(search: string): WallOptions {
  const params = new URLSearchParams(search);
  const group = params.get('group')?.trim().toLowerCase();
  return {
    group: group === 'none' ? 'none' : 'node',
    filter: (params.get('filter') ?? '').trim().slice(0, MAX_FILTER_LENGTH),
    cycleS: parseCycle(params.get('cycle')),
  };
}
