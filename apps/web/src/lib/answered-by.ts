// Which Powerdeck server answered the last fleet read (the `x-powerdeck-server` header: only when several servers
// share one database behind a load balancer). A detail for support, shown on hover in the header. Kept apart from
// the fleet data on purpose: through a balancer it changes at almost every read, and the fleet view must not draw
// again for that. A tiny external store: only what reads it draws again, and only when the name changes.
import { useSyncExternalStore } from 'react';

export const SERVER_HEADER = 'x-powerdeck-server';

let current: string | null = null;
const listeners = new Set<() => void>();

/** Records the server that answered (null or '' when the answer named none). */
export function noteAnsweredBy(name: string | null): void {
  const next = name ? name : null;
  if (next === current) return;
  current = next;
  for (const l of [...listeners]) l();
}

export function answeredBy(): string | null {
  return current;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The server that answered the last fleet read, or null (one server: never named). */
export function useAnsweredBy(): string | null {
  return useSyncExternalStore(subscribe, answeredBy, answeredBy);
}
