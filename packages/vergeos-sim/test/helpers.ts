// Test helpers: exact HTTP requests (the path is sent byte for byte, no URL normalisation), polling.

import http from 'node:http';
import https from 'node:https';
import { expect } from 'vitest';
import type { Simulator } from '../src/index';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  ca?: string;
  signal?: AbortSignal;
}

/** Sends one request to `base` + `path` exactly as written. */
export function request(base: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const url = new URL(base);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path,
        headers,
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : (JSON.parse(text) as unknown);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A client bound to a simulator, authenticated with its admin API key unless told otherwise. */
export function client(
  sim: Simulator,
  auth: Record<string, string> = { authorization: `Bearer ${sim.apiKey}` },
) {
  const withAuth = (options: RequestOptions = {}): RequestOptions => ({
    ...options,
    headers: { ...auth, ...(options.headers ?? {}) },
  });
  return {
    get: (path: string, options?: RequestOptions) => request(sim.url, path, withAuth(options)),
    post: (path: string, body: unknown, options?: RequestOptions) =>
      request(
        sim.url,
        path,
        withAuth({
          ...options,
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...(options?.headers ?? {}) },
        }),
      ),
    action: (body: unknown) =>
      request(
        sim.url,
        '/api/v4/vm_actions',
        withAuth({ method: 'POST', body, headers: { 'content-type': 'application/json' } }),
      ),
    status: async (machine: number) => {
      const a = await request(sim.url, `/api/v4/machine_status/${machine}?fields=most`, withAuth());
      return a.json as Record<string, unknown>;
    },
  };
}

/** The control API: no authentication. */
export function control(sim: Simulator) {
  const send = (method: string, path: string, body?: unknown) =>
    request(sim.url, `/__sim${path}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    });
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body?: unknown) => send('POST', path, body ?? {}),
    put: (path: string, body: unknown) => send('PUT', path, body),
    delete: (path: string) => send('DELETE', path),
  };
}

/** Polls `probe` until it returns something other than undefined (every 5 ms, up to `timeoutMs`). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// Typed wrappers of Vitest's asymmetric matchers (which are typed `any`).
export const anyOf = (
  type: NumberConstructor | StringConstructor | BooleanConstructor | ObjectConstructor,
): unknown => expect.any(type);
export const anything = (): unknown => expect.anything();
export const matching = (pattern: RegExp | string): unknown => expect.stringMatching(pattern);
export const containing = (text: string): unknown => expect.stringContaining(text);
export const arrayContaining = (items: unknown[]): unknown => expect.arrayContaining(items);
