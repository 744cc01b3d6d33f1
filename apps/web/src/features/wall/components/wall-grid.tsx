// The tiles, sized to fit the space they have: a ResizeObserver measures the area, fitTiles (lib/layout.ts) picks
// the columns and the tile size for the number of tiles in each group, and every tile shows at once, without
// scrolling. Groups and tiles are keyed (by node, by VM), so a poll reuses the DOM it already has.
import { useEffect, useRef, useState } from 'react';
import { STATUS } from '../../../lib/status';
import type { TileGroup } from '../lib/groups';
import { fitTiles, GROUP_GAP, groupHeaderHeight, TILE_GAP, tileDetail, tileFontSize } from '../lib/layout';
import type { StopMark } from '../lib/stops';
import { WallTile } from './wall-tile';

interface Size {
  width: number;
  height: number;
}

/** The content box of an element, in whole pixels, kept up to date (one observer, removed on unmount). */
function useSize<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = (width: number, height: number) =>
      setSize((s) =>
        s.width === Math.floor(width) && s.height === Math.floor(height)
          ? s
          : { width: Math.floor(width), height: Math.floor(height) },
      );
    update(el.clientWidth, el.clientHeight);
    const observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) update(box.width, box.height);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, size] as const;
}

function attentionIn(group: TileGroup): number {
  let n = 0;
  for (const vm of group.vms) {
    const tone = STATUS[vm.status].tone;
    if (tone === 'bad' || tone === 'warn') n += 1;
  }
  return n;
}

export function WallGrid({
  groups,
  marks,
}: {
  groups: readonly TileGroup[];
  marks: ReadonlyMap<number, StopMark>;
}) {
  const [ref, size] = useSize<HTMLDivElement>();
  const grouped = groups.some((g) => g.name !== null);
  const header = groupHeaderHeight(size.height);
  const layout = fitTiles({
    groups: groups.map((g) => g.vms.length),
    width: size.width,
    height: size.height,
    headerHeight: grouped ? header : 0,
  });
  const detail = tileDetail(layout.tileWidth, layout.tileHeight);
  const fontPx = tileFontSize(layout.tileHeight, detail);
  const listStyle = {
    gridTemplateColumns: `repeat(${layout.columns}, ${layout.tileWidth}px)`,
    gridAutoRows: `${layout.tileHeight}px`,
    gap: `${TILE_GAP}px`,
    fontSize: `${fontPx}px`,
  };

  return (
    <div ref={ref} className="flex min-h-0 flex-1 flex-col overflow-hidden" style={{ gap: GROUP_GAP }}>
      {size.width > 0 &&
        groups.map((g) => {
          const tiles = (
            <ul
              role="list"
              aria-label={g.name === null ? 'Virtual machines' : `VMs on ${g.name}`}
              className="grid"
              style={listStyle}
            >
              {g.vms.map((vm) => (
                <WallTile
                  key={vm.key}
                  vm={vm}
                  stoppedBy={marks.get(vm.key)?.by}
                  detail={detail}
                  width={layout.tileWidth}
                  fontPx={fontPx}
                />
              ))}
            </ul>
          );
          if (g.name === null) return <div key={g.key}>{tiles}</div>;
          const attention = attentionIn(g);
          return (
            <div key={g.key} role="group" aria-label={g.name}>
              <h2
                className="flex items-baseline gap-[0.6em] leading-none font-semibold text-ink"
                style={{ height: header, paddingTop: header / 7, fontSize: Math.round(header * 0.64) }}
              >
                <span>{g.name}</span>
                <span className="text-[0.9em] font-medium text-muted tabular-nums">
                  {g.vms.length} {g.vms.length === 1 ? 'VM' : 'VMs'}
                </span>
                {attention > 0 && (
                  <span className="text-[0.9em] font-semibold text-bad tabular-nums">
                    {attention} need{attention === 1 ? 's' : ''} attention
                  </span>
                )}
              </h2>
              {tiles}
            </div>
          );
        })}
    </div>
  );
}
