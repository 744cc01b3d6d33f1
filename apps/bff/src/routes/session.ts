// Signing in and out: a person with a password, or a wall display with its link's secret.
// Every sign-in gets a fresh session id (whatever session the browser presented is ended first:
// no fixation); every attempt is counted before its password is checked, failures get one generic
// answer, cost a growing delay, and lock the name or the address for a while (SignInThrottle); every
// sign-in and failure is audited.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DisplaySignInBody, SessionInfo, SignInBody } from '@powerdeck/contracts/auth';
import { permissionsOf } from '@powerdeck/contracts/power-rules';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearSessionCookie, sessionCookieName, setSessionCookie, userAgentOf } from '../plugins/auth';
import { HttpError } from '../plugins/errors';
import type { AuditInput, Principal, ReserveDecision } from '../stores/types';

export interface SessionRoutesOptions {
  /** A signed-in session ends after this long without a request. */
  idleTimeoutMs: number;
  /** The delay of the first failed sign-in; each further failure in the window doubles it (default 250 ms). */
  failureDelayMs?: number;
  /** The longest delay (default 4 s). */
  maxFailureDelayMs?: number;
}

/** Browsers keep a cookie at most 400 days; a display renews it at every sign-in with its link. */
const DISPLAY_COOKIE_MAX_AGE_S = 400 * 24 * 3600;

export function failureDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

export function sessionInfoOf(principal: Principal, idleTimeoutMs: number): SessionInfo {
  return {
    authKind: principal.authKind,
    role: principal.role,
    username: principal.user?.username ?? null,
    display: principal.display?.name ?? null,
    permissions: permissionsOf(principal),
    idleTimeoutMs: principal.authKind === 'session' ? idleTimeoutMs : null,
  };
}

export default function sessionRoutes(
  app: FastifyInstance,
  opts: SessionRoutesOptions,
  done: (err?: Error) => void,
) {
  const { stores } = app;
  const baseDelay = opts.failureDelayMs ?? 250;
  const maxDelay = opts.maxFailureDelayMs ?? 4000;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  function audit(request: FastifyRequest, input: Omit<AuditInput, 'source' | 'userAgent' | 'requestId'>) {
    return stores.audit.append({
      ...input,
      source: request.ip,
      userAgent: userAgentOf(request),
      requestId: request.id,
    });
  }

  function locked(reply: FastifyReply, decision: Extract<ReserveDecision, { allowed: false }>): HttpError {
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    reply.header('retry-after', String(seconds));
    const minutes = Math.ceil(seconds / 60);
    return new HttpError(
      429,
      `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      'locked',
    );
  }

  /** Ends the session the browser presented, if any: a sign-in never keeps an id it did not issue. */
  async function endPresentedSession(request: FastifyRequest) {
    const presented = request.cookies[sessionCookieName(request)];
    if (presented) await stores.sessions.revoke(presented);
  }

  r.post(
    '/api/session',
    {
      schema: { body: SignInBody, response: { 200: SessionInfo } },
      config: { permission: 'public' },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const tried = username.trim().slice(0, 64);
      // Counted before the password is checked (and taken back on success): guesses sent together are
      // admitted one by one up to the limit, never all by a check made before any of them failed.
      const attempt = await stores.throttle.reserve(username, request.ip);
      if (!attempt.allowed) {
        await audit(request, {
          kind: 'signin_failed',
          outcome: 'denied',
          actor: tried,
          authKind: 'password',
          reason: `locked (${attempt.scope})`,
        });
        throw locked(reply, attempt);
      }
      const check = await stores.users.verifyPassword(username, password);
      if (!check.ok) {
        await audit(request, {
          kind: 'signin_failed',
          outcome: 'denied',
          actor: tried,
          authKind: 'password',
          reason: check.reason,
        });
        await sleep(failureDelay(attempt.failures, baseDelay, maxDelay));
        throw new HttpError(401, 'Wrong user name or password', 'bad_credentials');
      }
      await stores.throttle.release(username, request.ip);
      await endPresentedSession(request);
      const { secret } = await stores.sessions.create({
        kind: 'session',
        userId: check.user.id,
        idleTimeoutMs: opts.idleTimeoutMs,
      });
      setSessionCookie(request, reply, secret);
      await audit(request, {
        kind: 'signin',
        outcome: 'accepted',
        actor: check.user.username,
        role: check.user.role,
        authKind: 'password',
        action: 'signin',
      });
      const principal: Principal = {
        authKind: 'session',
        role: check.user.role,
        user: { id: check.user.id, username: check.user.username },
        display: null,
        credentialId: 0,
        actor: check.user.username,
      };
      return sessionInfoOf(principal, opts.idleTimeoutMs);
    },
  );

  r.get(
    '/api/session',
    { schema: { response: { 200: SessionInfo } }, config: { permission: 'signed-in' } },
    (request) => sessionInfoOf(request.principal!, opts.idleTimeoutMs),
  );

  r.delete('/api/session', { config: { permission: 'signed-in' } }, async (request, reply) => {
    const principal = request.principal!;
    if (principal.authKind === 'token') {
      throw new HttpError(
        400,
        'A personal access token is not a session: revoke the token instead',
        'not_a_session',
      );
    }
    await endPresentedSession(request);
    clearSessionCookie(request, reply);
    await audit(request, {
      kind: 'signin',
      outcome: 'accepted',
      actor: principal.actor,
      role: principal.role,
      authKind: principal.authKind,
      action: 'signout',
    });
    return reply.code(204).send();
  });

  r.post(
    '/api/display-session',
    {
      schema: { body: DisplaySignInBody, response: { 200: SessionInfo } },
      config: { permission: 'public' },
    },
    async (request, reply) => {
      // Counted per address (as the "user" too: one address guessing secrets locks only itself).
      const key = `display-link@${request.ip}`;
      const attempt = await stores.throttle.reserve(key, request.ip);
      if (!attempt.allowed) {
        await audit(request, {
          kind: 'signin_failed',
          outcome: 'denied',
          actor: 'display',
          authKind: 'display',
          reason: `locked (${attempt.scope})`,
        });
        throw locked(reply, attempt);
      }
      const link = await stores.displayLinks.verify(request.body.secret);
      if (!link) {
        await audit(request, {
          kind: 'signin_failed',
          outcome: 'denied',
          actor: 'display',
          authKind: 'display',
          reason: 'unknown or revoked display link',
        });
        await sleep(failureDelay(attempt.failures, baseDelay, maxDelay));
        throw new HttpError(401, 'This display link is not valid or was revoked', 'bad_display_link');
      }
      await stores.throttle.release(key, request.ip);
      await endPresentedSession(request);
      const { secret } = await stores.sessions.create({ kind: 'display', displayLinkId: link.id });
      setSessionCookie(request, reply, secret, DISPLAY_COOKIE_MAX_AGE_S);
      const principal: Principal = {
        authKind: 'display',
        role: 'viewer',
        user: null,
        display: { id: link.id, name: link.name },
        credentialId: 0,
        actor: `display:${link.name}`,
      };
      await audit(request, {
        kind: 'signin',
        outcome: 'accepted',
        actor: principal.actor,
        role: 'viewer',
        authKind: 'display',
        action: 'signin',
        target: `display:${link.id}`,
      });
      return sessionInfoOf(principal, opts.idleTimeoutMs);
    },
  );

  done();
}
