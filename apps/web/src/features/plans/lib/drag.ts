// Dragging a VM between tiers with the keyboard: an arrow key takes the VM being dragged to the next tier that
// chooses VMs (down or right) or the previous one (up or left), one tier per key, whatever their size on screen; and
// what a screen reader hears at each move. Pure (tested in test/plans-lib.test.ts); the editor gives these to
// dnd-kit's KeyboardSensor and its announcements.

const NEXT = new Set(['ArrowDown', 'ArrowRight']);
const PREVIOUS = new Set(['ArrowUp', 'ArrowLeft']);

/**
 * The drop zone an arrow key leads to from `current` (a zone id of `order`, or null when over none), or null when
 * the key is not an arrow or leads past either end.
 */
export function nextDropZone(order: readonly string[], current: string | null, code: string): string | null {
  const step = NEXT.has(code) ? 1 : PREVIOUS.has(code) ? -1 : 0;
  if (step === 0 || order.length === 0) return null;
  const at = current === null ? -1 : order.indexOf(current);
  if (at < 0) return step === 1 ? (order[0] ?? null) : (order[order.length - 1] ?? null);
  return order[at + step] ?? null;
}

/** What dnd-kit tells a screen reader, in the editor's words (a tier is named "tier 2, Databases"). */
export const DRAG_INSTRUCTIONS =
  'To move this VM to another tier, press Space, then the arrow keys to go from tier to tier; Space drops it there ' +
  'and Escape puts it back. Or use its “Move to tier” list.';

export function dragWords(names: { vm: string; from: string; over: string | null }) {
  return {
    start: `Picked up ${names.vm} from ${names.from}.`,
    over: names.over ? `${names.vm} is over ${names.over}.` : `${names.vm} is over no tier.`,
    end:
      names.over && names.over !== names.from
        ? `${names.vm} moved to ${names.over}.`
        : `${names.vm} stays in ${names.from}.`,
    cancel: `Moving ${names.vm} was cancelled; it stays in ${names.from}.`,
  };
}
