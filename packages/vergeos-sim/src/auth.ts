// Authentication as VergeOS does it: a Bearer API key, HTTP Basic with a user's login, or a session token
// from POST /api/sys/tokens sent as `x-yottabyte-token` or as the cookie `token=`.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type AuthScheme = 'bearer' | 'basic' | 'x-yottabyte-token' | 'cookie' | 'none';

/** What a request presented, valid or not. */
interface Presented {
  scheme: AuthScheme;
  /** The API key, the Basic login, or the token; null when nothing usable was sent. */
  credential: string | null;
  /** The Basic password. */
  password?: string;
}

export type Role = 'admin' | 'readonly';

export interface Principal {
  user: string;
  role: Role;
}

interface AuthConfig {
  apiKey: string;
  readOnlyApiKey: string;
  username: string;
  password: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The value of cookie `name` in a Cookie header. */
function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

/** Reads the credentials from the headers: Authorization first, then x-yottabyte-token, then the cookie. */
export function presentedCredentials(headers: IncomingHttpHeaders): Presented {
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S.*)$/i.exec(authorization.trim());
    if (bearer?.[1]) return { scheme: 'bearer', credential: bearer[1].trim() };
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0)
        return { scheme: 'basic', credential: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    return { scheme: /^Basic/i.test(authorization) ? 'basic' : 'bearer', credential: null };
  }
  const token = header(headers, 'x-yottabyte-token');
  if (token !== undefined) return { scheme: 'x-yottabyte-token', credential: token.trim() || null };
  const cookie = cookieValue(header(headers, 'cookie'), 'token');
  if (cookie !== undefined) return { scheme: 'cookie', credential: cookie || null };
  return { scheme: 'none', credential: null };
}

function same(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class Auth {
  private readonly tokens = new Map<string, Principal>();

  constructor(private readonly config: AuthConfig) {}

  /** Who the credentials belong to, or undefined (401). */
  authenticate(p: Presented): Principal | undefined {
    if (p.credential === null) return undefined;
    switch (p.scheme) {
      case 'bearer':
        if (same(p.credential, this.config.apiKey)) return { user: this.config.username, role: 'admin' };
        if (same(p.credential, this.config.readOnlyApiKey)) return { user: 'readonly', role: 'readonly' };
        return undefined;
      case 'basic':
        return this.checkLogin(p.credential, p.password ?? '');
      case 'x-yottabyte-token':
      case 'cookie':
        return this.tokens.get(p.credential);
      case 'none':
        return undefined;
    }
  }

  private checkLogin(login: string, password: string): Principal | undefined {
    return same(login, this.config.username) && same(password, this.config.password)
      ? { user: this.config.username, role: 'admin' }
      : undefined;
  }

  /** POST /api/sys/tokens: a new session token, or undefined for a wrong login. */
  login(login: string, password: string): string | undefined {
    const principal = this.checkLogin(login, password);
    if (!principal) return undefined;
    const token = randomBytes(20).toString('hex');
    this.tokens.set(token, principal);
    return token;
  }

  /** DELETE /api/sys/tokens/:token. */
  logout(token: string): boolean {
    return this.tokens.delete(token);
  }
}
