// The browser's HTTP client for the BFF: typed errors, no UI side effects, never retries. Every
// state-changing request carries CSRF_HEADER (the BFF refuses one without it with 403 `csrf`).
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { passiveHeaders } from './activity';

/**
 * An HTTP error answer. `message` is what the server said in words: VergeOS's own message (`err` on
 * real systems, `error` in the guide; the BFF sends both) or the BFF's; `code` is the BFF's
 * machine-readable code when it answered itself (`upstream_timeout`, `invalid_action`, ...).
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    /** The parsed error body, when it was JSON. */
    readonly body?: Readonly<Record<string, unknown>>,
    /** How long to wait before asking again (Retry-After, in seconds), when the server said. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** The request got no HTTP answer at all (offline, the BFF down, a dropped connection). */
export class NetworkError extends Error {
  override name = 'NetworkError';
  readonly status = 0;
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim();
  let code: string | undefined;
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = await res.json();
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
      const text =
        typeof body.err === 'string' && body.err
          ? body.err
          : typeof body.error === 'string' && body.error
            ? body.error
            : undefined;
      if (text) message = text;
      if (typeof body.code === 'string') code = body.code;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message, code, body, parseRetryAfter(res.headers.get('retry-after')));
}

/** Retry-After in seconds (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - nowMs) / 1000)) : undefined;
}

/** `init.headers` in any of its forms, as a plain object (names lower-cased). */
function headersOf(h: HeadersInit | undefined): Record<string, string> {
  return h ? Object.fromEntries(new Headers(h)) : {};
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (e) {
    // An abort is the caller's own doing: pass it on as it is.
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new NetworkError(e instanceof Error ? e.message : 'network error');
  }
}

async function readJson<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function getJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await send(path, {
    ...init,
    method: 'GET',
    // A read while the person is away does not keep their session alive (lib/activity.ts).
    headers: { accept: 'application/json', ...passiveHeaders(), ...headersOf(init.headers) },
  });
  if (!res.ok) throw await errorFrom(res);
  return (await res.json()) as T;
}

/** Sends a state-changing request once, with CSRF_HEADER, and a JSON body when there is one. */
async function change<T>(method: string, path: string, body: unknown, init: RequestInit): Promise<T> {
  const res = await send(path, {
    ...init,
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headersOf(init.headers),
      [CSRF_HEADER]: '1',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw await errorFrom(res);
  return readJson<T>(res);
}

/** POSTs `body` as JSON, once. Throws ApiError for an error answer, NetworkError for no answer. */
export function postJson<T>(path: string, body: unknown, init: RequestInit = {}): Promise<T> {
  return change<T>('POST', path, body, init);
}

/** PUTs `body` as JSON, once (replaces the resource whole). */
export function putJson<T>(path: string, body: unknown, init: RequestInit = {}): Promise<T> {
  return change<T>('PUT', path, body, init);
}

/** PATCHes `body` as JSON, once. */
export function patchJson<T>(path: string, body: unknown, init: RequestInit = {}): Promise<T> {
  return change<T>('PATCH', path, body, init);
}

/** DELETEs, once; a 204 (or any empty answer) resolves to undefined. */
export function deleteJson<T = undefined>(path: string, init: RequestInit = {}): Promise<T> {
  return change<T>('DELETE', path, undefined, init);
}
