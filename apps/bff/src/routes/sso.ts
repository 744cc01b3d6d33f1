// Single sign-on with OpenID Connect (issue 18): the authorization code flow with PKCE (S256), state and nonce, run by
// openid-client (plugins/sso.ts), which verifies the ID token (signature against the provider's keys, issuer,
// audience, expiry, nonce). The sign-in under way lives in the database (any server may get the callback) and is
// consumed once (a replayed callback is refused); a cookie (HttpOnly, SameSite=Lax: it must ride the provider's
// redirect back) binds it, and the refusal page, to the browser that started it.
// A person's role is decided at each sign-in from the groups claim: the highest matching rule wins; no rule matched,
// Entra ID's groups overage, a domain not allowed, a disabled user, a name a local account holds, an answer that
// cannot be trusted and the provider's own error are refusals (audited, shown on /sign-in/refused), never a viewer.
// Also here: the sign-in options (public) and the sign-in settings (password sign-in for everyone, or break glass).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorBody } from '@powerdeck/contracts/power';
import { SignInOptions, SignInSettings, SsoRefusal, type SsoRefusalReason } from '@powerdeck/contracts/sso';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import Type from 'typebox';
import { actorContext, userAgentOf } from '../plugins/auth';
import { sessionCookieName, setSessionCookie } from '../plugins/credentials';
import { HttpError } from '../plugins/errors';
import { decideRole, PENDING_MAX_AGE_MS, REFUSAL_MAX_AGE_MS } from '../plugins/sso';
import { StoreError } from '../stores/errors';
import { randomSecret } from '../stores/secrets';
import type { AuditInput, Stores } from '../stores/types';
import { usernameOrNull } from '../stores/validation';

const BROWSER_COOKIE = 'pd_sso';
const SECURE_BROWSER_COOKIE = '__Host-pd_sso';

const MESSAGES: Record<SsoRefusalReason, (name: string, extra: string) => string> = {
  'no-rule': () =>
    'Your identity provider signed you in, but none of your groups is mapped to a Powerdeck role, so you have no access. Ask your Powerdeck admin to map one of these groups to a role.',
  'groups-overage': () =>
    'Your identity provider left your groups out of the sign-in because you are in too many groups (Entra ID sends a link instead of the list). Ask your Powerdeck admin to configure group filtering ("Groups assigned to the application") or app roles with POWERDECK_OIDC_GROUPS_CLAIM=roles.',
  domain: (_n, extra) => `Your e-mail address is not allowed to sign in to Powerdeck${extra}.`,
  disabled: () => 'Your Powerdeck account is disabled. Ask your Powerdeck admin to enable it.',
  'username-taken': (_n, extra) =>
    `Another Powerdeck account (a local one, or another person's single sign-on) already has the user name ${extra}, so your sign-in cannot use it. Ask your Powerdeck admin.`,
  invalid: (name) =>
    `The answer from ${name} could not be trusted, so you were not signed in. Try again; if it happens again, ask your Powerdeck admin to look at the audit log.`,
  'idp-error': (name, extra) => `${name} did not sign you in: ${extra}.`,
};

function browserCookieName(request: FastifyRequest): string {
  return sessionCookieName(request).startsWith('__Host-') ? SECURE_BROWSER_COOKIE : BROWSER_COOKIE;
}

