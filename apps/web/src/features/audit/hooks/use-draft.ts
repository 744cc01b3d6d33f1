// A text field bound to a value that lives elsewhere (the URL): it keeps what the person types, commits it once
// they pause, and follows the value when it changes from outside (back, forward, "Clear filters").
import { useCallback, useEffect, useState } from 'react';

export function useDraft<T>(
  value: T,
  commit: (value: T) => void,
  {
    parse,
    format,
    delayMs = 350,
  }: { parse: (text: string) => T; format: (value: T) => string; delayMs?: number },
): [draft: string, setDraft: (text: string) => void, commitNow: () => void] {
  const [draft, setDraft] = useState(() => format(value));
  const [seen, setSeen] = useState(value);
  if (!Object.is(seen, value)) {
    // The value moved: follow it unless it is what the draft already says.
    setSeen(value);
    if (!Object.is(parse(draft), value)) setDraft(format(value));
  }
  const parsed = parse(draft);
  const pending = !Object.is(parsed, value);
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => commit(parsed), delayMs);
    return () => clearTimeout(timer);
  }, [pending, parsed, commit, delayMs]);
  const commitNow = useCallback(() => {
    if (pending) commit(parsed);
  }, [pending, parsed, commit]);
  return [draft, setDraft, commitNow];
}
