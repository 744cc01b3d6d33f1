// GET /api/fleet as a conditional request: the ETag of the data in hand goes out as If-None-Match, and a 304
// hands that same object back. So a 10,000-VM snapshot that did not change costs no download, no JSON parse and
// no structural-sharing pass; when it did change, TanStack Query's structural sharing keeps every unchanged VM
// object identical, so only the cards of the VMs that changed re-render.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { ApiError, NetworkError } from '../../../lib/api-client';
import { passiveHeaders } from '../../../lib/activity';

/** The snapshot with the ETag it came with (null if the server sent none). */
export interface FleetData extends FleetSnapshot {
  etag: string | null;
}

/** How long one fetch may take before it counts as failed (a hung request must not freeze the page). */
export const SNAPSHOT_TIMEOUT_MS = 10_000;

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim();
  let code: string | undefined;
  try {
    const body = (await res.json()) as { err?: unknown; error?: unknown; code?: unknown };
    const text = typeof body.err === 'string' && body.err ? body.err : body.error;
    if (typeof text === 'string' && text) message = text;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message, code);
}

export async function fetchSnapshot(signal: AbortSignal, prev: FleetData | undefined): Promise<FleetData> {
  const timed = AbortSignal.any([signal, AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS)]);
  let res: Response;
  try {
    res = await fetch('/api/fleet', {
      signal: timed,
      // The browser's cache stays out of it: the 304 comes to us, and we answer it with the object in hand.
      cache: 'no-store',
      headers: {
        accept: 'application/json',
        ...passiveHeaders(),
        ...(prev?.etag ? { 'if-none-match': prev.etag } : {}),
      },
    });
  } catch (e) {
    if (signal.aborted) throw e;
    throw new NetworkError(
      timed.aborted
        ? `no answer within ${SNAPSHOT_TIMEOUT_MS / 1000} s`
        : e instanceof Error
          ? e.message
          : 'network error',
    );
  }
  if (res.status === 304 && prev) return prev;
  if (!res.ok) throw await errorOf(res);
  const data = (await res.json()) as FleetSnapshot;
  return { ...data, etag: res.headers.get('etag') };
}
