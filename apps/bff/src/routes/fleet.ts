// The fleet snapshot, for every browser, from the poller's memory (never from VergeOS directly):
// - `GET /api/fleet`: the latest snapshot, serialised once per change; `ETag` / `If-None-Match` -> `304`.
// - `GET /api/fleet/events`: server-sent events; the current snapshot on connect, then each change
//   (`event: snapshot`, `id: <etag>`, `data: <snapshot JSON>`), a heartbeat comment in between.
import { FleetSnapshot } from '@powerdeck/contracts/fleet';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { matchesIfNoneMatch } from '../fleet/snapshot';
import { SseStream } from '../fleet/sse';

export interface FleetRoutesOptions {
  /** Milliseconds between heartbeat comments on the event stream (default 15 s). */
  heartbeatMs?: number;
  /** The reconnection delay the event stream asks browsers for (default 3 s). */
  retryMs?: number;
}

export default function fleetRoutes(
  app: FastifyInstance,
  opts: FleetRoutesOptions,
  done: (err?: Error) => void,
): void {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const retryMs = opts.retryMs ?? 3_000;
  if (!(heartbeatMs > 0)) {
    done(new TypeError('heartbeatMs must be a positive number of ms'));
    return;
  }

  app.get(
    '/api/fleet',
    {
      config: { permission: 'fleet:read' },
      schema: {
        // The response schema is the allow-list; the body served is pre-serialised by the poller from exactly
        // these fields (fleet/map.ts and fleet/snapshot.ts map them one by one).
        response: {
          200: FleetSnapshot,
          304: Type.Null({ description: 'Not modified: the snapshot named by If-None-Match is current' }),
        },
      },
    },
    (request, reply) => {
      const { etag, body } = app.fleet.current();
      void reply.header('etag', etag).header('cache-control', 'no-cache');
      if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
      // A string with a JSON content type is sent as it is: no per-request serialisation.
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  const streams = new Set<SseStream>();

  app.get(
    '/api/fleet/events',
    { config: { permission: 'fleet:read' }, exposeHeadRoute: false },
    (request, reply) => {
      // The stream is written by hand; headers set by earlier hooks (helmet, ...) are kept.
      reply.hijack();
      const res = reply.raw;
      const stream = new SseStream(res);
      const headers: Record<string, string | number | string[]> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) headers[name] = value;
      }
      Object.assign(headers, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and similar proxies: do not buffer the stream.
        'x-accel-buffering': 'no',
      });
      stream.open(headers, retryMs);
      streams.add(stream);

      const send = (state: { etag: string; body: string }) =>
        stream.send({ event: 'snapshot', id: state.etag, data: state.body });
      send(app.fleet.current());
      const unsubscribe = app.fleet.subscribe(send);
      const heartbeat = setInterval(() => stream.comment('heartbeat'), heartbeatMs);
      heartbeat.unref();
      stream.onClose(() => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(stream);
        request.log.debug('fleet event stream closed');
      });
    },
  );

  // Open streams would hold the server's close forever: end them first.
  app.addHook('preClose', (hookDone) => {
    for (const stream of [...streams]) stream.end();
    hookDone();
  });
  done();
}
