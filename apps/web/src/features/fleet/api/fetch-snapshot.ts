// GET /api/fleet as a conditional request: the ETag of the data in hand goes out as If-None-Match, and a 304
// hands that same object back. So a 10,000-VM snapshot that did not change costs no download, no JSON parse and
// no structural-sharing pass; when it did change, TanStack Query's structural sharing keeps every unchanged VM
// object identical, so only the cards of the VMs that changed re-render.
//
// How old the data is comes with every answer, 304s included: DATA_AGE_HEADER, the time since VergeOS last answered
// the BFF's poll. A 304 whose age moves that moment on hands back the same snapshot with only `answeredAt` changed
// (a new top-level object; every VM object, and so every card, stays as it was).
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { DATA_AGE_HEADER } from '@powerdeck/contracts/fleet-terms';
import { noteAnsweredBy, SERVER_HEADER } from '../../../lib/answered-by';
import { ApiError, NetworkError } from '../../../lib/api-client';
import { passiveHeaders } from '../../../lib/activity';

/** The snapshot with the ETag it came with (null if the server sent none), and how old it is. */
export interface FleetData extends FleetSnapshot {
  etag: string | null;
  /**
   * When VergeOS last answered the BFF's poll (epoch ms, by this browser's clock): what the data on screen is as
   * of, for "updated N s ago" and the wall's STALE. Null before VergeOS's first answer. It stays as it is while
   * this browser cannot reach the BFF (the data ages from the last answer it learned of), and it never moves back.
   */
  answeredAt: number | null;
}

/** How long one fetch may take before it counts as failed (a hung request must not freeze the page). */
const SNAPSHOT_TIMEOUT_MS = 10_000;

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

function parseTime(iso: string | null): number | null {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : null;
}

/** A DATA_AGE_HEADER value: whole milliseconds, 0 or more; null when absent or malformed. */
export function parseDataAge(raw: string | null): number | null {
  if (raw === null || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/**
 * When VergeOS last answered, from one answer of the BFF: `sentAt` (when this browser sent the request) minus the
 * age the BFF stated. Counting from when the request left (not when the answer came back) errs on the side of
 * older: the data never looks fresher than it is, whatever the network or a busy page delayed. A BFF that stated
 * no age (one from before the header, or a proxy that dropped it): its `staleSince` while stale, else the time of
 * this read, as before. Never earlier than `prev.answeredAt` (a later read of the same answer cannot make it
 * older), and not moved at all while the BFF stays stale since the same moment (no new answer to count from).
 */
export function answeredAtOf(
  snap: FleetSnapshot,
  ageHeader: string | null,
  sentAt: number,
  prev: FleetData | undefined,
): number | null {
  if (snap.fetchedAt === null) return null;
  const age = parseDataAge(ageHeader);
  const at =
    age !== null
      ? sentAt - age
      : snap.stale
        ? (parseTime(snap.staleSince) ?? parseTime(snap.fetchedAt))
        : sentAt;
  const before = prev?.answeredAt ?? null;
  // A remembered moment in this browser's future means its clock was set back: start again from this answer.
  if (before === null || before > sentAt) return at;
  if (prev?.stale && snap.stale && prev.staleSince === snap.staleSince) return before;
  return at === null ? before : Math.max(before, at);
}

/** `now`: this browser's clock (tests). */
export async function fetchSnapshot(
  signal: AbortSignal,
  prev: FleetData | undefined,
  now: () => number = Date.now,
): Promise<FleetData> {
  const sentAt = now();
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
  noteAnsweredBy(res.headers.get(SERVER_HEADER));
  if (res.status === 304 && prev) {
    const answeredAt = answeredAtOf(prev, res.headers.get(DATA_AGE_HEADER), sentAt, prev);
    return answeredAt === prev.answeredAt ? prev : { ...prev, answeredAt };
  }
  if (!res.ok) throw await errorOf(res);
  const data = (await res.json()) as FleetSnapshot;
  return {
    ...data,
    etag: res.headers.get('etag'),
    answeredAt: answeredAtOf(data, res.headers.get(DATA_AGE_HEADER), sentAt, prev),
  };
}
