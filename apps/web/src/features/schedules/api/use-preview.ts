// The form's preview, asked for once the draft has rested for PREVIEW_DEBOUNCE_MS (not at every keystroke), and
// keeping the last answer on screen while the next one is on its way.
import type { PreviewBody } from '@powerdeck/contracts/schedules';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { scheduleQueries } from './schedules-queries';

export const PREVIEW_DEBOUNCE_MS = 300;

/** `value` once it has not changed for `ms` (compared by JSON, so an equal new object does not restart the wait). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const text = JSON.stringify(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(JSON.parse(text) as T), ms);
    return () => clearTimeout(t);
  }, [text, ms]);
  return settled;
}

export function useSchedulePreview(body: PreviewBody | null) {
  const settled = useDebounced(body, PREVIEW_DEBOUNCE_MS);
  const query = useQuery(scheduleQueries.preview(settled));
  // An incomplete draft shows no preview (not the last complete one's).
  return {
    query,
    waiting: body !== null && JSON.stringify(body) !== JSON.stringify(settled),
    incomplete: body === null,
  };
}
