// The transport: URL and query encoding, authentication (API key, Basic, session token), per-request timeouts,
// TLS (pinned CA or skipped verification) and the retry policy.
//
// Retry policy: only safe reads are retried, at most `retry.attempts` attempts in all (3 by default), after
// exponential backoff with jitter, and only on a network error, a client timeout or 500/502/503/504. Actions (and
// anything else sent with `retry: false`) go out once: never again after a network error, a timeout or a 5xx,
// because VergeOS may have acted on it. The one exception, for every request, is a 401 with a session token: the
// token has expired, VergeOS did nothing, so the client logs in again once and sends the request once more.

import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import {
  VergeAbortError,
  VergeApiError,
  VergeClientClosedError,
  VergeInvalidResponseError,
  VergeNetworkError,
  VergeTimeoutError,
  VergeTlsError,
  apiErrorFor,
} from './errors';

/** How to authenticate. */
export type VergeAuth =
  /** `Authorization: Bearer <apiKey>` (VergeOS 26.0 and later). */
  | { type: 'apiKey'; apiKey: string }
  /** HTTP Basic with a VergeOS user's login and password, on every request. */
  | { type: 'basic'; username: string; password: string }
  /**
   * A session token: `POST /api/sys/tokens` with `{"login","password"}` on first use, then `x-yottabyte-token`;
   * on a 401 the client logs in again once; `logout()`/`close()` deletes the token.
   */
  | { type: 'token'; username: string; password: string };

/** What the client needs of a response: the WHATWG `Response` (global or undici's) fits. */
export interface FetchResponseLike {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** A `fetch`: the global one, undici's, or a test double. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

/**
 * TLS options; they apply only to the client's own undici fetch, never to an injected `fetch` (configure TLS on
 * that one yourself). Without them Node's default trust store verifies the server.
 */
export interface TlsOptions {
  /** Pin this CA (PEM file, read once when the client is created): only certificates it signed are trusted. */
  caFile?: string;
  /** The same as `caFile`, given as PEM text. */
  ca?: string;
  /** Skip certificate verification entirely (self-signed lab systems). Never together with a CA. */
  insecure?: boolean;
}

export interface RetryPolicy {
  /** Attempts in all for a safe read, the first included (1 = no retry). */
  attempts: number;
  /** Backoff before retry n is about `baseDelayMs * 2^(n-1)`, jittered between half and all of it. */
  baseDelayMs: number;
  /** Upper bound of one backoff. */
  maxDelayMs: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY: Readonly<RetryPolicy> = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 };
/** The HTTP statuses after which a safe read is tried again. */
export const RETRYABLE_STATUSES: readonly number[] = [500, 502, 503, 504];

interface TransportOptions {
  baseUrl: string;
  auth: VergeAuth;
  fetch?: FetchLike | undefined;
  tls?: TlsOptions | undefined;
  timeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** Source of jitter in [0, 1); tests make it deterministic. */
  random?: (() => number) | undefined;
  userAgent?: string | undefined;
  interceptors?: readonly Dispatcher.DispatcherComposeInterceptor[] | undefined;
}

type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path from the host, already encoded: `/api/v4/vms/42`. */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  body?: unknown;
  /** `true` for a safe read that may be retried; `false` sends it once. */
  retry: boolean;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Sent as `x-request-id`. */
  requestId?: string | undefined;
}

/**
 * Encodes a query value the way real clients do: everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded, so a
 * space is `%20`, `#` is `%23`, `$` is `%24`, `'` is `%27`, `,` is `%2C`.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `?a=1&b=x%20y`, or `''` when every value is undefined. */
export function buildQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    parts.push(`${encodeQueryValue(name)}=${encodeQueryValue(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** `https://host:port` from what a user may write: trailing slashes and a trailing `/api/v4` or `/api` go. */
export function normaliseBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError('baseUrl is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('baseUrl must be http(s)');
  if (url.username || url.password) {
    // Never echo the URL: it holds credentials.
    throw new TypeError('baseUrl must not contain credentials; pass them in `auth`');
  }
  if (url.search || url.hash) throw new TypeError('baseUrl must not have a query or fragment');
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api(\/v4)?$/, '');
  return `${url.origin}${path}`;
}

interface RawResponse {
  status: number;
  statusText: string;
  text: string;
  retryAfter: string | null;
}

