// The VergeOS-compatible routes: the VergeOS endpoints Powerdeck exposes (power actions, VMs, machine statuses, and the
// nodes and system row scripts read to connect), same bodies and codes as VergeOS, forwarded with the BFF's own
// credentials through @fastify/http-proxy. Nothing else reaches VergeOS: paths are fixed, keys are digits, query
// parameters are an allow-list (others are dropped), joins and the columns of nodes and system are allow-lists, action
// bodies are validated and rebuilt, the client's credentials and cookies are dropped. A malformed request is refused
// before VergeOS with VergeOS's own code and words (proxy/requests.ts).
// Over 400 lines on purpose: one http-proxy registration whose hooks share the request's plan, lane and audit rows;
// what stands alone (checks, allow-lists, limits) is in proxy/.
import httpProxy from '@fastify/http-proxy';
import type { FastifyReplyFromHooks } from '@fastify/reply-from';
import {
  actionPermissions,
  MAX_REASON_LENGTH,
  REASON_HEADER,
  reasonRequired,
} from '@powerdeck/contracts/roles';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { errors } from 'undici';
import { auditActor, outcomeOf } from '../audit-fields';
import { actorContext } from '../plugins/auth';
import { HttpError, sendError, VergeosRefusal } from '../plugins/errors';
import { checkFields, checkFilter, checkSort } from '../proxy/columns';
import { joinRefusal, refusedJoin, type JoinTable } from '../proxy/joins';
import { principalKey } from '../proxy/limits';
import {
  checkActionBody,
  gatewayQuery,
  rowKey,
  toQueryString,
  type ActionRequest,
  type GatewayQuery,
} from '../proxy/requests';
import type { AuditInput } from '../stores/types';

export interface VergeosRoutesOptions {
  /** How long to wait for VergeOS on reads (default 5 s) and on actions (default 15 s). */
  readTimeoutMs?: number;
  actionTimeoutMs?: number;
}

/** The read routes: their table, and whether they read one row (by key, or the system row). */
const READ_ROUTES: Readonly<Record<string, { table: JoinTable; row: 'list' | 'key' | 'single' }>> = {
  '/api/v4/vms': { table: 'vms', row: 'list' },
  '/api/v4/vms/:key': { table: 'vms', row: 'key' },
  '/api/v4/machine_status': { table: 'machine_status', row: 'list' },
  '/api/v4/machine_status/:key': { table: 'machine_status', row: 'key' },
  '/api/v4/nodes': { table: 'nodes', row: 'list' },
  '/api/v4/nodes/:key': { table: 'nodes', row: 'key' },
  '/api/v4/system': { table: 'system', row: 'single' },
};

/** The methods each VergeOS path takes (HEAD with GET, as Fastify serves it); any other is VergeOS's 405. */
const PATH_METHODS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(Object.keys(READ_ROUTES).map((url) => [url, ['GET', 'HEAD']])),
  '/api/v4/vm_actions': ['POST'],
};

/** A request URL without its query string. */
function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** What is forwarded: a fixed path, the allow-listed query, and for an action its rebuilt body. */
interface Plan {
  path: string;
  query: GatewayQuery;
  action?: ActionRequest;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the VergeOS routes' preHandler once the request is checked; what the handler forwards. */
    vergeosPlan: Plan | null;
  }
}

/** Refuses (422, before VergeOS) a join in `fields`, `filter` or `sort` that is not on the allow-list. */
function checkJoins(table: JoinTable, query: GatewayQuery): void {
  for (const parameter of ['fields', 'filter', 'sort'] as const) {
    const text = query[parameter];
    if (text === undefined) continue;
    const run = refusedJoin(table, text);
    if (run !== null) throw new HttpError(422, joinRefusal(table, parameter, run), 'join_not_allowed');
  }
}

/** A read's plan: its key checked, its query allow-listed, its joins (and for nodes and system, columns) checked. */
function planRead(request: FastifyRequest): Plan {
  const route = READ_ROUTES[request.routeOptions.url ?? '']!;
  const { table } = route;
  let path = `/api/v4/${table}`;
  if (route.row === 'key') path += `/${rowKey(table, (request.params as { key: string }).key)}`;
  const query = gatewayQuery(request.query);
  checkJoins(table, query);
  if (table === 'nodes' || table === 'system') {
    query.fields = checkFields(table, query.fields);
    if (query.filter !== undefined) checkFilter(table, query.filter);
    if (query.sort !== undefined) checkSort(table, query.sort);
  }
  return { path, query };
}

