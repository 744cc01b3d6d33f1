// The one connection to VergeOS: where it is, how to sign in, how to verify its TLS. Decorates
// `app.vergeos` with what the proxy routes and the fleet poller need. The credentials never leave
// this process: nothing here is serialised into a response or a log line.
import { readFileSync } from 'node:fs';
import { createVergeClient, type VergeAuth, type VergeClient } from '@powerdeck/vergeos-client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Pool, type Dispatcher } from 'undici';
import type { VergeosAuthConfig } from '../config';
import { Exchanges } from '../proxy/exchanges';
import { InFlight, Slots } from '../proxy/limits';

/** Where the BFF sends VergeOS requests; resolved by server.ts (embedded simulator or VERGEOS_URL). */
export interface UpstreamOptions {
  url: string;
  auth: VergeosAuthConfig;
  caFile?: string;
  insecureTls: boolean;
  /** True when the upstream is the embedded simulator. */
  demo: boolean;
}

/** Connections to VergeOS for the proxy routes: reads and power actions apart, so reads can never take them all. */
export const READ_CONNECTIONS = 48;
export const ACTION_CONNECTIONS = 16;

/** Limits of the VergeOS routes per principal (config `proxy`); both default as in config.ts. */
export interface ProxyLimitsOptions {
  /** Requests one principal may have open at once (POWERDECK_API_CONCURRENCY, 8). */
  concurrency?: number;
  /** Requests one principal may make a minute (POWERDECK_API_RATE_PER_MINUTE, 300). */
  ratePerMinute?: number;
}

/** One kind of proxied request's way to VergeOS: its own pool, and slots as many as its connections. */
interface UpstreamLane {
  /** What @fastify/reply-from sends through (the pool, with the exchange interceptor). */
  readonly dispatcher: Dispatcher;
  /** Taken before a request is sent, given back once its upstream exchange has ended. */
  readonly slots: Slots;
}

/** What the proxy routes need to forward without one caller starving the others. */
interface ProxyCapacity {
  readonly read: UpstreamLane;
  readonly action: UpstreamLane;
  readonly exchanges: Exchanges;
  /** Requests open per principal (routes/vergeos.ts holds a place from the start of a request to its very end). */
  readonly inFlight: InFlight;
  readonly ratePerMinute: number;
}

interface Vergeos {
  readonly baseUrl: string;
  readonly demo: boolean;
  /** A description safe to show: the host, never credentials. */
  readonly label: string;
  /** The headers that sign a request in to VergeOS (Authorization). Server-side only. */
  authHeaders(): Record<string, string>;
  /**
   * The proxy routes' connections (TLS verified unless insecureTls), apart from the typed client's: reads (48) and
   * power actions (16) each have a pool of their own, and per-principal limits.
   */
  readonly proxy: ProxyCapacity;
  /** The typed client the fleet poller reads with (reads not retried: the poller has its own backoff). */
  readonly client: VergeClient;
}

declare module 'fastify' {
  interface FastifyInstance {
    vergeos: Vergeos;
  }
}

function clientAuth(auth: VergeosAuthConfig): VergeAuth {
  return auth.kind === 'apiKey'
    ? { type: 'apiKey', apiKey: auth.apiKey }
    : { type: 'basic', username: auth.username, password: auth.password };
}

function authHeaderValue(auth: VergeosAuthConfig): string {
  return auth.kind === 'apiKey'
    ? `Bearer ${auth.apiKey}`
    : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

function vergeosPlugin(
  app: FastifyInstance,
  opts: { upstream: UpstreamOptions; limits?: ProxyLimitsOptions },
  done: (err?: Error) => void,
) {
  const { upstream } = opts;
  const url = new URL(upstream.url);
  const ca = upstream.caFile !== undefined ? readFileSync(upstream.caFile, 'utf8') : undefined;
  if (upstream.insecureTls) {
    app.log.warn(
      { vergeos: url.host },
      'VERGEOS_INSECURE_TLS=true: the VergeOS certificate is NOT verified; anyone on the path can impersonate VergeOS',
    );
  }
  const tlsConnect =
    url.protocol === 'https:'
      ? {
          rejectUnauthorized: !upstream.insecureTls,
          ...(ca !== undefined && !upstream.insecureTls ? { ca } : {}),
        }
      : undefined;
  const pool = (connections: number) =>
    new Pool(url.origin, { connections, pipelining: 1, ...(tlsConnect ? { connect: tlsConnect } : {}) });
  const readPool = pool(READ_CONNECTIONS);
  const actionPool = pool(ACTION_CONNECTIONS);
  const exchanges = new Exchanges();
  // Every connection to VergeOS counts its requests (the metrics' interceptor), the proxy's and the client's alike.
  const counted = app.metrics.upstream;
  const proxy: ProxyCapacity = {
    read: {
      dispatcher: readPool.compose(exchanges.interceptor, counted),
      slots: new Slots(READ_CONNECTIONS),
    },
    action: {
      dispatcher: actionPool.compose(exchanges.interceptor, counted),
      slots: new Slots(ACTION_CONNECTIONS),
    },
    exchanges,
    inFlight: new InFlight(opts.limits?.concurrency ?? 8),
    ratePerMinute: opts.limits?.ratePerMinute ?? 300,
  };
  const authorization = authHeaderValue(upstream.auth);
  const client = createVergeClient({
    baseUrl: upstream.url,
    auth: clientAuth(upstream.auth),
    tls: upstream.insecureTls ? { insecure: true } : ca !== undefined ? { ca } : {},
    timeoutMs: 5000,
    retry: { attempts: 1 },
    userAgent: 'powerdeck-bff',
    interceptors: [counted],
  });
  const vergeos: Vergeos = {
    baseUrl: url.origin + url.pathname.replace(/\/+$/, ''),
    demo: upstream.demo,
    label: upstream.demo ? 'embedded simulator' : url.host,
    authHeaders: () => ({ authorization }),
    proxy,
    client,
  };
  app.decorate('vergeos', vergeos);
  app.addHook('onClose', async () => {
    await client.close();
    await Promise.all([readPool.close(), actionPool.close()]);
  });
  done();
}

export default fp(vergeosPlugin, { name: 'vergeos', fastify: '5.x', dependencies: ['metrics'] });
