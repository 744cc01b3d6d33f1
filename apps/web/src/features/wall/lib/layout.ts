// Tiles that shrink to fit: given the number of tiles in each group and the size of the area, how many columns,
// and how big a tile is, so that every tile shows at once, without scrolling. Tries every column count and keeps
// the one that gives the biggest tile (its width, or twice its height, whichever is smaller: tiles are wider than
// tall, for the name). Pure (tested in test/wall-layout.test.ts).

interface FitInput {
  /** Tiles per group (one entry when not grouped). */
  groups: readonly number[];
  width: number;
  height: number;
  /** Space between tiles (px). */
  gap?: number;
  /** A group's heading (px; 0 when not grouped). */
  headerHeight?: number;
  /** Space between groups (px). */
  groupGap?: number;
}

interface TileLayout {
  columns: number;
  /** Rows of tiles, all groups together. */
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** Whether every tile gets at least the minimum size (MIN_TILE_WIDTH × MIN_TILE_HEIGHT). */
  fits: boolean;
}

export const MIN_TILE_WIDTH = 24;
export const MIN_TILE_HEIGHT = 16;
/** A few VMs do not make giant tiles. */
export const MAX_TILE_WIDTH = 360;
export const MAX_TILE_HEIGHT = 160;
/** The ideal width / height of a tile. */
const ASPECT = 2;
/** A tile is never taller than this share of its width. */
const MAX_HEIGHT_RATIO = 0.8;

export const TILE_GAP = 4;
export const GROUP_HEADER = 28;
/** A group's heading grows with a tall screen (a 4K wall): this share of the tiles' area, never below GROUP_HEADER. */
const GROUP_HEADER_SHARE = 0.025;

/** The height of a group's heading (px) for an area this tall; its text is 0.64 of it. */
export function groupHeaderHeight(areaHeight: number): number {
  return Math.max(GROUP_HEADER, Math.round(areaHeight * GROUP_HEADER_SHARE));
}
export const GROUP_GAP = 10;

export function fitTiles(input: FitInput): TileLayout {
  const groups = input.groups.filter((n) => n > 0);
  const gap = input.gap ?? TILE_GAP;
  const header = input.headerHeight ?? 0;
  const groupGap = input.groupGap ?? GROUP_GAP;
  const width = Math.max(0, input.width);
  const height = Math.max(0, input.height);
  if (groups.length === 0) return { columns: 1, rows: 0, tileWidth: 0, tileHeight: 0, fits: true };

  const widest = Math.max(...groups);
  let best: TileLayout | null = null;
  let bestScore = -Infinity;
  for (let columns = 1; columns <= widest; columns++) {
    const tileWidth = Math.min(MAX_TILE_WIDTH, (width - gap * (columns - 1)) / columns);
    let rows = 0;
    let rowGaps = 0;
    for (const n of groups) {
      const r = Math.ceil(n / columns);
      rows += r;
      rowGaps += r - 1;
    }
    const free = height - groups.length * header - (groups.length - 1) * groupGap - rowGaps * gap;
    const tileHeight = Math.min(MAX_TILE_HEIGHT, free / rows, tileWidth * MAX_HEIGHT_RATIO);
    const score = Math.min(tileWidth, tileHeight * ASPECT);
    // On a tie, more columns: fewer rows, the area used more evenly.
    if (score >= bestScore) {
      bestScore = score;
      best = { columns, rows, tileWidth, tileHeight, fits: false };
    }
  }
  const b = best as TileLayout;
  const tileWidth = Math.max(0, Math.floor(b.tileWidth));
  const tileHeight = Math.max(0, Math.floor(b.tileHeight));
  return {
    columns: b.columns,
    rows: b.rows,
    tileWidth,
    tileHeight,
    fits: tileWidth >= MIN_TILE_WIDTH && tileHeight >= MIN_TILE_HEIGHT,
  };
}

/**
 * What a tile of this size shows: the icon alone; the icon over the name (two short lines, so that the name gets
 * the tile's whole width); or the icon and the name over the status in words.
 */
export type TileDetail = 'icon' | 'name' | 'full';

export function tileDetail(tileWidth: number, tileHeight: number): TileDetail {
  if (tileWidth >= 120 && tileHeight >= 54) return 'full';
  if (tileWidth >= 56 && tileHeight >= 30) return 'name';
  return 'icon';
}

const FONT_SHARE: Readonly<Record<TileDetail, number>> = { icon: 0.45, name: 0.28, full: 0.26 };

/** The text size of a tile (px; the icon is sized in em): grows with the tile, between 11 and 24. */
export function tileFontSize(tileHeight: number, detail: TileDetail): number {
  return Math.round(Math.min(24, Math.max(11, tileHeight * FONT_SHARE[detail])));
}