const TLS_CODE =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH|ALTNAME/;

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e === 'object' && 'code' in e && typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') {
      return e.code;
    }
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

function errorText(error: unknown): string {
  const texts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof Error && e.message && !texts.includes(e.message)) texts.push(e.message);
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return texts.join(': ') || String(error);
}

/** The message in a VergeOS error body: `err` (real systems) or `error` (the guide). */
export function vergeMessage(bodyText: string): string | undefined {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (body && typeof body === 'object') {
      for (const key of ['err', 'error', 'message']) {
        const value = (body as Record<string, unknown>)[key];
        if (typeof value === 'string' && value) return value;
      }
    }
  } catch {
    // Not JSON: no message of VergeOS's own.
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VergeAbortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new VergeAbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class Transport {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retry: Readonly<RetryPolicy>;
  private readonly auth: VergeAuth;
  private readonly fetchFn: FetchLike;
  private readonly agent: Agent | undefined;
  private readonly random: () => number;
  private readonly userAgent: string;
  private token: string | undefined;
  private login: Promise<string> | undefined;
  /** Every token this client ever held, for redaction. */
  private readonly secrets = new Set<string>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: TransportOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.auth = checkAuth(options.auth);
    for (const s of authSecrets(this.auth)) this.secrets.add(s);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!(Number.isInteger(this.retry.attempts) && this.retry.attempts >= 1)) {
      throw new TypeError('retry.attempts must be an integer >= 1');
    }
    this.random = options.random ?? Math.random;
    this.userAgent = options.userAgent ?? 'powerdeck-vergeos-client/0.1';
    if (options.fetch) {
      // An injected fetch brings its own TLS configuration; `tls` does not apply to it.
      this.fetchFn = options.fetch;
    } else {
      this.agent = createAgent(options.tls);
      const interceptors = options.interceptors ?? [];
      const dispatcher = interceptors.length > 0 ? this.agent.compose(...interceptors) : this.agent;
      this.fetchFn = (url, init) => undiciFetch(url, { ...init, dispatcher });
    }
  }

  /** Sends a request (retrying it if `spec.retry` and the failure is transient) and returns the parsed JSON. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const attempts = spec.retry ? this.retry.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.attempt(spec, attempt)) as T;
      } catch (error) {
        if (attempt >= attempts || !isRetryable(error) || spec.signal?.aborted) throw error;
        const retryAfter = error instanceof VergeApiError ? (retryAfterOf.get(error) ?? null) : null;
        await sleep(this.backoff(attempt, retryAfter), spec.signal);
      }
    }
  }

  /** Deletes the session token, if there is one (`DELETE /api/sys/tokens/<t>`). A token already gone is fine. */
  async logout(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.auth.type !== 'token') return;
    const pending = this.login;
    let token = this.token;
    if (!token && pending) token = await pending.catch(() => undefined);
    this.token = undefined;
    this.login = undefined;
    if (!token) return;
    const spec: RequestSpec = {
      method: 'DELETE',
      path: `/api/sys/tokens/${encodeURIComponent(token)}`,
      retry: false,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    };
    const res = await this.send(spec, { ...this.baseHeaders(), 'x-yottabyte-token': token }, 1);
    if (res.status >= 300 && res.status !== 401 && res.status !== 404) throw this.httpError(spec, res, 1);
  }

  /** Logs out (best effort) and releases the connection pool. Further requests fail with VergeClientClosedError. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.logout({ timeoutMs: Math.min(this.timeoutMs, 5_000) });
      } catch {
        // Best effort: the token expires on its own.
      }
      this.closed = true;
      await this.agent?.close();
    })();
    return this.closing;
  }

  private async attempt(spec: RequestSpec, attempt: number): Promise<unknown> {
    let token = await this.currentToken(spec.signal);
    let res = await this.send(spec, this.authHeaders(token), attempt);
    if (res.status === 401 && token !== undefined) {
      // The session token expired or was deleted: VergeOS did nothing. Log in again, once, and send it once more.
      if (this.token === token) this.token = undefined;
      token = await this.currentToken(spec.signal);
      res = await this.send(spec, this.authHeaders(token), attempt);
    }
    if (res.status >= 200 && res.status < 300) return this.parse(spec, res, attempt);
    const error = this.httpError(spec, res, attempt);
    if (res.retryAfter !== null) retryAfterOf.set(error, res.retryAfter);
    throw error;
  }

  private parse(spec: RequestSpec, res: RawResponse, attempt: number): unknown {
    if (!res.text.trim()) return undefined;
    try {
      return JSON.parse(res.text);
    } catch {
      throw new VergeInvalidResponseError({
        status: res.status,
        message: `VergeOS answered ${res.status} with a body that is not JSON`,
        body: this.redact(res.text.slice(0, 2_000)),
        method: spec.method,
        path: this.redact(spec.path),
        attempts: attempt,
      });
    }
  }

  private httpError(spec: RequestSpec, res: RawResponse, attempt: number): VergeApiError {
    const message =
      vergeMessage(res.text) ?? `VergeOS answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    return apiErrorFor({
      status: res.status,
      message: this.redact(message),
      body: this.redact(res.text),
      method: spec.method,
      path: this.redact(spec.path + buildQuery(spec.query)),
      attempts: attempt,
    });
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const { baseDelayMs, maxDelayMs } = this.retry;
    const full = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    let delay = full / 2 + (this.random() * full) / 2;
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    if (Number.isFinite(seconds) && seconds > 0)
      delay = Math.max(delay, Math.min(maxDelayMs, seconds * 1_000));
    return Math.round(delay);
  }

  private baseHeaders(): Record<string, string> {
    return { accept: 'application/json', 'user-agent': this.userAgent };
  }

  private authHeaders(token: string | undefined): Record<string, string> {
    const headers = this.baseHeaders();
    switch (this.auth.type) {
      case 'apiKey':
        headers.authorization = `Bearer ${this.auth.apiKey}`;
        break;
      case 'basic':
        headers.authorization = `Basic ${basicCredentials(this.auth.username, this.auth.password)}`;
        break;
      case 'token':
        if (token !== undefined) headers['x-yottabyte-token'] = token;
        break;
    }
    return headers;
  }

  /** The session token, logging in first if there is none (one login at a time, shared by concurrent calls). */
  private async currentToken(signal: AbortSignal | undefined): Promise<string | undefined> {
    if (this.closed) throw new VergeClientClosedError();
    if (this.auth.type !== 'token') return undefined;
    if (this.token !== undefined) return this.token;
    if (!this.login) {
      const auth = this.auth;
      this.login = this.doLogin(auth.username, auth.password).finally(() => {
        this.login = undefined;
      });
    }
    const login = this.login;
    if (!signal) return login;
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) return reject(new VergeAbortError());
      const onAbort = () => reject(new VergeAbortError());
      signal.addEventListener('abort', onAbort, { once: true });
      login.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async doLogin(login: string, password: string): Promise<string> {
    const spec: RequestSpec = {
      method: 'POST',
      path: '/api/sys/tokens',
      body: { login, password },
      retry: false,
    };
    const res = await this.send(spec, this.baseHeaders(), 1);
    if (res.status < 200 || res.status >= 300) throw this.httpError(spec, res, 1);
    const body = this.parse(spec, res, 1);
    const key = body && typeof body === 'object' ? (body as Record<string, unknown>).$key : undefined;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new VergeInvalidResponseError({
        status: res.status,
        message: 'VergeOS answered the login without a token ($key)',
        body: '',
        method: spec.method,
        path: spec.path,
      });
    }
    const token = String(key);
    this.secrets.add(token);
    this.token = token;
    return token;
  }

  /** One HTTP exchange, bounded by the timeout, body included. Maps failures without an answer to typed errors. */
  private async send(
    spec: RequestSpec,
    headers: Record<string, string>,
    attempt: number,
  ): Promise<RawResponse> {
    if (this.closed) throw new VergeClientClosedError();
    const path = spec.path + buildQuery(spec.query);
    const where = { method: spec.method, path: this.redact(path), attempts: attempt };
    if (spec.signal?.aborted) throw new VergeAbortError(where);
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const timeout = new AbortController();
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout.signal]) : timeout.signal;
    let onAbort: (() => void) | undefined;
    // Rejects as soon as the signal fires, even if a (test) fetch ignores its signal.
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    // A TimeoutError (as AbortSignal.timeout's): what the connection sees as the reason (an interceptor can tell a
    // timeout from another abort by its name).
    const timer = setTimeout(
      () => timeout.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    const init: FetchInit = { method: spec.method, headers: { ...headers }, signal };
    if (spec.requestId !== undefined) init.headers['x-request-id'] = spec.requestId;
    if (spec.body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(spec.body);
    }
    try {
      const exchange = (async (): Promise<RawResponse> => {
        const res = await this.fetchFn(this.baseUrl + path, init);
        const text = await res.text();
        return {
          status: res.status,
          statusText: res.statusText,
          text,
          retryAfter: res.headers.get('retry-after'),
        };
      })();
      exchange.catch(() => undefined);
      return await Promise.race([exchange, aborted]);
    } catch (error) {
      if (spec.signal?.aborted) throw new VergeAbortError({ ...where, cause: spec.signal.reason });
      if (timeout.signal.aborted) throw new VergeTimeoutError(timeoutMs, where);
      const causeCode = errorCode(error);
      const text = this.redact(errorText(error));
      const message = `no answer from VergeOS (${spec.method} ${where.path}): ${text}`;
      // The original error is not kept as `cause` (loggers print causes): a redacted copy is.
      const cause = Object.assign(new Error(text), causeCode ? { code: causeCode } : {});
      if (causeCode && TLS_CODE.test(causeCode)) {
        throw new VergeTlsError(message, { ...where, causeCode, cause });
      }
      throw new VergeNetworkError(message, { ...where, causeCode, cause });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /** Replaces every credential this client knows with `***`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (secret.length < 3) continue;
      out = out.split(secret).join('***');
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join('***');
    }
    return out;
  }
}

/** The Retry-After header of an HTTP error, for the retry loop. */
const retryAfterOf = new WeakMap<VergeApiError, string>();

function isRetryable(error: unknown): boolean {
  if (error instanceof VergeApiError) return RETRYABLE_STATUSES.includes(error.status);
  // A network error or a timeout (VergeTimeoutError is a VergeNetworkError); a TLS failure will not heal itself.
  return error instanceof VergeNetworkError && !(error instanceof VergeTlsError);
}

function basicCredentials(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

function authSecrets(auth: VergeAuth): string[] {
  switch (auth.type) {
    case 'apiKey':
      return [auth.apiKey];
    case 'basic':
      return [auth.password, basicCredentials(auth.username, auth.password)];
    case 'token':
      return [auth.password];
  }
}

function checkAuth(auth: VergeAuth): VergeAuth {
  // Messages name the missing part, never a value.
  const nonEmpty = (value: unknown, what: string) => {
    if (typeof value !== 'string' || value === '')
      throw new TypeError(`auth.${what} must be a non-empty string`);
  };
  if (!auth || typeof auth !== 'object') throw new TypeError('auth is required');
  switch (auth.type) {
    case 'apiKey':
      nonEmpty(auth.apiKey, 'apiKey');
      return { type: 'apiKey', apiKey: auth.apiKey };
    case 'basic':
    case 'token':
      nonEmpty(auth.username, 'username');
      nonEmpty(auth.password, 'password');
      if (auth.type === 'basic' && auth.username.includes(':')) {
        throw new TypeError('auth.username must not contain ":" for Basic authentication');
      }
      return { type: auth.type, username: auth.username, password: auth.password };
    default:
      throw new TypeError("auth.type must be 'apiKey', 'basic' or 'token'");
  }
}

function createAgent(tls: TlsOptions | undefined): Agent {
  if (!tls) return new Agent();
  if (tls.insecure && (tls.caFile || tls.ca)) {
    throw new TypeError('tls.insecure cannot be combined with a pinned CA (tls.caFile / tls.ca)');
  }
  if (tls.caFile && tls.ca) throw new TypeError('give tls.caFile or tls.ca, not both');
  if (tls.caFile) {
    let ca: string;
    try {
      ca = readFileSync(tls.caFile, 'utf8');
    } catch (error) {
      throw new TypeError(`cannot read tls.caFile ${tls.caFile}: ${errorText(error)}`, { cause: error });
    }
    return new Agent({ connect: { ca } });
  }
  if (tls.ca) return new Agent({ connect: { ca: tls.ca } });
  if (tls.insecure) return new Agent({ connect: { rejectUnauthorized: false } });
  return new Agent();
}