/** Response headers of VergeOS that may reach the browser. */
const PASSED_RESPONSE_HEADERS = ['content-type', 'content-length', 'location'];

function passResponseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of PASSED_RESPONSE_HEADERS) {
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** The innermost error code of a reply-from error (its `cause` chain). */
function rootCode(error: unknown): string | undefined {
  let e: unknown = error;
  let code: string | undefined;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
    e = (e as { cause?: unknown }).cause;
  }
  return code;
}

/** Answers up to this size (by their Content-Length) are buffered and sent whole; larger ones are streamed. */
const SMALL_BODY_BYTES = 64 * 1024;

/**
 * Reads a body into one Buffer (no copy when it arrives in one chunk). Past `limit` bytes it either fails
 * (a success answer longer than its Content-Length) or stops reading and keeps what came (an error answer,
 * whose message is all we need).
 */
function collect(stream: Readable, limit: number, overflow: 'fail' | 'truncate'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    stream.on('data', (chunk: Buffer) => {
      if (size + chunk.length > limit) {
        if (overflow === 'fail') {
          stream.destroy(new Error('VergeOS sent more than its Content-Length'));
        } else {
          stream.destroy();
          done();
        }
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', done);
  });
}

/** VergeOS says `err` (real systems) or `error` (the guide): answer both, whatever it sent. */
export function normaliseErrorBody(
  status: number,
  text: string,
): { err: string; error: string } & Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const obj =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const message =
    (typeof obj.err === 'string' && obj.err) ||
    (typeof obj.error === 'string' && obj.error) ||
    text.trim().slice(0, 500) ||
    `VergeOS answered ${status}`;
  return {
    ...obj,
    err: typeof obj.err === 'string' ? obj.err : message,
    error: typeof obj.error === 'string' ? obj.error : message,
  };
}

/** The reason a person gave (REASON_HEADER, URI-encoded), or null; 400 when it cannot be read or is too long. */
export function readReason(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  if (Array.isArray(value)) throw new HttpError(400, `Send ${REASON_HEADER} once`, 'invalid_reason');
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    throw new HttpError(400, `${REASON_HEADER} must be URI-encoded (encodeURIComponent)`, 'invalid_reason');
  }
  text = text.trim();
  if (text.length > MAX_REASON_LENGTH) {
    throw new HttpError(400, `A reason may have at most ${MAX_REASON_LENGTH} characters`, 'invalid_reason');
  }
  return text === '' ? null : text;
}

/**
 * Called once with the status the caller got, for an error its message, and whether VergeOS answered (false:
 * Powerdeck answered itself — a timeout, an unreachable or unreadable VergeOS).
 */
type OutcomeListener = (status: number, message: string | null, fromVergeos: boolean) => void;

/** A principal's place among its open requests: held by the answer and by an upstream exchange, if one started. */
class Lease {
  private holds = 1;
  constructor(private readonly release: () => void) {}
  /** One more holder; the function drops it (once). */
  hold(): () => void {
    this.holds += 1;
    let dropped = false;
    return () => {
      if (dropped) return;
      dropped = true;
      this.drop();
    };
  }
  /** The answer's hold (the response closed). */
  drop(): void {
    this.holds -= 1;
    if (this.holds === 0) this.release();
  }
}

