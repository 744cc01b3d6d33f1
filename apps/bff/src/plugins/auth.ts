// Who is asking, and may they? Every route under /api declares what it needs in its config
// (`config: { permission: 'fleet:read' }`); a route that declares nothing fails at start-up, so no
// route can be added without a decision. On each request this plugin
//  1. finds the principal: a personal access token (`Authorization: Bearer pd_…`, for scripts) or
//     the session cookie (a person, or a wall display);
//  2. checks CSRF for every state-changing request that is not token-authenticated: the custom
//     header CSRF_HEADER must be present (a cross-site form cannot set it, and a cross-site fetch
//     that sets it needs a CORS preflight the BFF never grants) and `Sec-Fetch-Site`/`Origin`, when
//     the browser sends them, must say same origin;
//  3. answers 401 when nobody is signed in, and 403 (audited) when the principal's role lacks the
//     permission. `vm:action` routes check the action's own permission once the body is validated
//     (see `authorizePermissions`).
import { principalHolds } from '@powerdeck/contracts/power-rules';
import {
  CSRF_HEADER,
  PASSIVE_HEADER,
  lowestRoleWith,
  PERMISSION_WORDS,
  SESSION_ONLY_PERMISSIONS,
  type Permission,
} from '@powerdeck/contracts/roles';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { auditActor, type AuditActor, type Requester } from '../audit-fields';
import type { AuditInput, Principal } from '../stores/types';
import { HttpError } from './errors';

/** What a route needs: nothing, any signed-in principal, a permission, or a power action's own permission. */
export type RouteAccess = 'public' | 'signed-in' | 'vm:action' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who is asking (null: nobody signed in, on a public route). */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Throws 401 when nobody is signed in, 403 (and audits it) when the principal lacks a permission. */
    authorizePermissions(
      request: FastifyRequest,
      permissions: readonly Permission[],
      audit?: Partial<AuditInput>,
    ): Promise<Principal>;
    /**
     * Looks the request's credential (its Bearer token or session cookie) up again, as a new request
     * would: null when it no longer holds (signed out, idled out, user disabled, display link or token
     * revoked, token expired). For requests that stay open (the fleet event stream).
     */
    recheckPrincipal(request: FastifyRequest): Promise<Principal | null>;
  }
}

export const SESSION_COOKIE = 'pd_session';
/** Over HTTPS: the `__Host-` prefix binds the cookie to this exact origin (Secure, Path=/, no Domain). */
export const SECURE_SESSION_COOKIE = '__Host-pd_session';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function sessionCookieName(request: FastifyRequest): string {
  return isHttps(request) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure and `__Host-` over HTTPS. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
  maxAgeSeconds?: number,
): void {
  reply.setCookie(sessionCookieName(request), secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: isHttps(request),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName(request), {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: isHttps(request),
  });
}

/** Who made a change, as the audit log names them (a principal's: a Requester, with its role and sign-in). */
export function actorContext(request: FastifyRequest, principal: Principal): Requester;
export function actorContext(request: FastifyRequest, principal: Principal | null): AuditActor;
export function actorContext(request: FastifyRequest, principal: Principal | null): AuditActor {
  return {
    actor: principal?.actor ?? 'anonymous',
    role: principal?.role ?? null,
    authKind: principal?.authKind ?? 'session',
    source: request.ip,
    userAgent: userAgentOf(request),
    requestId: request.id,
  };
}

export function userAgentOf(request: FastifyRequest): string | null {
  const ua = request.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 300) : null;
}

/** The permissions a principal holds: the rule is the contracts' (`principalHolds`, power-rules.ts). */
export function principalMay(principal: Principal, permission: Permission): boolean {
  return principalHolds(principal, permission);
}

/**
 * Ends a long-lived answer (an event stream) once the credential it was opened with no longer holds: every
 * `everyMs` the session or token is looked up again (never touching the session) and must still read the fleet;
 * a failed lookup ends it too, rather than keep serving on an unchecked credential. Null (nothing to watch) when
 * the request has no principal or the app has no auth plugin (routes built alone in tests).
 */
export function watchCredential(
  app: FastifyInstance,
  request: FastifyRequest,
  stream: { readonly closed: boolean; end(): void },
  everyMs: number,
  what: string,
): NodeJS.Timeout | null {
  if (!request.principal || !app.hasDecorator('recheckPrincipal')) return null;
  let checking = false;
  const timer = setInterval(() => {
    if (checking || stream.closed) return;
    checking = true;
    app
      .recheckPrincipal(request)
      .then(
        (principal) => {
          if (principal && principalMay(principal, 'fleet:read')) return;
          request.log.info(
            { actor: request.principal?.actor, authKind: request.principal?.authKind },
            `${what} ended: its credential no longer holds`,
          );
          stream.end();
        },
        (err: unknown) => {
          request.log.error({ err }, `checking the credential of a ${what} failed`);
          stream.end();
        },
      )
      .finally(() => {
        checking = false;
      });
  }, everyMs);
  timer.unref();
  return timer;
}

