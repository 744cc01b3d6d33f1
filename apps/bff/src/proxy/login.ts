// VergeOS's login body (POST /api/sys/tokens, session.ts): a login and password in HTTP Basic and/or the JSON body
// `{"login", "password"}`, checked before any password is, and refused in VergeOS's words and codes.
import { HttpError } from '../plugins/errors';

/** A login and password from VergeOS's login route: HTTP Basic and/or the JSON body `{"login", "password"}`. */
interface LoginPresented {
  login: string;
  password: string;
}

const LOGIN_MAX = 256;
const PASSWORD_MAX = 1024;

/** The user name and password of POST /api/sys/tokens; errors in VergeOS's words and codes. */
export function loginOf(authorization: string | undefined, body: unknown): LoginPresented {
  let basic: LoginPresented | undefined;
  if (authorization !== undefined) {
    // The auth hook lets only Bearer and Basic through on this route; a Bearer token is not a login.
    const m = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (m?.[1]) {
      const decoded = Buffer.from(m[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) basic = { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (!basic && /^Basic/i.test(authorization)) {
      throw new HttpError(401, 'Authorization: Basic must carry login:password in base64', 'bad_credentials');
    }
  }
  let fromBody: LoginPresented | undefined;
  if (!basic && (body === undefined || body === null)) {
    throw new HttpError(400, 'The request body must be a JSON object', 'invalid_request');
  }
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'The request body must be a JSON object', 'invalid_request');
    }
    const b = body as Record<string, unknown>;
    if (!(basic && b.login === undefined && b.password === undefined)) {
      for (const field of ['login', 'password'] as const) {
        if (b[field] === undefined)
          throw new HttpError(422, `Missing required field '${field}'`, 'invalid_argument');
      }
      const { login, password } = b;
      if (typeof login !== 'string' || login.length < 1 || login.length > LOGIN_MAX) {
        throw new HttpError(422, "Invalid value for field 'login'", 'invalid_argument');
      }
      if (typeof password !== 'string' || password.length > PASSWORD_MAX) {
        throw new HttpError(422, "Invalid value for field 'password'", 'invalid_argument');
      }
      fromBody = { login, password };
    }
  }
  if (basic && fromBody && (basic.login !== fromBody.login || basic.password !== fromBody.password)) {
    throw new HttpError(
      401,
      'HTTP Basic and the body name different logins or passwords: send one',
      'conflicting_credentials',
    );
  }
  const presented = fromBody ?? basic;
  if (!presented) throw new HttpError(422, "Missing required field 'login'", 'invalid_argument');
  if (presented.login.length > LOGIN_MAX || presented.password.length > PASSWORD_MAX) {
    throw new HttpError(422, 'Invalid argument: the login or password is too long', 'invalid_argument');
  }
  return presented;
}
