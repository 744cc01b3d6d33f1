// Whether this browser says it is online (TanStack Query's onlineManager: the `online` / `offline` events). While
// offline, queries wait instead of failing, so "no new data" is explained by this, not by the server.
import { onlineManager } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';

const subscribe = (onChange: () => void) => onlineManager.subscribe(onChange);
const isOnline = () => onlineManager.isOnline();

export function useOnline(): boolean {
  return useSyncExternalStore(subscribe, isOnline);
}
