import { describe, expect, it } from 'vitest';
import { groupTiles, NO_NODE, wallOrder } from '../src/features/wall/lib/groups';
import {
  fitTiles,
  GROUP_HEADER,
  groupHeaderHeight,
  MAX_TILE_HEIGHT,
  MAX_TILE_WIDTH,
  MIN_TILE_HEIGHT,
  MIN_TILE_WIDTH,
  TILE_GAP,
  tileDetail,
  tileFontSize,
} from '../src/features/wall/lib/layout';
import { MAX_TILES, pagePlan } from '../src/features/wall/lib/pages';
import { vm } from './fleet-fixtures';

/** The height the tiles of a layout take, groups and gaps included (what must not exceed the area). */
function usedHeight(groups: number[], l: ReturnType<typeof fitTiles>, header = 0, groupGap = 10): number {
  let h = 0;
  for (const n of groups) {
    const rows = Math.ceil(n / l.columns);
    h += header + rows * l.tileHeight + (rows - 1) * TILE_GAP;
  }
  return h + (groups.length - 1) * groupGap;
}
function usedWidth(l: ReturnType<typeof fitTiles>): number {
  return l.columns * l.tileWidth + (l.columns - 1) * TILE_GAP;
}

describe('fitTiles: N tiles in W × H', () => {
  it.each([
    [1920, 880],
    [1280, 560],
    [3840, 1900],
    [1024, 600],
  ])('fits 500 tiles in %i × %i, within the area', (width, height) => {
    const l = fitTiles({ groups: [500], width, height });
    expect(l.fits).toBe(true);
    expect(l.tileWidth).toBeGreaterThanOrEqual(MIN_TILE_WIDTH);
    expect(l.tileHeight).toBeGreaterThanOrEqual(MIN_TILE_HEIGHT);
    expect(l.columns * Math.ceil(500 / l.columns)).toBeGreaterThanOrEqual(500);
    expect(l.rows).toBe(Math.ceil(500 / l.columns));
    expect(usedWidth(l)).toBeLessThanOrEqual(width);
    expect(usedHeight([500], l)).toBeLessThanOrEqual(height);
  });

  it('gives a full HD wall tiles big enough for names at 500 VMs', () => {
    const l = fitTiles({ groups: [500], width: 1872, height: 880 });
    expect(l.tileWidth).toBeGreaterThanOrEqual(56);
    expect(tileDetail(l.tileWidth, l.tileHeight)).not.toBe('icon');
  });

  it('fits grouped tiles with their headings', () => {
    const groups = [130, 125, 120, 100, 25];
    const l = fitTiles({ groups, width: 1872, height: 880, headerHeight: GROUP_HEADER });
    expect(l.fits).toBe(true);
    expect(l.rows).toBe(groups.reduce((s, n) => s + Math.ceil(n / l.columns), 0));
    expect(usedHeight(groups, l, GROUP_HEADER)).toBeLessThanOrEqual(880);
    expect(usedWidth(l)).toBeLessThanOrEqual(1872);
  });

  it('a 4K wall: taller group headings, and the grouped tiles still fit', () => {
    expect(groupHeaderHeight(880)).toBe(GROUP_HEADER);
    expect(groupHeaderHeight(400)).toBe(GROUP_HEADER);
    const header = groupHeaderHeight(1900);
    expect(header).toBeGreaterThan(40);
    const groups = [72, 82, 82, 70, 194];
    const l = fitTiles({ groups, width: 3792, height: 1900, headerHeight: header });
    expect(l.fits).toBe(true);
    expect(usedHeight(groups, l, header)).toBeLessThanOrEqual(1900);
    expect(tileDetail(l.tileWidth, l.tileHeight)).toBe('full');
  });

  it('shrinks tiles as the count grows, and grows them as the area grows', () => {
    const small = fitTiles({ groups: [50], width: 1600, height: 800 });
    const many = fitTiles({ groups: [400], width: 1600, height: 800 });
    const big = fitTiles({ groups: [400], width: 3200, height: 1600 });
    expect(many.tileWidth).toBeLessThan(small.tileWidth);
    expect(big.tileWidth).toBeGreaterThan(many.tileWidth);
  });

  it('does not make giant tiles for a few VMs', () => {
    const l = fitTiles({ groups: [3], width: 1920, height: 900 });
    expect(l.columns).toBe(3);
    expect(l.rows).toBe(1);
    expect(l.tileWidth).toBeLessThanOrEqual(MAX_TILE_WIDTH);
    expect(l.tileHeight).toBeLessThanOrEqual(MAX_TILE_HEIGHT);
  });

  it('says when tiles do not fit (a tiny window)', () => {
    expect(fitTiles({ groups: [500], width: 300, height: 200 }).fits).toBe(false);
  });

  it('handles nothing to show and an unmeasured area', () => {
    expect(fitTiles({ groups: [], width: 1000, height: 500 })).toMatchObject({ rows: 0, fits: true });
    expect(fitTiles({ groups: [10], width: 0, height: 0 }).fits).toBe(false);
  });
});

