// One clock for the whole page: a single 1 s timer while anything listens. Components read it through a
// selector, so a component re-renders only when what it shows changes ("3 min" stays "3 min" for a minute),
// and a ticking time in a card re-renders that text, never the card or the grid.
import { useSyncExternalStore } from 'react';

const TICK_MS = 1000;
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/**
 * A value derived from the current time (epoch ms), recomputed every second. `select` must return a primitive
 * (or an otherwise stable value): the component re-renders only when it changes.
 */
export function useNowSelector<T>(select: (nowMs: number) => T): T {
  return useSyncExternalStore(
    subscribe,
    () => select(now),
    () => select(now),
  );
}
