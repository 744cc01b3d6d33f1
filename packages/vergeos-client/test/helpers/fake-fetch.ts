// A scripted fetch for unit tests: records every call and answers from a handler.
import type { FetchInit, FetchLike, FetchResponseLike } from '../../src/index';

export interface RecordedRequest {
  method: string;
  /** The URL exactly as the client built it. */
  rawUrl: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
}

export type Handler = (
  req: RecordedRequest,
  callIndex: number,
) => FetchResponseLike | Promise<FetchResponseLike>;

export interface FakeFetch extends FetchLike {
  calls: RecordedRequest[];
}

export function fakeFetch(handler: Handler): FakeFetch {
  const calls: RecordedRequest[] = [];
  const fn = (async (rawUrl: string, init: FetchInit) => {
    const req: RecordedRequest = {
      method: init.method,
      rawUrl,
      url: new URL(rawUrl),
      headers: { ...init.headers },
      body: init.body === undefined ? undefined : (JSON.parse(init.body) as unknown),
      signal: init.signal,
    };
    calls.push(req);
    return handler(req, calls.length - 1);
  }) as FakeFetch;
  fn.calls = calls;
  return fn;
}

export function respond(
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): FetchResponseLike {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    statusText: '',
    headers: { get: (name: string) => lower[name.toLowerCase()] ?? null },
    text: () => Promise.resolve(text),
  };
}

/** What undici's fetch throws when it cannot connect. */
export function connectionRefused(): Error {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  return new TypeError('fetch failed', { cause });
}

/** A fetch answer that never comes (and ignores the abort signal). */
export function never(): Promise<FetchResponseLike> {
  return new Promise(() => undefined);
}

export function machineStatus(status: string, extra: Record<string, unknown> = {}) {
  const on = !['stopped', 'hibernated', 'error'].includes(status);
  return {
    $key: 54,
    machine: 54,
    status,
    status_info: '',
    state: on ? 'online' : 'offline',
    powerstate: on,
    running: on,
    node: on ? 1 : null,
    ...extra,
  };
}