/** `returnTo` if it is a path on this site (one leading slash), else `/`. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if ([...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\\')) return '/';
  return value;
}

interface Refusal {
  reason: SsoRefusalReason;
  detail: string;
  extra?: string;
  subject?: string | null;
  username?: string | null;
  email?: string | null;
  groups?: string[];
}

export default function ssoRoutes(
  app: FastifyInstance,
  opts: { idleTimeoutMs: number },
  done: (err?: Error) => void,
) {
  const stores: Stores = app.stores;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  function audit(request: FastifyRequest, input: Omit<AuditInput, 'source' | 'userAgent' | 'requestId'>) {
    return stores.audit.append({
      ...input,
      source: request.ip,
      userAgent: userAgentOf(request),
      requestId: request.id,
    });
  }

  /** The browser's binding secret: the one its cookie holds, or a new one (set on the reply). */
  function browserSecret(request: FastifyRequest, reply: FastifyReply, fresh = false): string {
    const name = browserCookieName(request);
    const held = request.cookies[name];
    if (!fresh && typeof held === 'string' && held.length >= 32) return held;
    const secret = randomSecret();
    reply.setCookie(name, secret, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: name === SECURE_BROWSER_COOKIE,
      maxAge: REFUSAL_MAX_AGE_MS / 1000,
    });
    return secret;
  }

  r.get(
    '/api/sign-in-options',
    { schema: { response: { 200: SignInOptions } }, config: { permission: 'public' } },
    async () => {
      const settings = await stores.sso.getSignInSettings();
      return {
        sso: app.sso ? { providerName: app.sso.config.providerName } : null,
        passwordSignIn: app.sso ? settings.passwordSignIn : 'everyone',
      };
    },
  );

  r.get(
    '/api/sso/start',
    {
      schema: {
        querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })) }),
        response: { '4xx': ErrorBody, '5xx': ErrorBody },
      },
      config: { permission: 'public' },
    },
    async (request, reply) => {
      const sso = app.sso;
      if (!sso) throw new HttpError(404, 'Single sign-on is not configured', 'sso_off');
      let configuration: oidc.Configuration;
      try {
        configuration = await sso.discover();
      } catch (err) {
        request.log.warn({ err }, 'single sign-on: the identity provider cannot be reached');
        throw new HttpError(
          503,
          `${sso.config.providerName} cannot be reached just now, so single sign-on is not available. Try again in a moment, or ask your Powerdeck admin.`,
          'sso_unreachable',
        );
      }
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const secret = browserSecret(request, reply, true);
      await stores.sso.createPending(secret, {
        state,
        nonce,
        codeVerifier,
        returnTo: safeReturnTo(request.query.returnTo),
      });
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: sso.config.redirectUri,
        scope: sso.config.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return reply.redirect(url.href, 302);
    },
  );

  r.get(
    '/api/sso/callback',
    {
      schema: { querystring: Type.Record(Type.String(), Type.String({ maxLength: 8000 })) },
      config: { permission: 'public' },
    },
    async (request, reply) => {
      const sso = app.sso;
      if (!sso) throw new HttpError(404, 'Single sign-on is not configured', 'sso_off');
      const cfg = sso.config;
      const query = request.query;
      const held = request.cookies[browserCookieName(request)];
      const secret = browserSecret(request, reply);

      const refuse = async (refusal: Refusal) => {
        const body: SsoRefusal = {
          reason: refusal.reason,
          message: MESSAGES[refusal.reason](cfg.providerName, refusal.extra ?? ''),
          providerName: cfg.providerName,
          subject: refusal.subject ?? null,
          username: refusal.username ?? null,
          email: refusal.email ?? null,
          groupsClaim: cfg.groupsClaim,
          groups: refusal.groups ?? [],
          at: new Date().toISOString(),
        };
        await audit(request, {
          kind: 'signin_failed',
          outcome: 'denied',
          actor: (refusal.username ?? refusal.subject ?? 'unknown').slice(0, 200),
          authKind: 'sso',
          action: 'signin',
          reason: `${refusal.reason}: ${refusal.detail}`.slice(0, 1000),
          params: {
            ...(refusal.subject ? { subject: refusal.subject } : {}),
            ...(refusal.groups ? { groups: refusal.groups } : {}),
          },
        });
        const id = await stores.sso.addRefusal(secret, body);
        return reply.redirect(`/sign-in/refused?id=${encodeURIComponent(id)}`, 302);
      };

      const state = query.state ?? '';
      const pending =
        typeof held === 'string' && state !== ''
          ? await stores.sso.consumePending(held, state, PENDING_MAX_AGE_MS)
          : null;
      const stale = held
        ? 'unknown, used or expired state (a replayed or stale callback)'
        : 'no sign-in under way in this browser';
      if (query.error !== undefined) {
        const words = [query.error, query.error_description].filter(Boolean).join(': ');
        // The provider's words are shown only for this browser's own sign-in: a crafted link cannot put its text on
        // Powerdeck's refusal page.
        if (!pending) return refuse({ reason: 'invalid', detail: `${stale}; the answer said ${words}` });
        return refuse({ reason: 'idp-error', detail: words, extra: words.slice(0, 300) });
      }
      if (!pending) return refuse({ reason: 'invalid', detail: stale });

      let claims: oidc.IDToken;
      let idToken: string;
      try {
        const configuration = await sso.discover();
        const current = new URL(cfg.redirectUri);
        for (const [k, v] of Object.entries(query)) current.searchParams.set(k, v);
        const tokens = await oidc.authorizationCodeGrant(configuration, current, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const c = tokens.claims();
        if (!c || !tokens.id_token) throw new Error('no ID token in the answer');
        claims = c;
        idToken = tokens.id_token;
      } catch (err) {
        const e = err as {
          message?: string;
          code?: string;
          error?: string;
          error_description?: string;
          cause?: unknown;
        };
        const cause = e.cause instanceof Error ? `(${e.cause.message})` : undefined;
        const detail = [e.code, e.error, e.error_description ?? e.message, cause].filter(Boolean).join(' ');
        return refuse({ reason: 'invalid', detail: detail || String(err) });
      }

      const subject = `${claims.iss} ${claims.sub}`;
      const email = typeof claims.email === 'string' ? claims.email : null;
      const rawName = claims[cfg.usernameClaim] ?? email;
      const named = typeof rawName === 'string' ? rawName : null;
      const groupsValue = claims[cfg.groupsClaim];
      const claimNames = claims._claim_names as Record<string, unknown> | undefined;
      const base = { subject, username: named, email };
      if (!Array.isArray(groupsValue) && claimNames && cfg.groupsClaim in claimNames) {
        return refuse({
          ...base,
          reason: 'groups-overage',
          detail: `_claim_names.${cfg.groupsClaim} instead of ${cfg.groupsClaim}`,
        });
      }
      const groups = Array.isArray(groupsValue) ? groupsValue.map(String) : [];
      if (cfg.allowedDomains) {
        const domain = email?.split('@').pop()?.toLowerCase() ?? null;
        if (!email || !domain || !cfg.allowedDomains.includes(domain)) {
          return refuse({
            ...base,
            groups,
            reason: 'domain',
            detail: `e-mail ${email ?? '(none)'} not in ${cfg.allowedDomains.join(',')}`,
            extra: email ? ` (${email})` : '',
          });
        }
        if (claims.email_verified === false) {
          return refuse({
            ...base,
            groups,
            reason: 'domain',
            detail: `e-mail ${email} not verified`,
            extra: ` (${email} is not verified)`,
          });
        }
      }
      const username = named === null ? null : usernameOrNull(named);
      if (username === null) {
        return refuse({
          ...base,
          groups,
          reason: 'invalid',
          detail: `no usable user name in ${cfg.usernameClaim} or email (got ${JSON.stringify(named)})`,
        });
      }
      const decided = decideRole(cfg.rules, groups);
      if (!decided) {
        return refuse({
          ...base,
          groups,
          reason: 'no-rule',
          detail: `no rule matched the groups [${groups.join(', ')}]`,
        });
      }
      let user;
      try {
        user = await stores.users.signInSso({ subject, username, role: decided.role });
      } catch (err) {
        if (err instanceof StoreError && err.code === 'exists') {
          return refuse({ ...base, groups, reason: 'username-taken', detail: err.message, extra: username });
        }
        throw err;
      }
      if (user.disabled) {
        return refuse({
          ...base,
          username: user.username,
          groups,
          reason: 'disabled',
          detail: `${user.username} is disabled`,
        });
      }
      const presented = request.cookies[sessionCookieName(request)];
      if (presented) await stores.sessions.revoke(presented);
      const session = await stores.sessions.create({
        kind: 'session',
        userId: user.id,
        idleTimeoutMs: opts.idleTimeoutMs,
        signInMethod: 'sso',
        idToken,
      });
      setSessionCookie(request, reply, session.secret);
      await audit(request, {
        kind: 'signin',
        outcome: 'accepted',
        actor: user.username,
        role: user.role,
        authKind: 'sso',
        action: 'signin',
        params: { subject, groups, rule: decided.rule, role: decided.role },
      });
      return reply.redirect(pending.returnTo, 302);
    },
  );

  r.get(
    '/api/sso/refusals/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: SsoRefusal, '4xx': ErrorBody },
      },
      config: { permission: 'public' },
    },
    async (request) => {
      const held = request.cookies[browserCookieName(request)];
      const found = held ? await stores.sso.getRefusal(request.params.id, held, REFUSAL_MAX_AGE_MS) : null;
      if (!found)
        throw new HttpError(404, 'This refusal is not known here, or is too old: sign in again', 'not_found');
      return found as SsoRefusal;
    },
  );

  r.get(
    '/api/settings/sign-in',
    {
      schema: { response: { 200: SignInSettings, '4xx': ErrorBody } },
      config: { permission: 'users:manage' },
    },
    () => stores.sso.getSignInSettings(),
  );

  r.put(
    '/api/settings/sign-in',
    {
      schema: { body: SignInSettings, response: { 200: SignInSettings, '4xx': ErrorBody } },
      config: { permission: 'users:manage' },
    },
    async (request) => {
      const principal = request.principal!;
      const body = request.body;
      const names = [...new Set(body.breakGlassAdmins.map((n) => n.trim().toLowerCase()))];
      const ctx = actorContext(request, principal);
      const unprocessable = async (message: string) => {
        await audit(request, {
          kind: 'user',
          outcome: 'denied',
          actor: ctx.actor,
          role: ctx.role,
          authKind: ctx.authKind,
          action: 'sign-in-settings',
          reason: message,
        });
        return new HttpError(422, message, 'invalid_settings');
      };
      const keep: number[] = [];
      if (body.passwordSignIn === 'break-glass') {
        if (!app.sso) {
          throw await unprocessable(
            'Password sign-in can only be turned off when single sign-on is configured (POWERDECK_OIDC_ISSUER): otherwise nobody could sign in',
          );
        }
        if (names.length === 0) {
          throw await unprocessable(
            'Name at least one local admin who may still use a password (break glass)',
          );
        }
        for (const name of names) {
          const user = await stores.users.get(name);
          if (!user || user.source !== 'local' || user.role !== 'admin' || user.disabled) {
            throw await unprocessable(
              `${name} is not an enabled local admin: only enabled local admins may keep a password (break glass)`,
            );
          }
          keep.push(user.id);
        }
      }
      const settings = { passwordSignIn: body.passwordSignIn, breakGlassAdmins: names };
      const before = await stores.sso.getSignInSettings();
      await stores.sso.putSignInSettings(settings);
      let ended = 0;
      if (settings.passwordSignIn === 'break-glass') {
        ended = await stores.sessions.revokePasswordSessionsExcept(keep);
        // Tokens from VergeOS's login (POST /api/sys/tokens: a password) end too.
        const tokens = await stores.tokens.list({});
        for (const t of tokens) {
          if (t.revokedAt === null && t.name.startsWith('api login from ') && !keep.includes(t.user.id)) {
            if (await stores.tokens.revoke(t.id)) ended += 1;
          }
        }
      }
      await audit(request, {
        kind: 'user',
        outcome: 'accepted',
        actor: ctx.actor,
        role: ctx.role,
        authKind: ctx.authKind,
        action: 'sign-in-settings',
        params: {
          before: { ...before, breakGlassAdmins: [...before.breakGlassAdmins] },
          after: { ...settings },
          ended,
        },
      });
      return settings;
    },
  );

  done();
}
