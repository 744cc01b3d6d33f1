// Signing in and out: a person with a password, a wall display with its link's secret, or a script with a
// user's password for a short-lived personal token (VergeOS's own login, POST /api/sys/tokens).
// Every sign-in gets a fresh session id (whatever session the browser presented is ended first:
// no fixation); every attempt is counted before its password is checked, failures get one generic
// answer, cost a growing delay, and lock the name or the address for a while (SignInThrottle); every
// sign-in and failure is audited.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DisplaySignInBody, SessionInfo, SignInBody, SysTokenReceipt } from '@powerdeck/contracts/auth';
import { ErrorBody } from '@powerdeck/contracts/power';
import { permissionsOf } from '@powerdeck/contracts/power-rules';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import { actorContext, principalMay, userAgentOf } from '../plugins/auth';
import { clearSessionCookie, sessionCookieName, setSessionCookie } from '../plugins/credentials';
import { HttpError, refused } from '../plugins/errors';
import { loginOf } from '../proxy/login';
import { createToken, revokeToken } from '../stores/admin';
import { StoreError } from '../stores/errors';
import type { AuditInput, Principal, ReserveDecision, User } from '../stores/types';

export interface SessionRoutesOptions {
  /** A signed-in session ends after this long without a request. */
  idleTimeoutMs: number;
  /** The delay of the first failed sign-in; each further failure in the window doubles it (default 250 ms). */
  failureDelayMs?: number;
  /** The longest delay (default 4 s). */
  maxFailureDelayMs?: number;
  /** How long a token from POST /api/sys/tokens lives (default 8 h). */
  apiTokenLifetimeMs?: number;
}

const DEFAULT_API_TOKEN_LIFETIME_MS = 8 * 3600_000;

const SysTokenParams = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

/** Browsers keep a cookie at most 400 days; a display renews it at every sign-in with its link. */
const DISPLAY_COOKIE_MAX_AGE_S = 400 * 24 * 3600;

function failureDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

