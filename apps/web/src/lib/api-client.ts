// The browser's HTTP client for the BFF: typed errors, no UI side effects.

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class NetworkError extends Error {
  override name = 'NetworkError';
}

async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | undefined;
  try {
    const body = (await res.json()) as { err?: unknown; error?: unknown; code?: unknown };
    const text =
      typeof body.err === 'string' ? body.err : typeof body.error === 'string' ? body.error : undefined;
    if (text) message = text;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message, code);
}

export async function getJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (e) {
    throw new NetworkError(e instanceof Error ? e.message : 'network error');
  }
  if (!res.ok) throw await errorFrom(res);
  return (await res.json()) as T;
}
