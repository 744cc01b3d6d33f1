// The fleet snapshot, for every browser, from the poller's memory (never from VergeOS directly):
// - `GET /api/fleet`: the latest snapshot, serialised once per change; `ETag` / `If-None-Match` -> `304`. Every
//   answer (200 and 304) says how old the data is (DATA_AGE_HEADER: ms since VergeOS last answered a poll), which
//   the body cannot carry without changing its ETag at every poll.
// - `GET /api/fleet/events`: server-sent events; the current snapshot on connect, then each change
//   (`event: snapshot`, `id: <etag>`, `data: <snapshot JSON>`), a heartbeat comment in between.
//   A stream stays open for hours, so its credential is looked up again at every heartbeat and at
//   least every 5 s: when the session or token no longer holds (signed out, idled out, user disabled,
//   display link or token revoked, token expired) the stream ends, and the browser's reconnection
//   gets 401. "Revocable at once" holds for open streams too.
// - `GET /api/fleet/stops`: VMs that stopped recently, and who stopped them (null: down unexpectedly), newest first,
//   from `app.fleetStops` (plugins/fleet-stops.ts), which the poller's snapshot changes keep up to date.
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { FleetSnapshot, FleetStops } from '@powerdeck/contracts/fleet';
import { DATA_AGE_HEADER } from '@powerdeck/contracts/fleet-terms';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { matchesIfNoneMatch } from '../fleet/snapshot';
import { openSseStream, type SseStream } from '../fleet/sse';
import { watchCredential } from '../plugins/auth';

interface FleetRoutesOptions {
  /** Milliseconds between heartbeat comments on the event stream (default 15 s). */
  heartbeatMs?: number;
  /** The reconnection delay the event stream asks browsers for (default 3 s). */
  retryMs?: number;
  /** How often an open stream's credential is checked again (default: every heartbeat, at least every 5 s). */
  recheckMs?: number;
}

/** The longest an open event stream goes without its credential being checked again. */
const MAX_RECHECK_MS = 5_000;

const gzip = promisify(gzipCb);

/** Bodies smaller than this are sent as they are. */
const GZIP_MIN_BYTES = 1024;

/** The gzip variant's ETag: a different representation of the same snapshot gets its own tag. */
const gzipEtag = (etag: string) => `${etag.slice(0, -1)}-gz"`;

/** Whether an Accept-Encoding header takes gzip (`gzip`, `gzip;q=0.8`; not `gzip;q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (coding !== 'gzip') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export default function fleetRoutes(
  app: FastifyInstance,
  opts: FleetRoutesOptions,
  done: (err?: Error) => void,
): void {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const retryMs = opts.retryMs ?? 3_000;
  const recheckMs = opts.recheckMs ?? Math.min(heartbeatMs, MAX_RECHECK_MS);
  if (!(heartbeatMs > 0)) {
    done(new TypeError('heartbeatMs must be a positive number of ms'));
    return;
  }
  if (!(recheckMs > 0)) {
    done(new TypeError('recheckMs must be a positive number of ms'));
    return;
  }

  // The body compressed once per snapshot change (not per request), shared by concurrent requests.
  let compressed: { etag: string; body: Promise<Buffer> } | undefined;
  const gzipped = (etag: string, body: string) => {
    if (compressed?.etag !== etag) compressed = { etag, body: gzip(body, { level: 6 }) };
    return compressed.body;
  };

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
    async (request, reply) => {
      const { etag, body } = app.fleet.current();
      const useGzip = body.length >= GZIP_MIN_BYTES && acceptsGzip(request.headers['accept-encoding']);
      const tag = useGzip ? gzipEtag(etag) : etag;
      void reply.header('etag', tag).header('cache-control', 'no-cache').header('vary', 'accept-encoding');
      const age = app.fleet.dataAgeMs();
      if (age !== null) void reply.header(DATA_AGE_HEADER, String(age));
      const ifNoneMatch = request.headers['if-none-match'];
      if (matchesIfNoneMatch(ifNoneMatch, etag) || matchesIfNoneMatch(ifNoneMatch, gzipEtag(etag))) {
        return reply.code(304).send();
      }
      void reply.type('application/json; charset=utf-8');
      if (useGzip) {
        return reply.header('content-encoding', 'gzip').send(await gzipped(etag, body));
      }
      // A string with a JSON content type is sent as it is: no per-request serialisation.
      return reply.send(body);
    },
  );

  app.get(
    '/api/fleet/stops',
    {
      config: { permission: 'fleet:read' },
      schema: { response: { 200: FleetStops } },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-cache');
      return { stops: app.fleetStops.list() };
    },
  );

  const streams = new Set<SseStream>();

  app.get(
    '/api/fleet/events',
    { config: { permission: 'fleet:read' }, exposeHeadRoute: false },
    (request, reply) => {
      const stream = openSseStream(reply, retryMs);
      streams.add(stream);

      const send = (state: { etag: string; body: string }) =>
        stream.send({ event: 'snapshot', id: state.etag, data: state.body });
      send(app.fleet.current());
      const unsubscribe = app.fleet.subscribe(send);
      const heartbeat = setInterval(() => stream.comment('heartbeat'), heartbeatMs);
      heartbeat.unref();
      const recheck = watchCredential(app, request, stream, recheckMs, 'fleet event stream');
      stream.onClose(() => {
        clearInterval(heartbeat);
        if (recheck) clearInterval(recheck);
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
