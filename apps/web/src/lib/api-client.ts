// The browser's HTTP client for the BFF: typed errors, no UI side effects, never retries.

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
  return new ApiError(res.status, message, code, body);
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
  const res = await send(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  if (!res.ok) throw await errorFrom(res);
  return (await res.json()) as T;
}

/** POSTs `body` as JSON, once. Throws ApiError for an error answer, NetworkError for no answer. */
export async function postJson<T>(path: string, body: unknown, init: RequestInit = {}): Promise<T> {
  const res = await send(path, {
    ...init,
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await errorFrom(res);
  return readJson<T>(res);
}