describe('more than 500 VMs: pages', () => {
  it('500 is one page, 501 is two even pages', () => {
    expect(MAX_TILES).toBe(500);
    expect(pagePlan(500)).toEqual({ pages: 1, perPage: 500 });
    expect(pagePlan(501)).toEqual({ pages: 2, perPage: 251 });
    expect(pagePlan(1500)).toEqual({ pages: 3, perPage: 500 });
    expect(pagePlan(1501)).toEqual({ pages: 4, perPage: 376 });
    expect(pagePlan(0)).toEqual({ pages: 1, perPage: 0 });
  });
});

describe('tile detail', () => {
  it('icon only when small, the name when it fits, the status in words when roomy', () => {
    expect(tileDetail(30, 20)).toBe('icon');
    expect(tileDetail(50, 40)).toBe('icon');
    expect(tileDetail(80, 29)).toBe('icon');
    expect(tileDetail(56, 30)).toBe('name');
    expect(tileDetail(70, 40)).toBe('name');
    expect(tileDetail(119, 80)).toBe('name');
    expect(tileDetail(140, 60)).toBe('full');
  });
  it('text size grows with the tile, within bounds', () => {
    expect(tileFontSize(10, 'icon')).toBe(11);
    expect(tileFontSize(200, 'full')).toBe(24);
    expect(tileFontSize(60, 'name')).toBe(17);
    expect(tileFontSize(40, 'icon')).toBe(18);
  });
});

describe('order and groups', () => {
  const vms = [
    vm(1, { name: 'web-10', nodeName: 'node2' }),
    vm(2, { name: 'web-2', nodeName: 'node1' }),
    vm(3, { name: 'db-1', status: 'stopped', nodeName: null, node: null }),
    vm(4, { name: 'app-1', nodeName: 'node1' }),
    vm(5, { name: 'web-9', nodeName: 'node10' }),
  ];
  it('by node (natural order), VMs by name, the VMs on no node last', () => {
    const ordered = wallOrder(vms, 'node');
    expect(ordered.map((v) => v.name)).toEqual(['app-1', 'web-2', 'web-10', 'web-9', 'db-1']);
    const groups = groupTiles(ordered, 'node');
    expect(groups.map((g) => [g.name, g.vms.length])).toEqual([
      ['node1', 2],
      ['node2', 1],
      ['node10', 1],
      [NO_NODE, 1],
    ]);
  });
  it('none: one unnamed group, by name', () => {
    const ordered = wallOrder(vms, 'none');
    expect(ordered.map((v) => v.name)).toEqual(['app-1', 'db-1', 'web-2', 'web-9', 'web-10']);
    expect(groupTiles(ordered, 'none')).toEqual([{ key: 'all', name: null, vms: ordered }]);
  });
});
