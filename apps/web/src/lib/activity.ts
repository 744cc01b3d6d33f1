// Is the person here? The time of their last input (key, pointer, wheel, touch, focus), so that requests the page
// makes on its own while nobody is at it say so (PASSIVE_HEADER) and do not keep the session alive: an unattended
// dashboard idles out on the server like any other page. Wall displays never idle out (their sessions have no
// idle timeout), so for them the header changes nothing.
import { PASSIVE_HEADER } from '@powerdeck/contracts/roles';

/** Without input for this long, the page's own requests are passive. */
export const AWAY_AFTER_MS = 60_000;

let lastInputAt = Date.now();

export function noteInput(now = Date.now()): void {
  lastInputAt = now;
}

/** The header to add to a request the page makes on its own: PASSIVE_HEADER once the person is away. */
export function passiveHeaders(now = Date.now()): Record<string, string> {
  return now - lastInputAt >= AWAY_AFTER_MS ? { [PASSIVE_HEADER]: '1' } : {};
}

const EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart', 'focus'] as const;

/** Listens for input on a window (main.tsx); returns a function that stops listening. */
export function trackInput(target: Pick<Window, 'addEventListener' | 'removeEventListener'>): () => void {
  const onInput = () => noteInput();
  for (const e of EVENTS) target.addEventListener(e, onInput, { passive: true, capture: true });
  return () => {
    for (const e of EVENTS) target.removeEventListener(e, onInput, { capture: true });
  };
}