function forbiddenMessage(principal: Principal, permission: Permission): string {
  const words = PERMISSION_WORDS[permission];
  if (principal.authKind === 'display') return `A wall display may only see the fleet, not ${words}`;
  if (principal.authKind === 'token' && SESSION_ONLY_PERMISSIONS.has(permission)) {
    return `A personal access token may not ${words}: sign in to do that`;
  }
  const needs = lowestRoleWith(permission);
  const who = needs === 'admin' ? 'admin' : `${needs} or admin`;
  return `Your role (${principal.role}) may not ${words}: that needs ${who}`;
}

function checkCsrf(request: FastifyRequest): void {
  if (request.headers[CSRF_HEADER] === undefined) {
    throw new HttpError(
      403,
      `Refused: a browser request that changes something must carry ${CSRF_HEADER}`,
      'csrf',
    );
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, `Refused: a cross-site request (Sec-Fetch-Site: ${String(site)})`, 'csrf');
  }
  const origin = request.headers.origin;
  // Scheme, host and port, exactly: https://powerdeck... is not the origin of a request to http://powerdeck...
  if (origin !== undefined && !request.server.edge.originAllowed(request, origin)) {
    throw new HttpError(403, 'Refused: the request comes from another origin', 'csrf');
  }
}

function authPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const needsDecision = route.url.startsWith('/api') || route.url.startsWith('/readyz');
    if (needsDecision && route.config?.permission === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission`);
    }
  });

  async function auditDenied(
    request: FastifyRequest,
    principal: Principal,
    permission: Permission,
    message: string,
    extra: Partial<AuditInput>,
  ) {
    await app.stores.audit.append({
      kind: 'access',
      outcome: 'denied',
      ...auditActor(actorContext(request, principal)),
      action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      target: permission,
      ...extra,
      // The refusal's words go where an answer's words go (VergeOS's message, or Powerdeck's when it refused);
      // `reason` stays what the person gave.
      vergeosMessage: message,
      // A refused power action keeps the person's reason in `reason` (from `extra`); the refusal's own
      // words go with the outcome, as for a missing reason (see routes/vergeos.ts).
      ...(extra.kind === 'power' ? { vergeosMessage: message } : {}),
    });
  }

  app.decorate(
    'authorizePermissions',
    async (request: FastifyRequest, permissions: readonly Permission[], audit: Partial<AuditInput> = {}) => {
      const principal = request.principal;
      if (!principal) throw new HttpError(401, 'Sign in to continue', 'unauthenticated');
      for (const permission of permissions) {
        if (!principalMay(principal, permission)) {
          const message = forbiddenMessage(principal, permission);
          await auditDenied(request, principal, permission, message, audit);
          throw new HttpError(403, message, 'forbidden');
        }
      }
      return principal;
    },
  );

  /** The Bearer token a request presents: undefined without an Authorization header; 401 when malformed. */
  function bearerToken(request: FastifyRequest): string | undefined {
    const authorization = request.headers.authorization;
    if (authorization === undefined) return undefined;
    // A script: only personal access tokens (never the VergeOS key, never a password).
    const m = /^Bearer +(\S+)$/i.exec(authorization);
    if (!m?.[1]) {
      throw new HttpError(
        401,
        'Send a personal access token as Authorization: Bearer <token>',
        'invalid_token',
      );
    }
    return m[1];
  }

  app.decorate('recheckPrincipal', async (request: FastifyRequest) => {
    const token = request.headers.authorization !== undefined ? bearerToken(request) : undefined;
    if (token !== undefined) return app.stores.tokens.lookup(token);
    const secret = request.cookies[sessionCookieName(request)];
    // A recheck is not the person's doing: it never keeps the session alive.
    return secret ? app.stores.sessions.lookup(secret, { touch: false }) : null;
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.permission;
    if (access === undefined) return;

    const token = bearerToken(request);
    if (token !== undefined) {
      const principal = await app.stores.tokens.lookup(token);
      if (!principal) {
        throw new HttpError(401, 'The access token is unknown, expired or revoked', 'invalid_token');
      }
      request.principal = principal;
    } else {
      const secret = request.cookies[sessionCookieName(request)];
      // A request the browser made on its own (a background poll, PASSIVE_HEADER) does not count as use: a
      // dashboard left open idles out like any other page. State-changing requests always count.
      const passive = request.headers[PASSIVE_HEADER] === '1' && !UNSAFE_METHODS.has(request.method);
      if (secret) request.principal = await app.stores.sessions.lookup(secret, { touch: !passive });
      // Nobody signed in on a route that needs someone: 401 says what to do (a CSRF refusal would not).
      if (!request.principal && access !== 'public') {
        throw new HttpError(401, 'Sign in to continue', 'unauthenticated');
      }
      if (UNSAFE_METHODS.has(request.method)) checkCsrf(request);
    }

    if (access === 'public') return;
    if (!request.principal) throw new HttpError(401, 'Sign in to continue', 'unauthenticated');
    if (access === 'signed-in' || access === 'vm:action') return;
    await app.authorizePermissions(request, [access]);
  });
  done();
}

export default fp(authPlugin, {
  name: 'auth',
  fastify: '5.x',
  dependencies: ['@fastify/cookie', 'stores', 'errors', 'edge'],
});
