// Builds the Powerdeck BFF. Plugins load in a fixed order: external (helmet, cookie, rate limit) -> app (errors, edge,
// stores, metrics, vergeos, cluster, fleet poller, fleet stops, auth, operations, plans, schedules, housekeeping,
// alerts) ->
// routes.
// server.ts reads config, starts the logger and listens; tests build this with `buildApp` and use `app.inject`.
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config, SsoConfig, TrustProxy } from './config';
import type { BackoffOptions } from './fleet/poller';
import alerts, { type AlertsPluginOptions } from './plugins/alerts';
import auth from './plugins/auth';
import cluster, { type ClusterPluginOptions } from './plugins/cluster';
import edge, { EDGE_DEFAULTS, type EdgeOptions } from './plugins/edge';
import errors from './plugins/errors';
import fleetPoller from './plugins/fleet-poller';
import fleetStops, { type FleetStopsPluginOptions } from './plugins/fleet-stops';
import housekeeping from './plugins/housekeeping';
import metrics, { type MetricsPluginOptions } from './plugins/metrics';
import operations, { type OperationsPluginOptions } from './plugins/operations';
import plans from './plugins/plans';
import schedules, { type SchedulesPluginOptions } from './plugins/schedules';
import stores from './plugins/stores';
import vergeos, { type ProxyLimitsOptions, type UpstreamOptions } from './plugins/vergeos';
import { WindowStore } from './proxy/limits';
import { pgWindowStore } from './cluster/rate-windows';
import fleetRoutes from './routes/fleet';
import healthRoutes from './routes/health';
import alertRoutes from './routes/alerts';
import auditRoutes from './routes/audit';
import displayLinkRoutes from './routes/display-links';
import metaRoutes from './routes/meta';
import metricsRoutes from './routes/metrics';
import operationRoutes from './routes/operations';
import planRoutes from './routes/plans';
import scheduleRoutes from './routes/schedules';
import sessionRoutes, { type SessionRoutesOptions } from './routes/session';
import spaRoutes from './routes/spa';
import tokenRoutes from './routes/tokens';
import sso from './plugins/sso';
import ssoRoutes from './routes/sso';
import userRoutes from './routes/users';
import vergeosRoutes, { type VergeosRoutesOptions } from './routes/vergeos';
import type { Stores } from './stores/types';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by @fastify/helmet on routes that opt in to it (the pages). */
    helmet?: unknown;
  }
}

export interface AppOptions {
  config: Pick<Config, 'poll'>;
  upstream: UpstreamOptions;
  /** Users, sessions, tokens, display links, throttle and audit log; the caller opens and closes them. */
  stores: Stores;
  /** Sign-in settings: idle timeout (default 30 min), failure delays, and whether to trust a TLS proxy's headers. */
  auth?: Partial<Omit<SessionRoutesOptions, 'idleTimeoutMs'>> & {
    idleTimeoutMs?: number;
    /** Which proxies' X-Forwarded-For/-Proto/-Host to believe: a hop count or their addresses (default none). */
    trustProxy?: TrustProxy;
  };
  /**
   * Connections, hosts and origins (plugins/edge.ts): where people open Powerdeck, connection caps, and how long
   * a client may take to send its headers and its whole request (defaults in EDGE_DEFAULTS; tests shorten them).
   */
  edge?: Omit<EdgeOptions, 'trustProxy'> & {
    headersTimeoutMs?: number;
    requestTimeoutMs?: number;
    timeoutCheckIntervalMs?: number;
  };
  /** The built SPA (apps/web/dist); unset or missing: no SPA routes. */
  webRoot?: string | undefined;
  /** Fastify's logger option (server.ts passes the pino config; tests pass false or a stream). */
  logger?: FastifyServerOptions['logger'];
  /** Milliseconds since the last successful poll after which /readyz says not ready. */
  readyMaxAgeMs?: number;
  /** Limits per person or token on the VergeOS routes (config `proxy`: 8 open at once, 300 a minute). */
  proxyLimits?: ProxyLimitsOptions;
  /**
   * How long to wait for VergeOS, counted from the request's arrival (default 5 s for reads, 15 s for actions;
   * tests shorten them).
   */
  upstreamTimeouts?: VergeosRoutesOptions;
  /** SSE heartbeat interval (tests shorten it). */
  heartbeatMs?: number;
  /**
   * Power operations: default parallelism (config.operations), the time scale of their waits (the embedded
   * simulator's; tests pass the simulator's), the action timeout.
   */
  operations?: OperationsPluginOptions;
  /** The scheduler's clock and timer (tests move time and fire the timer themselves). */
  schedules?: SchedulesPluginOptions;
  /** The fleet poller's backoff after failures (default: after 3, doubling, at most 60 s; tests change it). */
  fleetBackoff?: Partial<BackoffOptions>;
  /** Recent stops (`GET /api/fleet/stops`): how long one is remembered, and the clock (tests move it). */
  fleetStops?: FleetStopsPluginOptions;
  /** Several servers on one PostgreSQL database (plugins/cluster.ts); absent: one server, it does everything. */
  cluster?: ClusterPluginOptions;
  /** Single sign-on with OpenID Connect (routes/sso.ts); absent: off. */
  sso?: SsoConfig;
  /**
   * Alerts (plugins/alerts.ts): the key targets' secrets are sealed with (absent: a random one), the clock, the
   * VergeOS silence threshold, the public URL for links, and the times tests shorten.
   */
  alerts?: AlertsPluginOptions;
  /** Prometheus metrics: the scrape token of GET /metrics (null or absent: off) and this server's name. */
  metrics?: MetricsPluginOptions;
}

