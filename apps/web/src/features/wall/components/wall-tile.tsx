// One VM on the wall: its status by colour and by icon (from the one status map; "down unexpectedly" has its own),
// its name when the tile has room, and the status in words when it has more. Named for assistive technology
// ("web-01: Running"). A name too long for its tile loses its middle (lib/short-name.ts), measured in the tile's
// font. Memoised: a poll that changed one VM re-renders one tile.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { memo, useMemo } from 'react';
import { DOWN_UNEXPECTEDLY, STATUS } from '../../../lib/status';
import type { TileDetail } from '../lib/layout';
import { textFits } from '../lib/measure-text';
import { shortName } from '../lib/short-name';
import { tileLabel, tileLook, tileStatusText, type StopMark, type TileLook } from '../lib/stops';

/** What is wrong stands out (filled), running is calm, stopped is quiet. Text contrast AAA on each. */
const TILE: Readonly<Record<TileLook, string>> = {
  bad: 'bg-bad text-wall font-semibold',
  down: 'bg-warn text-wall font-semibold',
  warn: 'bg-warn-soft text-ink ring-2 ring-inset ring-warn',
  moving: 'bg-accent-soft text-ink ring-1 ring-inset ring-accent/60',
  ok: 'bg-ok-soft text-ink',
  idle: 'bg-wall text-muted ring-1 ring-inset ring-line',
};

const ICON: Readonly<Record<TileLook, string>> = {
  bad: '',
  down: '',
  warn: 'text-warn',
  moving: 'text-accent motion-safe:animate-breathe',
  ok: 'text-ok',
  idle: 'text-idle',
};

const LAYOUT: Readonly<Record<TileDetail, string>> = {
  icon: 'items-center justify-center',
  name: 'flex-col justify-center gap-[0.15em] px-[0.35em]',
  full: 'flex-col justify-center gap-[0.2em] px-[0.45em]',
};

/** The room the name has (px), from the tile's size and the em sizes of LAYOUT and the icon. */
function nameWidth(detail: TileDetail, width: number, fontPx: number): number {
  if (detail === 'name') return width - 2 * 0.35 * fontPx - 1;
  if (detail === 'full') return width - 2 * 0.45 * fontPx - (1.15 + 0.35) * fontPx - 1;
  return 0;
}

interface Props {
  vm: FleetVm;
  /** The tile's width and text size (px), for fitting the name. */
  width: number;
  fontPx: number;
  /** The stop that marks the VM: undefined for none, null for down unexpectedly, else who stopped it. */
  stoppedBy: string | null | undefined;
  detail: TileDetail;
}

export const WallTile = memo(function WallTile({ vm, stoppedBy, detail, width, fontPx }: Props) {
  const mark: StopMark | undefined = stoppedBy === undefined ? undefined : { by: stoppedBy };
  const look = tileLook(vm, mark);
  const room = nameWidth(detail, width, fontPx);
  const weight = look === 'bad' || look === 'down' ? 600 : 400;
  const name = useMemo(
    () => (room > 0 ? shortName(vm.name, textFits(fontPx, weight, room)) : vm.name),
    [vm.name, room, fontPx, weight],
  );
  const Icon = (look === 'down' ? DOWN_UNEXPECTEDLY : STATUS[vm.status]).icon;
  const icon = (
    <Icon aria-hidden="true" className={`size-[1.15em] shrink-0 ${ICON[look]}`} strokeWidth={2.5} />
  );
  return (
    <li
      aria-label={tileLabel(vm, mark)}
      className={`flex min-w-0 overflow-hidden rounded-[0.2em] leading-tight ${LAYOUT[detail]} ${TILE[look]}`}
    >
      {detail === 'icon' && icon}
      {detail === 'name' && (
        <>
          {icon}
          <span aria-hidden="true" className="w-full truncate">
            {name}
          </span>
        </>
      )}
      {detail === 'full' && (
        <>
          <span aria-hidden="true" className="flex min-w-0 items-center gap-[0.35em]">
            {icon}
            <span className="truncate">{name}</span>
          </span>
          <span aria-hidden="true" className="truncate text-[0.8em] font-medium">
            {tileStatusText(vm, mark)}
          </span>
        </>
      )}
    </li>
  );
});