export default async function vergeosRoutes(app: FastifyInstance, opts: VergeosRoutesOptions) {
  const readTimeoutMs = opts.readTimeoutMs ?? 5000;
  const actionTimeoutMs = opts.actionTimeoutMs ?? 15_000;
  const { vergeos } = app;
  const { proxy } = vergeos;

  // Per principal (auth's onRequest hook, which runs first, found it): first the rate, then the requests open at once.
  app.addHook(
    'onRequest',
    app.rateLimit({
      max: proxy.ratePerMinute,
      timeWindow: 60_000,
      keyGenerator: principalKey,
      errorResponseBuilder: (_req, context) =>
        new HttpError(
          429,
          `Too many requests to the VergeOS routes: at most ${proxy.ratePerMinute} a minute for each person or token; retry in ${context.after}`,
          'rate_limited',
        ),
    }),
  );
  const leases = new WeakMap<FastifyRequest, Lease>();
  app.addHook('onRequest', async (request, reply) => {
    const release = proxy.inFlight.tryAcquire(principalKey(request));
    if (!release) {
      void reply.header('retry-after', '1');
      throw new HttpError(
        429,
        `Too many requests open at once: at most ${proxy.inFlight.max} to the VergeOS routes for each person or token; wait for an answer`,
        'too_many_open',
      );
    }
    const lease = new Lease(release);
    leases.set(request, lease);
    // Every answer closes its response, whatever happened (sent, failed, timed out, the client hung up).
    reply.raw.once('close', () => lease.drop());
  });

  async function forward(
    request: FastifyRequest,
    reply: FastifyReply,
    proxyReplyOptions: FastifyReplyFromHooks,
    path: string,
    query: GatewayQuery,
    kind: 'read' | 'action',
    body?: unknown,
    onOutcome?: OutcomeListener,
  ) {
    const timeout = kind === 'read' ? readTimeoutMs : actionTimeoutMs;
    const lane = kind === 'read' ? proxy.read : proxy.action;
    const fail = (rep: Parameters<typeof sendError>[0], status: number, message: string, code: string) => {
      onOutcome?.(status, message, false);
      sendError(rep, status, message, code);
    };
    // The timeout counts from the request's arrival: waiting for a connection to VergeOS is part of it.
    const remaining = () => timeout - reply.elapsedTime;
    const gone = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) gone.abort();
    };
    reply.raw.once('close', onClose);
    // A request is sent only with a quarter of its time still ahead of it: sent later, VergeOS would barely have time
    // to answer, and an action would most likely end as "may still happen" instead of plainly "not sent".
    const slot = await lane.slots.acquire(remaining() - timeout / 4, gone.signal);
    if (!slot.ok) {
      reply.raw.off('close', onClose);
      if (slot.why === 'aborted') {
        // Nobody is waiting for it; an action is recorded as not sent.
        onOutcome?.(499, 'Not sent: the caller went away while it waited for a connection to VergeOS', false);
        return reply;
      }
      request.log.warn(
        { path, kind, waitedMs: Math.round(reply.elapsedTime) },
        'no connection to VergeOS in time',
      );
      fail(
        reply,
        504,
        kind === 'action'
          ? 'No connection to VergeOS was free in time; the action was not sent'
          : 'No connection to VergeOS was free in time',
        'upstream_timeout',
      );
      return reply;
    }

    // Given back once the upstream exchange has ended (answered in full, failed, or aborted), not before.
    const exchange = proxy.exchanges.expect(request.id);
    const dropLease = leases.get(request)?.hold();
    // Past the deadline with no answer yet (connecting, or waiting for headers): a 504, as for a late answer.
    const deadline = setTimeout(
      () => exchange.abortIfUnanswered(new errors.HeadersTimeoutError()),
      Math.max(1, remaining()),
    );
    // A read nobody waits for any more is abandoned; an action is left to finish, so that its outcome is recorded.
    const onGone = () => {
      // An AbortError: counted as `aborted` by the metrics (Powerdeck gave up; VergeOS did not fail).
      if (kind === 'read') exchange.abort(new DOMException('the client closed the connection', 'AbortError'));
    };
    gone.signal.addEventListener('abort', onGone, { once: true });
    // reply-from sends nothing when it fails before dispatching: the exchange then never starts.
    const onReplyClose = () => {
      if (!exchange.dispatched) exchange.cancel();
    };
    reply.raw.once('close', onReplyClose);
    void exchange.ended.then(() => {
      clearTimeout(deadline);
      gone.signal.removeEventListener('abort', onGone);
      reply.raw.off('close', onClose);
      reply.raw.off('close', onReplyClose);
      slot.release();
      dropLease?.();
    });
    const qs = toQueryString(query);
    try {
      return reply.from(path, {
        // http-proxy's (the response header allow-list, then its header sanitising). Named, not spread: an options
        // object built by spreading is slower to build and to read, on every request.
        rewriteHeaders: proxyReplyOptions.rewriteHeaders,
        method: kind === 'read' ? 'GET' : 'POST',
        timeout: Math.max(1, remaining()),
        ...(body !== undefined ? { body } : {}),
        queryString: () => qs,
        rewriteRequestHeaders: (_req, headers: IncomingHttpHeaders) => {
          // Built from nothing: the client's Authorization, cookies and tokens never reach VergeOS.
          const out: Record<string, string> = {
            accept: 'application/json',
            'user-agent': 'powerdeck-bff',
            'x-request-id': request.id,
            ...vergeos.authHeaders(),
          };
          if (typeof headers.host === 'string') out.host = headers.host;
          if (body !== undefined) {
            out['content-type'] = 'application/json';
            out['content-length'] = String(headers['content-length'] ?? '');
          }
          return out;
        },
        onResponse: (_req, rep, res) => {
          const status = rep.statusCode;
          if (kind === 'action' && status === 201) app.fleet.actionAccepted();
          // VergeOS answered: if the fleet poller is backing off from a failing VergeOS, it probes now.
          else if (status < 500) app.fleet.upstreamAnswered();
          if (status < 400) onOutcome?.(status, null, true);
          if (status < 400) {
            const length = Number(rep.getHeader('content-length'));
            if (!(length <= SMALL_BODY_BYTES)) {
              void rep.send(res.stream);
              return;
            }
            // A small body (a VM, a status, an action's answer) is collected and sent as one Buffer: piping it
            // costs a stream pipeline (end-of-stream watchers on both streams, listeners, closures) per request,
            // and under load those objects outlive a scavenge and get promoted (see docs/benchmarks.md).
            collect(res.stream as Readable, length, 'fail').then(
              (buf) => {
                rep.removeHeader('content-length');
                void rep.send(buf);
              },
              (err: unknown) => {
                request.log.warn({ code: rootCode(err), path, kind }, 'reading the VergeOS answer failed');
                fail(rep, 502, `The connection to VergeOS (${vergeos.label}) failed`, 'upstream_failed');
              },
            );
            return;
          }
          collect(res.stream as Readable, 64 * 1024, 'truncate').then(
            (buf) => {
              rep.removeHeader('content-length');
              const answer = normaliseErrorBody(status, buf.toString('utf8'));
              onOutcome?.(status, answer.err, true);
              void rep.type('application/json; charset=utf-8').send(answer);
            },
            (err: unknown) => {
              request.log.warn({ err }, 'reading VergeOS error body failed');
              fail(rep, 502, 'VergeOS answered an error that could not be read', 'upstream_unreadable');
            },
          );
        },
        onError: (rep, { error }) => {
          const code = rootCode(error);
          const host = vergeos.label;
          request.log.warn({ code, path, kind }, 'VergeOS request failed');
          if ((error as { statusCode?: number }).statusCode === 504 || code === 'UND_ERR_HEADERS_TIMEOUT') {
            const s = Math.round(timeout / 1000);
            fail(
              rep,
              504,
              kind === 'action'
                ? `VergeOS did not answer within ${s} s; the action may still happen`
                : `VergeOS did not answer within ${s} s`,
              'upstream_timeout',
            );
          } else if (code === 'ECONNREFUSED') {
            fail(rep, 502, `Cannot connect to VergeOS (${host}): connection refused`, 'upstream_unreachable');
          } else if (code !== undefined && TLS_ERROR_CODES.has(code)) {
            fail(
              rep,
              502,
              `VergeOS's TLS certificate could not be verified (${code}); pin its CA with VERGEOS_CA_FILE`,
              'upstream_tls',
            );
          } else {
            fail(
              rep,
              502,
              `The connection to VergeOS (${host}) failed${code ? ` (${code})` : ''}`,
              'upstream_failed',
            );
          }
        },
      });
    } catch (err) {
      exchange.cancel();
      throw err;
    }
  }

  // Reads and power actions forward through pools of their own (one @fastify/http-proxy, and so one reply-from, per
  // pool), so reads can never take the connections actions need. Never retried here: a 503 or a dropped socket goes
  // back to the caller after one upstream request. http-proxy declares the routes and checks the destination; the
  // preHandler checks and rebuilds the request (VergeOS's answer when it is malformed), the handler forwards it.
  // A body that is not JSON is VergeOS's 400, in its words; everything else goes to the app's error handler.
  app.setErrorHandler((error: FastifyError, _request, _reply) => {
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      throw new VergeosRefusal(400, 'Invalid JSON in the request body');
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      throw new VergeosRefusal(400, 'The request body must be a JSON object');
    }
    throw error;
  });
  // The plan travels on the request (a decoration: a WeakMap entry per request costs the garbage collector more).
  app.decorateRequest('vergeosPlan', null);
  const proxyOptions = {
    upstream: vergeos.baseUrl,
    prefix: '/api/v4',
    rewritePrefix: '/api/v4',
    retryMethods: [],
    disableRequestLogging: true,
    // Fastify parses the body (JSON only, 4 KB): an action is checked and rebuilt, never streamed through.
    proxyPayloads: false,
    replyOptions: { rewriteHeaders: passResponseHeaders },
    // http-proxy rebuilds the URL it checks from request.url, parsing and stringifying its query again on every
    // request; only the path is checked, and what is forwarded is the query the preHandler rebuilt (the plan). So it
    // is given the path alone, the same path it would have split off: the destination check is unchanged.
    preRewrite: pathOnly,
  };
  /** Runs a check that throws a refusal; Fastify answers the refusal (plugins/errors.ts). */
  const checked =
    (plan: (request: FastifyRequest) => Plan) =>
    (request: FastifyRequest, _reply: unknown, done: (err?: FastifyError) => void) => {
      let next: Plan;
      try {
        next = plan(request);
      } catch (err) {
        done(err as FastifyError);
        return;
      }
      request.vergeosPlan = next;
      done();
    };

  // A known path asked with a method it does not take: VergeOS's 405, in its words, with Allow, to anyone signed in
  // (401 first, as on the path's own methods); nothing reaches VergeOS. Unknown paths stay 404.
  for (const [url, methods] of Object.entries(PATH_METHODS)) {
    const allow = methods.join(', ');
    app.route({
      method: app.supportedMethods.filter((m) => !methods.includes(m)),
      url,
      config: { permission: 'signed-in' },
      handler: async (request, reply) => {
        void reply.header('allow', allow);
        const path = request.url.split('?', 1)[0] ?? url;
        throw new VergeosRefusal(405, `Method ${request.method} is not allowed on ${path}`);
      },
    });
  }

  await app.register(httpProxy, {
    ...proxyOptions,
    undici: proxy.read.dispatcher,
    routes: Object.keys(READ_ROUTES).map((url) => url.slice('/api/v4'.length)),
    httpMethods: ['GET'],
    config: { permission: 'fleet:read' },
    preHandler: checked(planRead),
    handler: (request, reply, _dest, options) => {
      const plan = request.vergeosPlan!;
      return forward(request, reply, options, plan.path, plan.query, 'read');
    },
  });

  await app.register(httpProxy, {
    ...proxyOptions,
    undici: proxy.action.dispatcher,
    routes: ['/vm_actions'],
    httpMethods: ['POST'],
    config: { permission: 'vm:action' },
    preHandler: checked((request) => ({
      path: '/api/v4/vm_actions',
      query: {},
      action: checkActionBody(request.body),
    })),
    handler: async (req, reply, _dest, options) => {
      const body = req.vergeosPlan!.action!;
      const vmKey = Number(body.vm);
      const ctx = actorContext(req, req.principal);
      const record: AuditInput = {
        kind: 'power',
        outcome: 'requested',
        ...auditActor(ctx),
        vmKey,
        vmName: app.fleet.current().snapshot.vms.find((v) => v.key === vmKey)?.name ?? null,
        action: body.action,
        ...(body.params !== undefined ? { params: body.params } : {}),
        reason: readReason(req.headers[REASON_HEADER]),
      };
      const permissions = actionPermissions(body.action, body.params);
      // 401/403: a refusal is audited as this power action, denied.
      const principal = await app.authorizePermissions(req, permissions, { ...record, outcome: 'denied' });
      if (record.reason === null && reasonRequired(principal.role, permissions)) {
        const message = `Give a reason to ${body.action === 'poweroff' ? 'shut down' : 'reboot'} a VM (${REASON_HEADER})`;
        await app.stores.audit.append({ ...record, outcome: 'denied', vergeosMessage: message });
        throw new HttpError(400, message, 'reason_required');
      }
      // On disk (synchronous=FULL) before anything reaches VergeOS.
      const requested = await app.stores.audit.append(record);
      const started = performance.now();
      const onOutcome: OutcomeListener = (status, message, fromVergeos) => {
        app.stores.audit
          .append({
            ...record,
            outcome: outcomeOf(status),
            refId: requested.id,
            vergeosStatus: fromVergeos ? status : null,
            vergeosMessage: message,
            latencyMs: Math.round(performance.now() - started),
          })
          .catch((err: unknown) =>
            req.log.error({ err, refId: requested.id }, 'writing an action outcome failed'),
          );
      };
      return forward(req, reply, options, '/api/v4/vm_actions', {}, 'action', body, onOutcome);
    },
  });
}