function sessionInfoOf(principal: Principal, idleTimeoutMs: number): SessionInfo {
  return {
    authKind: principal.authKind,
    role: principal.role,
    username: principal.user?.username ?? null,
    display: principal.display?.name ?? null,
    permissions: permissionsOf(principal),
    idleTimeoutMs: principal.authKind === 'session' ? idleTimeoutMs : null,
    signInMethod: principal.authKind === 'session' ? (principal.signInMethod ?? 'password') : null,
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

  /**
   * Checks a user name and password for a sign-in (the page, or a script's `POST /api/sys/tokens`): the attempt is
   * counted before the password is checked (and taken back on success), so guesses sent together are admitted one by
   * one up to the limit, never all by a check made before any of them failed. A refusal is audited, and a wrong
   * password waits its failure delay; both throw. Answers the user whose password it is.
   */
  async function checkPassword(
    request: FastifyRequest,
    reply: FastifyReply,
    username: string,
    password: string,
    how: { authKind: 'password' | 'token'; action?: string; wrong: () => HttpError },
  ): Promise<User> {
    const failed = (reason: string) =>
      audit(request, {
        kind: 'signin_failed',
        outcome: 'denied',
        actor: username.trim().slice(0, 64),
        authKind: how.authKind,
        ...(how.action !== undefined ? { action: how.action } : {}),
        reason,
      });
    const attempt = await stores.throttle.reserve(username, request.ip);
    if (!attempt.allowed) {
      await failed(`locked (${attempt.scope})`);
      throw locked(reply, attempt);
    }
    const check = await stores.users.verifyPassword(username, password);
    if (!check.ok) {
      await failed(check.reason);
      await sleep(failureDelay(attempt.failures, baseDelay, maxDelay));
      throw how.wrong();
    }
    await stores.throttle.release(username, request.ip);
    // Password sign-in turned off (single sign-on only): the named local admins alone may still use one.
    if (app.sso) {
      const settings = await stores.sso.getSignInSettings();
      if (
        settings.passwordSignIn === 'break-glass' &&
        !settings.breakGlassAdmins.includes(check.user.username)
      ) {
        await failed('password sign-in is turned off');
        throw new HttpError(
          403,
          `Password sign-in is turned off: sign in with ${app.sso.config.providerName}`,
          'password_sign_in_off',
        );
      }
    }
    await stores.users.recordSignIn(check.user.id);
    return check.user;
  }

  r.post(
    '/api/session',
    {
      schema: { body: SignInBody, response: { 200: SessionInfo } },
      config: { permission: 'public' },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await checkPassword(request, reply, username, password, {
        authKind: 'password',
        wrong: () => new HttpError(401, 'Wrong user name or password', 'bad_credentials'),
      });
      await endPresentedSession(request);
      const { secret } = await stores.sessions.create({
        kind: 'session',
        userId: user.id,
        idleTimeoutMs: opts.idleTimeoutMs,
      });
      setSessionCookie(request, reply, secret);
      await audit(request, {
        kind: 'signin',
        outcome: 'accepted',
        actor: user.username,
        role: user.role,
        authKind: 'password',
        action: 'signin',
      });
      const principal: Principal = {
        authKind: 'session',
        role: user.role,
        user: { id: user.id, username: user.username },
        display: null,
        credentialId: 0,
        actor: user.username,
        signInMethod: 'password',
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
    // A single sign-on session also ends at the provider when it offers RP-initiated logout: the page goes there.
    const presented = request.cookies[sessionCookieName(request)];
    const idToken = presented && app.sso ? await stores.sessions.idTokenOf(presented) : null;
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
    if (idToken && app.sso) {
      const logoutUrl = await app.sso.logoutUrl(idToken).catch((err: unknown) => {
        request.log.warn({ err }, 'single sign-on: no logout URL (the provider cannot be reached)');
        return null;
      });
      if (logoutUrl) return reply.code(200).send({ logoutUrl });
    }
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

  // VergeOS's login, for scripts and SDKs written for VergeOS: a user name and password (HTTP Basic and/or the JSON
  // body) for a personal token with the user's role that lives `apiTokenLifetimeMs` (8 h), answered as VergeOS
  // does (201, `$key` = the token, then sent as x-yottabyte-token, Authorization: Bearer or the cookie token).
  // Counted and locked with the sign-in page's throttle; a browser request needs the page's CSRF checks
  // (`passwordLogin` in the auth hook).
  const apiTokenLifetimeMs = opts.apiTokenLifetimeMs ?? DEFAULT_API_TOKEN_LIFETIME_MS;
  r.post(
    '/api/sys/tokens',
    {
      schema: { response: { 201: SysTokenReceipt, '4xx': ErrorBody } },
      config: { permission: 'public', passwordLogin: true },
    },
    async (request, reply) => {
      const { login, password } = loginOf(request.headers.authorization, request.body);
      const user = await checkPassword(request, reply, login, password, {
        authKind: 'token',
        action: 'signin',
        // VergeOS's words for a wrong login (one answer for every reason, as the sign-in page).
        wrong: () => new HttpError(401, 'Invalid login or password', 'bad_credentials'),
      });
      const ctx = {
        ...actorContext(request, null),
        actor: user.username,
        role: user.role,
        authKind: 'token' as const,
      };
      const created = await createToken(stores, ctx, {
        userId: user.id,
        name: `api login from ${request.ip}`.slice(0, 100),
        role: user.role,
        expiresAt: new Date(Date.now() + apiTokenLifetimeMs),
      }).catch((err: unknown) => {
        throw refused(err);
      });
      await audit(request, {
        kind: 'signin',
        outcome: 'accepted',
        actor: user.username,
        role: user.role,
        authKind: 'token',
        action: 'signin',
        target: `token:${created.info.id}`,
        params: { via: 'POST /api/sys/tokens', expiresAt: created.info.expiresAt },
      });
      const token = created.token;
      return reply
        .code(201)
        .send({ location: `/sys/tokens/${token}`, dbpath: `tokens/${token}`, $row: 1, $key: token });
    },
  );

  // VergeOS's logout: ends a token by its value. The token itself may (a script logging out); so may its owner
  // signed in, and an admin (tokens:all). Anything else, or a token that is not live: VergeOS's 404.
  r.delete(
    '/api/sys/tokens/:token',
    {
      schema: {
        params: SysTokenParams,
        response: { 200: Type.Object({}, { additionalProperties: false }), '4xx': ErrorBody },
      },
      config: { permission: 'signed-in' },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const notFound = () => new HttpError(404, "Not found: no row in 'tokens' with that $key", 'not_found');
      const target = await stores.tokens.find(request.params.token);
      if (!target || target.revokedAt !== null || Date.parse(target.expiresAt) <= Date.now())
        throw notFound();
      const itself = principal.authKind === 'token' && principal.credentialId === target.id;
      const owner =
        principal.authKind === 'session' &&
        principal.user?.id === target.user.id &&
        principalMay(principal, 'tokens:own');
      const admin = principalMay(principal, 'tokens:all');
      if (!itself && !owner && !admin) throw notFound();
      await revokeToken(stores, actorContext(request, principal), target.id).catch((err: unknown) => {
        throw err instanceof StoreError ? notFound() : err;
      });
      if (itself) {
        await audit(request, {
          kind: 'signin',
          outcome: 'accepted',
          actor: principal.actor,
          role: principal.role,
          authKind: 'token',
          action: 'signout',
          target: `token:${target.id}`,
        });
      }
      return reply.code(200).send({});
    },
  );

  done();
}
