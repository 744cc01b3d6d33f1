// Single sign-on's client side of OpenID Connect, with openid-client (certified): discovery from the issuer (kept once
// it worked; tried again at the next sign-in when it failed), and the provider's logout URL. Decorates `app.sso`
// (null when single sign-on is off) for the routes (routes/sso.ts, routes/session.ts). An http issuer is refused at
// start-up unless it is a loopback host (config.ts); only then are insecure requests allowed here.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import * as oidc from 'openid-client';
import type { RoleRule, SsoConfig } from '../config';
import type { Role } from '../stores/types';

/** A sign-in under way is good for 10 minutes (routes/sso.ts); housekeeping deletes it then, or once consumed. */
export const PENDING_MAX_AGE_MS = 10 * 60_000;
/** A refusal is shown (GET /api/sso/refusals/:id) for 15 minutes; housekeeping deletes it then. */
export const REFUSAL_MAX_AGE_MS = 15 * 60_000;

export interface SsoClient {
  config: SsoConfig;
  /** The provider's configuration (discovery); throws when the provider cannot be reached or read. */
  discover(): Promise<oidc.Configuration>;
  /** RP-initiated logout for an ID token, when the provider offers it; null otherwise. */
  logoutUrl(idToken: string): Promise<string | null>;
}

declare module 'fastify' {
  interface FastifyInstance {
    sso: SsoClient | null;
  }
}

/** The highest role whose rule names one of the groups (`*`: anyone), with the rule's words for the audit log. */
export function decideRole(
  rules: readonly RoleRule[],
  groups: readonly string[],
): { role: Role; rule: string } | null {
  for (const rule of rules) {
    const group = rule.groups.find((g) => g === '*' || groups.includes(g));
    if (group !== undefined) return { role: rule.role, rule: `${rule.role}=${group}` };
  }
  return null;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === '[::1]' || host === 'localhost';
}

export function createSsoClient(config: SsoConfig): SsoClient {
  let found: Promise<oidc.Configuration> | null = null;
  const discover = () => {
    found ??= oidc
      .discovery(
        new URL(config.issuer),
        config.clientId,
        undefined,
        oidc.ClientSecretBasic(config.clientSecret),
        {
          timeout: 10,
          ...(new URL(config.issuer).protocol === 'http:' && isLoopback(config.issuer)
            ? { execute: [oidc.allowInsecureRequests] }
            : {}),
        },
      )
      .then((c) => {
        // The ID token's signature is checked against the provider's keys too (openid-client trusts the TLS of the
        // token endpoint alone by default, as OpenID Connect allows): a token altered on the way is refused.
        oidc.enableNonRepudiationChecks(c);
        return c;
      })
      .catch((err: unknown) => {
        found = null;
        throw err;
      });
    return found;
  };
  return {
    config,
    discover,
    async logoutUrl(idToken) {
      const c = await discover();
      if (!c.serverMetadata().end_session_endpoint) return null;
      return oidc
        .buildEndSessionUrl(c, {
          id_token_hint: idToken,
          post_logout_redirect_uri: config.postLogoutRedirectUri,
        })
        .toString();
    },
  };
}

export default fp(
  (app: FastifyInstance, opts: { sso: SsoConfig | null }, done: (err?: Error) => void) => {
    app.decorate('sso', opts.sso ? createSsoClient(opts.sso) : null);
    done();
  },
  { name: 'sso' },
);
