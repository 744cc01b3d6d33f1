// Builds the Fastify app: body parsing, the order of hooks (count the request, apply the scenario,
// authenticate), VergeOS-style errors, then the VergeOS routes and the control API.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { presentedCredentials } from './auth';
import type { SimContext } from './context';
import { VergeError, forbidden, unauthorized } from './errors';
import { QueryError } from './query';
import { accessOf, apiRoutes, knownPaths } from './routes/api';
import { controlRoutes } from './routes/control';
import type { RequestLogEntry } from './stats';

/** Largest request body accepted; more is a 413. */
const BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  https?: { key: string; cert: string };
  logger?: boolean;
}

const isControl = (url: string) => url === '/__sim' || url.startsWith('/__sim/') || url.startsWith('/__sim?');

function firstHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function buildApp(ctx: SimContext, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // close() destroys every open connection, hung or keep-alive, so it finishes promptly.
    forceCloseConnections: true,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  // The cast above: with `https` Fastify's overloads type the instance as an HTTPS server; the app code
  // only uses the server-agnostic surface.

  // VergeOS reads JSON whatever the Content-Type says (curl -d sends form encoding); an empty body is none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new VergeError(400, 'Invalid JSON in the request body'), undefined);
    }
  });

  const entries = new WeakMap<FastifyRequest, RequestLogEntry>();

  app.addHook('onRequest', async (request, reply) => {
    if (isControl(request.url)) return;
    const route = request.routeOptions.url ?? '(unmatched)';
    const presented = presentedCredentials(request.headers);
    const principal = ctx.auth.authenticate(presented);
    const headers: RequestLogEntry['headers'] = {};
    const authorization = firstHeader(request, 'authorization');
    const cookie = firstHeader(request, 'cookie');
    const token = firstHeader(request, 'x-yottabyte-token');
    if (authorization !== undefined) headers.authorization = authorization;
    if (cookie !== undefined) headers.cookie = cookie;
    if (token !== undefined) headers['x-yottabyte-token'] = token;
    const entry = ctx.stats.record({
      time: new Date(ctx.cluster.now()).toISOString(),
      method: request.method,
      url: request.url,
      route,
      auth: { scheme: presented.scheme, credential: presented.credential, user: principal?.user ?? null },
      headers,
      requestId: firstHeader(request, 'x-request-id') ?? null,
      scenario: ctx.scenarios.current,
    });
    entries.set(request, entry);

    const pretty = firstHeader(request, 'x-json-non-compact');
    if (pretty !== undefined && pretty !== '0')
      reply.serializer((payload) => JSON.stringify(payload, null, 4));

    const gate = ctx.scenarios.gate();
    switch (gate.kind) {
      case 'hang': {
        // Never answer. The socket is destroyed when the simulator closes (or the client gives up).
        reply.hijack();
        const socket = request.raw.socket;
        ctx.hung.add(socket);
        socket.once('close', () => ctx.hung.delete(socket));
        return;
      }
      case 'unavailable':
        throw new VergeError(503, 'Service Unavailable: the system is not ready');
      case 'fail':
        throw new VergeError(500, 'Internal server error (simulated)');
      case 'delay':
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            ctx.timers.delete(timer);
            resolve();
          }, gate.ms);
          ctx.timers.add(timer);
        });
        break;
      case 'pass':
        break;
    }

    const access = accessOf(request.method, request.routeOptions.url);
    if (access === 'public') return;
    if (!principal)
      throw unauthorized(presented.scheme === 'none' ? 'Authentication required' : 'Invalid credentials');
    if (access === 'write' && principal.role !== 'admin') throw forbidden();
  });

  // The body is parsed by now: a power action's log entry says which VM and what (stats.ts).
  app.addHook('preHandler', (request, _reply, done) => {
    const entry = entries.get(request);
    if (entry) ctx.stats.noteActionBody(entry, request.body);
    done();
  });

  app.addHook('onResponse', async (request, reply) => {
    const entry = entries.get(request);
    if (entry) entry.status = reply.statusCode;
  });

  app.setErrorHandler((error: FastifyError | VergeError | QueryError, request, reply) => {
    if (error instanceof VergeError) return reply.code(error.statusCode).send(error.body);
    if (error instanceof QueryError) return reply.code(422).send({ err: 'Invalid argument' });
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.code(413).send({ err: `Request body is too large (limit ${BODY_LIMIT} bytes)` });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ err: error.message });
    request.log.error(error);
    return reply.code(500).send({ err: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const methods = isControl(path) ? [] : knownPaths(path);
    if (methods.length > 0) {
      // Allow names what the path takes (HEAD wherever GET: Fastify serves it).
      const allow = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
      return reply
        .code(405)
        .header('allow', allow)
        .send({ err: `Method ${request.method} is not allowed on ${path}` });
    }
    return reply.code(404).send({ err: `Not found: ${path}` });
  });

  void app.register(apiRoutes, { ctx });
  void app.register(controlRoutes, { ctx, prefix: '/__sim' });
  return app;
}
