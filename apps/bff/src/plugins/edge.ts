// The edge of the server: what a connection and a request must be before anything else looks at them.
//  - Connections: at most `maxConnections` open at once in all and `maxConnectionsPerAddress` from one address
//    (a trusted proxy's connections are not counted per address: it carries everyone's). Beyond that a new
//    connection is closed at once, so one address holding sockets open cannot use up the process's files.
//    The request and header timeouts that free slow senders are set where the server is made (app.ts).
//  - Host: when Powerdeck knows where people open it (POWERDECK_PUBLIC_URL, or only loopback in the demo), a
//    request for another host is refused (421) before routing: a DNS-rebinding page on another name cannot
//    talk to it. Health checks (/healthz, /readyz) are exempt: load balancers probe by address; so is /metrics,
//    which Prometheus scrapes on each server by its address (it answers only the scrape token, which such a page
//    cannot know).
//  - Origin: `originAllowed` is what the CSRF check (plugins/auth.ts) asks of a browser's Origin header: one
//    of the known origins exactly (scheme, host and port), else the request's own scheme and host.
//  - HSTS: every answer over HTTPS (or when the public URL is https) says to keep using HTTPS for a year.
import { BlockList, isIP, type Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TrustProxy } from '../config';
import { HttpError } from './errors';

export interface EdgeOptions {
  /**
   * The origins (`scheme://host[:port]`) people open Powerdeck at. `'loopback'`: the listening port on
   * 127.0.0.1, localhost and [::1], over http (the demo default). Unset: any host, and a browser's Origin
   * must match the request's own scheme and host.
   */
  origins?: readonly string[] | 'loopback';
  /** The proxies whose X-Forwarded-* are believed (their connections are not counted per address). */
  trustProxy?: TrustProxy;
  /** Client connections open at once, in all (default 2000) and from one address (default 200). */
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
}

export const EDGE_DEFAULTS = {
  maxConnections: 2000,
  maxConnectionsPerAddress: 200,
  /** All of a request's headers must arrive within this (Node's headersTimeout). */
  headersTimeoutMs: 10_000,
  /** The whole request, body included, must arrive within this (Node's requestTimeout). */
  requestTimeoutMs: 30_000,
  /** How often Node looks for requests past those limits. */
  timeoutCheckIntervalMs: 2_000,
  /** HSTS max-age: one year. */
  hstsMaxAgeS: 365 * 24 * 3600,
} as const;

/** Paths asked for by address rather than by the public name (probes, scrapes). */
const HEALTH_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

declare module 'fastify' {
  interface FastifyInstance {
    edge: {
      /** May a browser request with this Origin header change something? */
      originAllowed(request: FastifyRequest, origin: string): boolean;
    };
  }
}

/** `scheme://host[:port]` with default ports dropped and the host lowercased; null when it is not one. */
function normaliseOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

function trustedProxies(trustProxy: TrustProxy | undefined): (address: string) => boolean {
  if (trustProxy === undefined || trustProxy === false) return () => false;
  // A hop count: whatever connects is the nearest proxy.
  if (typeof trustProxy === 'number') return () => true;
  const list = new BlockList();
  for (const entry of trustProxy) {
    const [ip = '', bits] = entry.split('/');
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(bits), type);
  }
  return (address) => {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const type = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    return isIP(plain) !== 0 && list.check(plain, type);
  };
}

function edgePlugin(app: FastifyInstance, opts: EdgeOptions, done: (err?: Error) => void) {
  const max = opts.maxConnections ?? EDGE_DEFAULTS.maxConnections;
  const perAddress = opts.maxConnectionsPerAddress ?? EDGE_DEFAULTS.maxConnectionsPerAddress;
  const isProxy = trustedProxies(opts.trustProxy);

  // Connections: Node closes those past maxConnections itself; per address is counted here.
  app.server.maxConnections = max;
  const open = new Map<string, number>();
  const onConnection = (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (isProxy(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  };
  app.server.on('connection', onConnection);

  // Hosts and origins.
  let allowed: string[] | null = null;
  const loopback = opts.origins === 'loopback';
  if (Array.isArray(opts.origins)) {
    allowed = [];
    for (const o of opts.origins as readonly string[]) {
      const n = normaliseOrigin(o);
      if (n === null) return done(new Error(`edge: ${o} is not an http(s) origin`));
      allowed.push(n);
    }
  }
  /** The allowed origins and their hosts; for 'loopback', known once the server listens (its port). */
  let known: { origins: string[]; hosts: Set<string> } | null =
    allowed === null ? null : { origins: allowed, hosts: new Set(allowed.map((o) => new URL(o).host)) };
  const current = (): { origins: string[]; hosts: Set<string> } | null => {
    if (!loopback || known !== null) return known;
    const address = app.server.address();
    // Not listening (requests injected in-process, never from the network): nothing to compare with yet.
    if (address === null || typeof address === 'string') return null;
    const list = ['127.0.0.1', 'localhost', '[::1]'].map((h) => `http://${h}:${address.port}`);
    known = { origins: list, hosts: new Set(list.map((o) => new URL(o).host)) };
    return known;
  };
  const alwaysHttps = allowed !== null && allowed.length > 0 && allowed.every((o) => o.startsWith('https:'));

  app.decorate('edge', {
    originAllowed(request: FastifyRequest, origin: string) {
      const given = normaliseOrigin(origin);
      if (given === null) return false;
      const list = current();
      if (list !== null) return list.origins.includes(given);
      return given === normaliseOrigin(`${request.protocol}://${request.host}`);
    },
  });

  app.addHook('onRequest', (request, reply, next) => {
    if (alwaysHttps || request.protocol === 'https') {
      reply.header('strict-transport-security', `max-age=${EDGE_DEFAULTS.hstsMaxAgeS}`);
    }
    const list = current();
    if (list === null || HEALTH_PATHS.has(request.url.split('?')[0] ?? '')) return next();
    const host = request.host.toLowerCase();
    if (!list.hosts.has(host)) {
      const where = list.origins[0] ?? 'its own address';
      return next(
        new HttpError(
          421,
          `This Powerdeck is served at ${where}, not ${host || 'an empty host'}` +
            (loopback ? '' : ' (POWERDECK_PUBLIC_URL)'),
          'wrong_host',
        ),
      );
    }
    next();
  });

  app.addHook('onClose', (_instance, next) => {
    app.server.off('connection', onConnection);
    next();
  });
  done();
}

export default fp(edgePlugin, { name: 'edge', fastify: '5.x', dependencies: ['errors'] });
