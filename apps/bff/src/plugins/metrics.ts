// Prometheus metrics as an app plugin: decorates `app.metrics` (metrics/registry.ts) with this app's own registry and
// the handles the rest of the BFF reports through. Registered before the plugins that report (vergeos composes its
// interceptor into every connection to VergeOS; the fleet poller and the operation engine report to it). What it can
// see for itself it counts here: audit rows (power actions, sign-ins), open event streams, and the requests answered.
// GET /metrics (routes/metrics.ts) serves it, only when a scrape token is configured.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServerResponse } from 'node:http';
import { createMetrics, type Metrics, type SseStreamName } from '../metrics/registry';
import { VERSION } from '../version';

export interface MetricsPluginOptions {
  /** The bearer token a scraper must present (POWERDECK_METRICS_TOKEN or _FILE); null: GET /metrics is off. */
  token: string | null;
  /** This server's name in powerdeck_info (several servers: POWERDECK_SERVER_NAME; default: the host name). */
  serverName?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

/** The event-stream routes, by the stream name their clients are counted under. */
const SSE_ROUTES: Readonly<Record<string, SseStreamName>> = {
  '/api/fleet/events': 'fleet',
  '/api/operations/events': 'operations',
};

function metricsPlugin(
  app: FastifyInstance,
  opts: MetricsPluginOptions & { clustered: boolean },
  done: (err?: Error) => void,
) {
  // Responses of the event-stream routes not yet closed; a stream counts once it is open (its 200 sent) until its
  // client goes away or the server ends it. The routes stay as they are: their responses are watched from here.
  const streams: Record<SseStreamName, Set<ServerResponse>> = { fleet: new Set(), operations: new Set() };
  const sseClients = (stream: SseStreamName) => {
    let n = 0;
    for (const res of streams[stream])
      if (res.headersSent && res.statusCode === 200 && !res.writableEnded) n++;
    return n;
  };

  const metrics = createMetrics({
    version: VERSION,
    server: opts.serverName ?? hostname(),
    // Read at each scrape: app.fleet and app.cluster are decorated by plugins registered after this one.
    fleetDataAgeMs: () => app.fleet.dataAgeMs(),
    sseClients,
    ...(opts.clustered ? { isLeader: () => app.cluster?.isLeader() ?? false } : {}),
    // The process's own metrics only when someone can read them (they watch GC and the event loop all the time).
    processMetrics: opts.token !== null,
  });
  app.decorate('metrics', metrics);

  app.onAuditAppended((row) => metrics.audited(row));

  app.addHook('onRequest', (request, reply, hookDone) => {
    const stream = SSE_ROUTES[request.routeOptions.url ?? ''];
    if (stream !== undefined && request.method === 'GET') {
      const res = reply.raw;
      const open = streams[stream];
      open.add(res);
      res.once('close', () => open.delete(res));
    }
    hookDone();
  });
  app.addHook('onResponse', (request, reply, hookDone) => {
    metrics.served(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode);
    hookDone();
  });
  done();
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['stores'] });
