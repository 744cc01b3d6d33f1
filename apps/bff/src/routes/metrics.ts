// GET /metrics: the Prometheus text format (prom-client's registry of this app, plugins/metrics.ts), for a scraper
// that presents the configured token (`Authorization: Bearer <token>`; POWERDECK_METRICS_TOKEN or _FILE). With no
// token configured the route answers 404, as any path Powerdeck does not serve.
// Outside the sign-in machinery on purpose: no session is looked up or kept alive, nothing is audited (a scrape
// every 15 s would flood the audit log) and no per-person rate limit applies; a refused scrape is logged (without
// what was presented).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../plugins/errors';

export interface MetricsRoutesOptions {
  /** The scrape token; null: off. */
  token: string | null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return m?.[1] ?? null;
}

export default function metricsRoutes(
  app: FastifyInstance,
  opts: MetricsRoutesOptions,
  done: (err?: Error) => void,
) {
  const { token } = opts;
  if (token === null) {
    // The same answer as a path that does not exist (the page's routes would otherwise answer it with the app).
    app.get('/metrics', (request, reply) =>
      sendError(reply, 404, `Not found: ${request.method} /metrics`, 'not_found'),
    );
    done();
    return;
  }
  // Compared as digests: the same length whatever was sent, so the comparison takes the same time.
  const expected = digest(token);
  app.get(
    '/metrics',
    // Requests are logged at warn and above only: a scrape every 15 s is not news.
    { logLevel: 'warn' },
    async (request, reply) => {
      const presented = bearerToken(request.headers.authorization);
      if (presented === null || !timingSafeEqual(digest(presented), expected)) {
        request.log.warn(
          { remoteAddress: request.ip, presented: presented === null ? 'no bearer token' : 'a wrong token' },
          'refused a metrics scrape: it must carry Authorization: Bearer with the token of POWERDECK_METRICS_TOKEN',
        );
        void reply.header('www-authenticate', 'Bearer realm="powerdeck-metrics"');
        return sendError(
          reply,
          401,
          'Send the metrics token: Authorization: Bearer <token>',
          'unauthenticated',
        );
      }
      const text = await app.metrics.scrape();
      return reply.type(app.metrics.contentType).header('cache-control', 'no-store').send(text);
    },
  );
  done();
}