/**
 * Log redaction: the VergeOS key, passwords, cookies, tokens, Authorization headers and alert targets' secrets never
 * reach a log line.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-yottabyte-token"]',
  'res.headers["set-cookie"]',
  'res.headers.location',
  'headers.authorization',
  'headers.cookie',
  'headers["x-yottabyte-token"]',
  '*.token',
  '*.apiKey',
  '*.password',
  // Alert targets' secrets (routes/alerts.ts never logs a body; this is for whatever might some day).
  '*.secret',
  '*.signingSecret',
  '*.VERGEOS_API_KEY',
  '*.VERGEOS_PASSWORD',
];

/**
 * A token in a URL never reaches a log line either: VergeOS's clients log out with `DELETE /api/sys/tokens/<token>`,
 * so the request line of every log entry goes through this (the path's token, and any `pd_…` anywhere in it).
 */
function redactUrl(url: string): string {
  return url
    .replace(/\/sys\/tokens\/[^/?#]+/gi, '/sys/tokens/[redacted]')
    .replace(/pd_[A-Za-z0-9_%-]+/g, 'pd_[redacted]');
}

/** What a request's log entry says of it: Fastify's own fields, with the URL through redactUrl. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

function redactingLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const base = logger === true ? {} : logger;
  return {
    ...base,
    serializers: {
      ...base.serializers,
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactUrl(req.url ?? ''),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  };
}

/** What every response that is not a page carries (JSON, assets, errors): nothing in it may be framed or run. */
const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** Fastify's trustProxy: a hop count becomes "the nearest N hops" (Fastify's own reading of a number). */
function fastifyTrustProxy(tp: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof tp === 'number' ? (_address, hop) => hop < tp : tp;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const edgeOpts = opts.edge ?? {};
  const app = Fastify({
    logger: redactingLogger(opts.logger),
    // A random request id on every log line (and in the x-request-id sent to VergeOS).
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 4096,
    // Refuse what the schemas do not name; never coerce or strip silently.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    routerOptions: { ignoreDuplicateSlashes: false, ignoreTrailingSlash: false },
    return503OnClosing: true,
    // Behind a TLS proxy: the client address and https (for the `__Host-` Secure cookie) come from its headers,
    // believed from the configured hops or addresses only (never from every hop: a client could name any address).
    trustProxy: fastifyTrustProxy(opts.auth?.trustProxy ?? false),
    // A client that sends its headers or its body slowly is cut off, rather than hold a connection forever.
    requestTimeout: edgeOpts.requestTimeoutMs ?? EDGE_DEFAULTS.requestTimeoutMs,
    http: {
      headersTimeout: edgeOpts.headersTimeoutMs ?? EDGE_DEFAULTS.headersTimeoutMs,
      connectionsCheckingInterval: edgeOpts.timeoutCheckIntervalMs ?? EDGE_DEFAULTS.timeoutCheckIntervalMs,
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON bodies: form and text/plain posts (what a cross-site form can send) get 415.
  app.removeContentTypeParser(['text/plain']);

  // external
  // Pages get helmet's full set with a strict CSP (routes opt in with `helmet: {}`: see routes/spa.ts).
  // @fastify/helmet rebuilds its middleware on every request it handles, so the API (hundreds of requests a
  // second from pollers and scripts) gets the same protections from a header set computed once instead.
  await app.register(helmet, {
    global: false,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    // HSTS is set by the edge plugin, on every answer over HTTPS (pages and API alike).
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config.helmet === undefined) reply.headers(API_SECURITY_HEADERS);
    done();
  });
  await app.register(cookie);
  // Only where a route plugin asks for it (`app.rateLimit(...)`: the VergeOS routes, per principal).
  // Several servers count in the database, so that a principal's rate is one across them.
  await app.register(rateLimit, {
    global: false,
    store: opts.cluster ? pgWindowStore(opts.cluster.pool) : WindowStore,
  });

  // app
  await app.register(errors);
  await app.register(edge, {
    ...(edgeOpts.origins !== undefined ? { origins: edgeOpts.origins } : {}),
    ...(edgeOpts.maxConnections !== undefined ? { maxConnections: edgeOpts.maxConnections } : {}),
    ...(edgeOpts.maxConnectionsPerAddress !== undefined
      ? { maxConnectionsPerAddress: edgeOpts.maxConnectionsPerAddress }
      : {}),
    trustProxy: opts.auth?.trustProxy ?? false,
  });
  await app.register(stores, { stores: opts.stores });
  const serverName = opts.metrics?.serverName ?? opts.cluster?.serverName;
  await app.register(metrics, {
    token: opts.metrics?.token ?? null,
    ...(serverName !== undefined ? { serverName } : {}),
    clustered: opts.cluster !== undefined,
  });
  await app.register(vergeos, {
    upstream: opts.upstream,
    ...(opts.proxyLimits ? { limits: opts.proxyLimits } : {}),
  });
  await app.register(cluster, { cluster: opts.cluster });
  await app.register(fleetPoller, {
    poll: opts.config.poll,
    ...(opts.fleetBackoff !== undefined ? { backoff: opts.fleetBackoff } : {}),
  });
  await app.register(fleetStops, opts.fleetStops ?? {});
  await app.register(auth);
  await app.register(operations, opts.operations ?? {});
  await app.register(plans);
  await app.register(schedules, opts.schedules ?? {});
  await app.register(housekeeping);
  await app.register(alerts, opts.alerts ?? {});
  await app.register(sso, { sso: opts.sso ?? null });

  // routes
  await app.register(healthRoutes, { readyMaxAgeMs: opts.readyMaxAgeMs ?? 30_000 });
  await app.register(metaRoutes);
  await app.register(metricsRoutes, { token: opts.metrics?.token ?? null });
  await app.register(sessionRoutes, {
    ...opts.auth,
    idleTimeoutMs: opts.auth?.idleTimeoutMs ?? 30 * 60_000,
  });
  await app.register(fleetRoutes, { heartbeatMs: opts.heartbeatMs ?? 15_000 });
  await app.register(vergeosRoutes, opts.upstreamTimeouts ?? {});
  await app.register(operationRoutes, { heartbeatMs: opts.heartbeatMs ?? 15_000 });
  await app.register(scheduleRoutes);
  await app.register(planRoutes);
  await app.register(alertRoutes);
  await app.register(ssoRoutes, { idleTimeoutMs: opts.auth?.idleTimeoutMs ?? 30 * 60_000 });
  await app.register(userRoutes);
  await app.register(tokenRoutes);
  await app.register(displayLinkRoutes);
  await app.register(auditRoutes);
  if (opts.webRoot) await app.register(spaRoutes, { root: opts.webRoot });

  return app;
}
