// Every request Powerdeck makes to VergeOS, counted where they all pass: an undici interceptor composed into each of
// the connections to VergeOS (the typed client's, which the fleet poller and the operation engine use, and the two
// pools the VergeOS routes forward through). It sees each exchange once, retries and re-logins included, and never
// changes it.
import type { Dispatcher } from 'undici';

/**
 * The VergeOS routes Powerdeck reaches, as labels: the table (`vms`, `machine_status`, ...) without any key, or
 * `sys/tokens` for a login or logout. Anything else is `other`, so that no path can grow the series.
 */
export const UPSTREAM_ROUTES = [
  'vms',
  'machine_status',
  'vm_actions',
  'nodes',
  'system',
  'clusters',
  'sys/tokens',
  'other',
] as const;
export type UpstreamRoute = (typeof UPSTREAM_ROUTES)[number];

const V4_TABLES: ReadonlySet<string> = new Set([
  'vms',
  'machine_status',
  'vm_actions',
  'nodes',
  'system',
  'clusters',
]);

/** The route label of a request path: `/api/v4/vms/12?fields=...` is `vms`, `/api/sys/tokens/<token>` `sys/tokens`. */
export function upstreamRoute(path: string): UpstreamRoute {
  const m = /^\/api\/(?:v4\/([a-z_]+)|sys\/(tokens))(?:[/?#]|$)/.exec(path);
  if (m?.[1] !== undefined) return V4_TABLES.has(m[1]) ? (m[1] as UpstreamRoute) : 'other';
  if (m?.[2] !== undefined) return 'sys/tokens';
  return 'other';
}

/**
 * How an exchange ended, as a label: VergeOS's HTTP status (`200`, `503`...), `timeout` (no answer in time),
 * `aborted` (Powerdeck gave up: the caller went away, or the server is stopping) or `error` (the connection failed:
 * refused, reset, TLS).
 */
export type UpstreamStatus = string;

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** What a failed exchange counts as: `timeout`, `aborted` or `error`. */
export function failureStatus(error: unknown): 'timeout' | 'aborted' | 'error' {
  // The cause chain: undici wraps the reason an exchange was aborted with.
  let e: unknown = error;
  for (let i = 0; i < 5 && e !== null && typeof e === 'object'; i++) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'timeout';
    if (name === 'AbortError' || code === 'UND_ERR_ABORTED') return 'aborted';
    e = (e as { cause?: unknown }).cause;
  }
  return 'error';
}

/** Told once per exchange: its route, how it ended, and how long it took (seconds, until the answer's end). */
export type UpstreamRecorder = (route: UpstreamRoute, status: UpstreamStatus, seconds: number) => void;

/** Passes every event on to the request's own handler, and tells the recorder how the exchange ended. */
class ObservedHandler implements Dispatcher.DispatchHandler {
  private status: number | null = null;
  private told = false;

  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly end: (status: UpstreamStatus) => void,
  ) {}

  /** Once, whichever way the exchange ends. */
  tell(status: UpstreamStatus): void {
    if (this.told) return;
    this.told = true;
    this.end(status);
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[2],
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3],
  ): void {
    this.tell(String(statusCode));
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2],
    statusMessage?: string,
  ): void {
    // 1xx answers come before the real one.
    if (statusCode >= 200) this.status = statusCode;
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1],
  ): void {
    this.tell(this.status !== null ? String(this.status) : 'error');
    this.inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    // An answer cut off half-way is a failed exchange, whatever its status said.
    this.tell(failureStatus(error));
    this.inner.onResponseError?.(controller, error);
  }
}

/** The interceptor to compose into every connection to VergeOS (`pool.compose(upstreamInterceptor(record))`). */
export function upstreamInterceptor(record: UpstreamRecorder): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const route = upstreamRoute(opts.path);
    const started = performance.now();
    const observed = new ObservedHandler(handler, (status) =>
      record(route, status, (performance.now() - started) / 1000),
    );
    try {
      return dispatch(opts, observed);
    } catch (err) {
      observed.tell(failureStatus(err));
      throw err;
    }
  };
}
