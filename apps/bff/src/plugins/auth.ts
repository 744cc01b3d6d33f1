// Who is asking, and may they? Every route under /api declares what it needs in its config
// (`config: { permission: 'fleet:read' }`); a route that declares nothing fails at start-up, so no
// route can be added without a decision. On each request this plugin
//  1. finds the principal, from the credentials VergeOS's clients send (`credentialsOf`, credentials.ts): a personal access
//     token in `Authorization: Bearer pd_…` or `x-yottabyte-token: pd_…` (scripts; these decide alone, and
//     two different tokens are refused), else the session cookie (a person, or a wall display), else a
//     token in the cookie `token=pd_…` (a script, or a browser someone gave one);
//  2. checks CSRF for every state-changing request that rides a cookie, session or token, unless a token
//     cookie (or a password, on the login route) comes from a script (no Origin, no Sec-Fetch-Site): the
//     custom header CSRF_HEADER must be present (a cross-site form cannot set it, and a cross-site fetch
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
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { auditActor, type AuditActor, type Requester } from '../audit-fields';
import type { AuditInput, Principal } from '../stores/types';
import { TOKEN_PREFIX } from '../stores/secrets';
import { credentialsOf, firstCredential, type UsedCredential } from './credentials';
import { HttpError } from './errors';

/** What a route needs: nothing, any signed-in principal, a permission, or a power action's own permission. */
type RouteAccess = 'public' | 'signed-in' | 'vm:action' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RouteAccess;
    /**
     * A route that takes a user name and password from scripts (POST /api/sys/tokens): HTTP Basic is read there
     * (not refused as a malformed token), and the CSRF check applies to browser requests only.
     */
    passwordLogin?: boolean;
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
     * Looks the credential the request was let in with (its token or session cookie) up again, as a new request
     * would: null when it no longer holds (signed out, idled out, user disabled, display link or token
     * revoked, token expired). For requests that stay open (the fleet event stream).
     */
    recheckPrincipal(request: FastifyRequest): Promise<Principal | null>;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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

/** A browser marks its requests: `Origin` on state-changing ones, `Sec-Fetch-Site` on all (scripts send neither). */
function fromBrowser(request: FastifyRequest): boolean {
  return request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined;
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

  /** The credential each request was authenticated with, for recheckPrincipal (an event stream's). */
  const used = new WeakMap<FastifyRequest, UsedCredential>();

  app.decorate('recheckPrincipal', async (request: FastifyRequest) => {
    const credential = used.get(request) ?? firstCredential(credentialsOf(request));
    if (credential === null) return null;
    // A recheck is not the person's doing: it never keeps the session alive.
    if (credential.kind === 'session') return app.stores.sessions.lookup(credential.secret, { touch: false });
    return app.stores.tokens.lookup(credential.token);
  });

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    const access = config.permission;
    if (access === undefined) return;

    const presented = credentialsOf(request, { basicAllowed: config.passwordLogin === true });
    let staleCookieToken = false;
    if (presented.headerToken !== undefined) {
      // A script's header: it decides alone (a bad token is not rescued by a cookie).
      const principal = await app.stores.tokens.lookup(presented.headerToken);
      if (!principal) {
        throw new HttpError(401, 'The access token is unknown, expired or revoked', 'invalid_token');
      }
      request.principal = principal;
      used.set(request, { kind: 'token', token: presented.headerToken });
    } else {
      if (presented.session !== undefined) {
        // A request the browser made on its own (a background poll, PASSIVE_HEADER) does not count as use: a
        // dashboard left open idles out like any other page. State-changing requests always count.
        const passive = request.headers[PASSIVE_HEADER] === '1' && !UNSAFE_METHODS.has(request.method);
        request.principal = await app.stores.sessions.lookup(presented.session, { touch: !passive });
        if (request.principal) used.set(request, { kind: 'session', secret: presented.session });
      }
      // The browser's own live session first; a token cookie counts when there is none.
      if (!request.principal && presented.cookieToken !== undefined) {
        request.principal = await app.stores.tokens.lookup(presented.cookieToken);
        if (request.principal) used.set(request, { kind: 'token', token: presented.cookieToken });
        else staleCookieToken = true;
      }
      // Nobody signed in on a route that needs someone: 401 says what to do (a CSRF refusal would not).
      if (!request.principal && access !== 'public') {
        if (presented.foreign !== undefined && !staleCookieToken) {
          throw new HttpError(
            401,
            `${presented.foreign} does not carry a Powerdeck personal access token (${TOKEN_PREFIX}…): Powerdeck never takes VergeOS keys or tokens`,
            'invalid_token',
          );
        }
        if (staleCookieToken) {
          throw new HttpError(
            401,
            'The access token in the cookie token is unknown, expired or revoked',
            'invalid_token',
          );
        }
        throw new HttpError(401, 'Sign in to continue', 'unauthenticated');
      }
      // A cookie (the session's or a token's) travels from a browser by itself: a browser's state-changing
      // request must come from Powerdeck's own pages. A script (no Origin, no Sec-Fetch-Site) sending a token
      // cookie, or logging in with a password, is no browser riding someone's cookie.
      const scriptAllowed = config.passwordLogin === true || request.principal?.authKind === 'token';
      if (UNSAFE_METHODS.has(request.method) && (!scriptAllowed || fromBrowser(request))) checkCsrf(request);
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
