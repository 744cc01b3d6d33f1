// The wall reloads itself into a new build of Powerdeck: every BUILD_CHECK_MS (in a background tab too) it reads
// the server's index.html and, when it names another entry module than the one running (lib/build-check.ts),
// reloads the page. A failed read (the server down, a proxy's error page) changes nothing. Only the wall does
// this: nobody is typing into it, so a reload loses nothing.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { isNewBuild } from '../lib/build-check';

const BUILD_CHECK_MS = 10 * 60_000;

function runningEntry(): string | null {
  return document.querySelector<HTMLScriptElement>('script[type="module"][src]')?.src ?? null;
}

async function fetchIndex(signal: AbortSignal): Promise<string> {
  const res = await fetch('/index.html', { cache: 'no-store', signal });
  if (!res.ok) throw new Error(`index.html: ${res.status}`);
  return res.text();
}

export function useReloadOnNewBuild(): void {
  const [running] = useState(runningEntry);
  const { data } = useQuery({
    queryKey: ['wall', 'build'] as const,
    queryFn: ({ signal }) => fetchIndex(signal),
    enabled: running !== null,
    refetchInterval: BUILD_CHECK_MS,
    refetchIntervalInBackground: true,
    refetchOnWindowFocus: false,
    retry: false,
  });
  useEffect(() => {
    if (data !== undefined && isNewBuild(running, data, window.location.href)) window.location.reload();
  }, [data, running]);
}
