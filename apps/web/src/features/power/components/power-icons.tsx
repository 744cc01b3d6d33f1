// The power buttons' icons (decorative: the buttons carry their names), from the app's icon set.
import { Moon, Play, Power, RefreshCcwDot, RotateCw, Server, Zap, type LucideIcon } from 'lucide-react';
import type { ActionId } from '../lib/actions';

const ICONS: Record<ActionId | 'startOnNode', LucideIcon> = {
  start: Play,
  startOnNode: Server,
  shutdown: Power,
  reboot: RotateCw,
  hibernate: Moon,
  forceOff: Zap,
  reset: RefreshCcwDot,
};

/** Hidden in narrow cards (a container query), so that the buttons fit on one line. */
export function PowerIcon({ action }: { action: ActionId | 'startOnNode' }) {
  const Icon = ICONS[action];
  return <Icon aria-hidden="true" strokeWidth={2} className="hidden size-3.5 shrink-0 @[30rem]:block" />;
}
