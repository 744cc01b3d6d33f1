// The operations of the whole BFF, live: one EventSource on `/api/operations/events` writes each `operation` event
// into the query cache. While the stream is down (it failed, or is reconnecting) the list is polled every 2 s
// instead; when it opens again the list is read once, to catch up with what happened in between. Mount once per page
// (the app shell does). It renders nothing itself; the card strips, the report and the operations page read the
// cache.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { parseOperation } from '../lib/merge';
import {
  OPERATION_EVENTS_PATH,
  OPERATIONS_LIST_KEY,
  operationsQueries,
  writeOperation,
} from './operations-queries';

/** How often the list is read while the stream is down. */
export const POLL_MS = 2000;
/** How long before trying a stream again that the browser gave up on (the server refused or closed it). */
const REOPEN_MS = 15_000;

type StreamState = 'connecting' | 'open' | 'down';

// The stream's state, for the page that shows whether it is live (a tiny store: no React here).
let streamState: StreamState = 'connecting';
const listeners = new Set<() => void>();
function setStreamState(s: StreamState) {
  if (s === streamState) return;
  streamState = s;
  for (const l of listeners) l();
}
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** Whether operations arrive live (`open`) or are polled (`down`). */
export function useStreamState(): StreamState {
  return useSyncExternalStore(
    subscribe,
    () => streamState,
    () => streamState,
  );
}

export function useOperationsFeed(enabled: boolean): void {
  const client = useQueryClient();
  const stream = useStreamState();

  useEffect(() => {
    if (!enabled) return;
    if (typeof EventSource === 'undefined') {
      setStreamState('down');
      return;
    }
    let source: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | null = null;
    let wasDown = false;

    const open = () => {
      reopen = null;
      const es = new EventSource(OPERATION_EVENTS_PATH);
      source = es;
      es.addEventListener('open', () => {
        setStreamState('open');
        // Back after a gap: what finished in between sent its last event to nobody.
        if (wasDown) void client.invalidateQueries({ queryKey: OPERATIONS_LIST_KEY });
        wasDown = false;
      });
      es.addEventListener('operation', (e) => {
        const op = parseOperation(String((e as MessageEvent<unknown>).data));
        if (op) writeOperation(client, op);
      });
      es.addEventListener('error', () => {
        wasDown = true;
        setStreamState('down');
        // The browser reconnects by itself unless the answer was not a stream (401, 404...): then try later.
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          if (source === es) source = null;
          reopen ??= setTimeout(open, REOPEN_MS);
        }
      });
    };
    setStreamState('connecting');
    open();
    return () => {
      if (reopen !== null) clearTimeout(reopen);
      source?.close();
      source = null;
      setStreamState('connecting');
    };
  }, [enabled, client]);

  useQuery({
    ...operationsQueries.list(),
    enabled,
    refetchInterval: stream === 'down' ? POLL_MS : false,
    refetchIntervalInBackground: true,
    // The shell that mounts this shows none of it: a change re-renders the readers, not the whole page.
    notifyOnChangeProps: [],
  });
}
