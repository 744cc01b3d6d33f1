// Where a request's credentials travel, and reading them: the session cookie (its name, set and cleared) and the
// places VergeOS's clients put a token (`Authorization: Bearer`, `x-yottabyte-token`, the cookie `token`). Which of
// them signs a request in, and what it may do, is the auth plugin's (auth.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TOKEN_PREFIX } from '../stores/secrets';
import { HttpError } from './errors';

const SESSION_COOKIE = 'pd_session';
/** Over HTTPS: the `__Host-` prefix binds the cookie to this exact origin (Secure, Path=/, no Domain). */
const SECURE_SESSION_COOKIE = '__Host-pd_session';

function isHttps(request: FastifyRequest): boolean {
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

/** The cookie VergeOS reads a session token from (`token=<t>`); only `pd_` values in it are Powerdeck's. */
const TOKEN_COOKIE = 'token';
/** The header VergeOS reads a session token from. */
const TOKEN_HEADER = 'x-yottabyte-token';

/** The credentials a request carries, read once; which counts is decided by the onRequest hook. */
interface PresentedCredentials {
  /** A token in a header only a script (or the page's own code) can set: `Authorization: Bearer`, x-yottabyte-token. */
  headerToken?: string;
  /** A Powerdeck token (`pd_…`) in the cookie `token`: a browser sends it by itself. */
  cookieToken?: string;
  /** The session cookie's secret. */
  session?: string;
  /** Where a value that is not a Powerdeck token was sent in VergeOS's token header: not taken. */
  foreign?: string;
}

export type UsedCredential = { kind: 'session'; secret: string } | { kind: 'token'; token: string };

/** In the hook's order: a header token, the session, a token cookie. */
export function firstCredential(p: PresentedCredentials): UsedCredential | null {
  if (p.headerToken !== undefined) return { kind: 'token', token: p.headerToken };
  if (p.session !== undefined) return { kind: 'session', secret: p.session };
  if (p.cookieToken !== undefined) return { kind: 'token', token: p.cookieToken };
  return null;
}

const TOKEN_PLACES = 'Authorization: Bearer <token>, x-yottabyte-token: <token> or the cookie token=<token>';

/**
 * Reads a request's credentials, wherever VergeOS accepts a token: `Authorization: Bearer`, `x-yottabyte-token`,
 * `Cookie: token=`. 401 when Authorization is not a Bearer token (a password is never taken: HTTP Basic only
 * where `basicAllowed`, the login route) or not a Powerdeck token (a VergeOS key), or when two places carry
 * different tokens (refused rather than one picked). An x-yottabyte-token that is not `pd_…` is VergeOS's: not taken
 * (`foreign` names it for the 401 when nothing else signs in); a `token` cookie that is not is another
 * application's (`token` is a common name) and is ignored.
 */
export function credentialsOf(
  request: FastifyRequest,
  options: { basicAllowed?: boolean } = {},
): PresentedCredentials {
  const found: { place: string; value: string }[] = [];
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const bearer = /^Bearer +(\S+)$/i.exec(authorization);
    if (bearer?.[1]) found.push({ place: 'Authorization', value: bearer[1] });
    else if (!(options.basicAllowed === true && /^Basic /i.test(authorization))) {
      throw new HttpError(401, `Send a personal access token as ${TOKEN_PLACES}`, 'invalid_token');
    }
  }
  for (const { place, value } of found) {
    if (!value.startsWith(TOKEN_PREFIX)) {
      throw new HttpError(
        401,
        `${place} does not carry a Powerdeck personal access token (${TOKEN_PREFIX}…): Powerdeck never takes VergeOS keys or tokens`,
        'invalid_token',
      );
    }
  }
  // x-yottabyte-token is VergeOS's own header: a value that is not a Powerdeck token is a VergeOS session token
  // (never taken, never forwarded); it only names the problem when nothing else signs the request in.
  let foreign: string | undefined;
  const header = request.headers[TOKEN_HEADER];
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim();
  if (/^pd_\S+$/.test(value)) found.push({ place: TOKEN_HEADER, value });
  else if (value !== '') foreign = TOKEN_HEADER;
  const cookie = request.cookies[TOKEN_COOKIE];
  const cookieToken = cookie?.startsWith(TOKEN_PREFIX) ? cookie : undefined;
  if (cookieToken !== undefined && found.length > 0)
    found.push({ place: 'the cookie token', value: cookieToken });
  const distinct = new Set(found.map((f) => f.value));
  if (distinct.size > 1) {
    throw new HttpError(
      401,
      `The request carries different personal access tokens (${found.map((f) => f.place).join(', ')}): send one`,
      'conflicting_credentials',
    );
  }
  const session = request.cookies[sessionCookieName(request)];
  return {
    ...(found[0] !== undefined ? { headerToken: found[0].value } : {}),
    ...(cookieToken !== undefined ? { cookieToken } : {}),
    ...(session ? { session } : {}),
    ...(foreign !== undefined ? { foreign } : {}),
  };
}
