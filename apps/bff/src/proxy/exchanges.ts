// The upstream side of a proxied request, seen from the BFF: when it has really ended (VergeOS answered in full, the
// connection failed, or it was aborted), and a way to abort it. @fastify/reply-from gives neither (it never aborts the
// upstream request when the client goes away, and it drops the answer without a word when the client has gone), so the
// pools reply-from sends through carry an undici interceptor that finds each request by its `x-request-id` (the
// Fastify request id the proxy sends VergeOS anyway) and reports on it. A slot of upstream capacity, or of a
// principal's open requests, is given back only then: a client that hangs up cannot leave work behind at VergeOS that
// nobody counts.
import type { Dispatcher } from 'undici';

interface Exchange {
  /** Resolves once the upstream request has ended, whichever way; at once if it never started (`cancel`). */
  readonly ended: Promise<void>;
  /** Aborts the upstream request (now, or as soon as it starts); its handler sees the error. */
  abort(reason: Error): void;
  /** Aborts it only while VergeOS has not started to answer (an answer under way is left to finish). */
  abortIfUnanswered(reason: Error): void;
  /** Whether the upstream request has been handed to a pool. */
  readonly dispatched: boolean;
  /** The upstream request will not be sent after all (reply-from failed before dispatching): ends the exchange. */
  cancel(): void;
}

interface State {
  dispatched: boolean;
  answered: boolean;
  controller: Dispatcher.DispatchController | null;
  abortReason: Error | null;
  end(): void;
}

function headerValue(headers: Dispatcher.DispatchOptions['headers'], name: string): string | undefined {
  if (!headers || Array.isArray(headers) || typeof headers !== 'object') return undefined;
  if (Symbol.iterator in headers) return undefined;
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** Forwards every event to the request's own handler and marks the exchange ended on its last one. */
class TrackedHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly state: State,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.state.controller = controller;
    this.inner.onRequestStart?.(controller, context);
    if (this.state.abortReason) controller.abort(this.state.abortReason);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[2],
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3],
  ): void {
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2],
    statusMessage?: string,
  ): void {
    this.state.answered = true;
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1],
  ): void {
    try {
      this.inner.onResponseEnd?.(controller, trailers);
    } finally {
      this.state.end();
    }
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    try {
      this.inner.onResponseError?.(controller, error);
    } finally {
      this.state.end();
    }
  }
}

/** Exchanges expected on the pools it is composed into, by request id. */
export class Exchanges {
  private readonly expected = new Map<string, State>();

  /** The undici interceptor to compose into a pool (`pool.compose(exchanges.interceptor)`). */
  readonly interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
    const id = headerValue(opts.headers, 'x-request-id');
    const state = id !== undefined ? this.expected.get(id) : undefined;
    if (id === undefined || state === undefined) return dispatch(opts, handler);
    this.expected.delete(id);
    state.dispatched = true;
    return dispatch(opts, new TrackedHandler(handler, state));
  };

  /** The next upstream request that carries `x-request-id: requestId`. */
  expect(requestId: string): Exchange {
    let resolve!: () => void;
    const ended = new Promise<void>((r) => (resolve = r));
    const state: State = {
      dispatched: false,
      answered: false,
      controller: null,
      abortReason: null,
      end: () => {
        this.expected.delete(requestId);
        resolve();
      },
    };
    this.expected.set(requestId, state);
    const abort = (reason: Error) => {
      if (state.abortReason) return;
      state.abortReason = reason;
      state.controller?.abort(reason);
    };
    return {
      ended,
      abort,
      abortIfUnanswered: (reason) => {
        if (!state.answered) abort(reason);
      },
      get dispatched() {
        return state.dispatched;
      },
      cancel: () => {
        if (!state.dispatched) state.end();
      },
    };
  }

  /** Exchanges registered and not yet dispatched (for tests: none may be left behind). */
  get pending(): number {
    return this.expected.size;
  }
}
