// A real OpenID Connect provider for Powerdeck's tests (issue 18): panva's oidc-provider (the reference
// implementation, certified), on a loopback port, with test users who have passwords and groups. Nothing of the
// protocol is mocked: discovery, the authorization endpoint, the token endpoint, signed ID tokens (a fresh RSA key
// per start), RP-initiated logout (end_session) and PKCE (required for every client) are oidc-provider's own.
//
// What is ours, and why:
// - The login page (GET /interaction/:uid, POST /interaction/:uid/login): a plain HTML form that checks the test
//   user's password (oidc-provider's dev interactions accept any password). Consent is granted by
//   `loadExistingGrant` (a first-party client, as Powerdeck is to an organisation's IdP), so a person sees one page.
// - Groups (and app roles) go into the ID token (`conformIdTokenClaims: false`, the claims under the `openid`
//   scope), as Entra ID and Keycloak's group mappers put them; they are read at each sign-in, so `setGroups` between
//   two sign-ins changes what the next ID token says.
// - Entra ID's groups overage for a user (`overage: true`): the ID token carries `_claim_names.groups` and
//   `_claim_sources` instead of `groups`, as Entra does for people in more than 200 groups.
// - The store is an in-memory adapter of ours (oidc-provider's adapter interface), so that `expireCodes()` can age
//   the authorization codes that were issued: "an expired code" without waiting a minute.
// - A control route for scripts that run the provider as its own process (the CLI, e2e): POST /__oidc/users/<login>
//   with `{"groups": [...], "roles": [...], "overage": true|false}`. The server listens on 127.0.0.1 only, and the
//   route also refuses any other peer.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter, type AdapterPayload, type Configuration } from 'oidc-provider';

export interface TestUser {
  /** What the person types on the login page; also `preferred_username` and the default `sub`. */
  login: string;
  password: string;
  /** The `sub` claim (default: `login`). */
  sub?: string;
  email?: string;
  /** Default true; `false` puts `email_verified: false` in the token. */
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
  /** App roles (Entra ID's `roles` claim). */
  roles?: string[];
  /** Entra ID's groups overage: `_claim_names`/`_claim_sources` instead of `groups`. */
  overage?: boolean;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface TestProviderOptions {
  /** The port to listen on (127.0.0.1); default: a free one. */
  port?: number;
  /**
   * The issuer identifier, when the provider is reached through something else (a proxy in a test); default
   * `http://127.0.0.1:<port>`. The provider builds its endpoints' URLs from the Host it is asked with.
   */
  issuer?: string;
  clients: TestClient[];
  users: TestUser[];
  /** How long an authorization code lives (default 60 s, oidc-provider's). */
  codeTtlSeconds?: number;
}

export interface TestProvider {
  issuer: string;
  /** The port the provider itself listens on. */
  port: number;
  /** The groups the user's next ID token carries. */
  setGroups(login: string, groups: string[]): void;
  /** The app roles (`roles` claim) the user's next ID token carries. */
  setRoles(login: string, roles: string[]): void;
  /** Entra ID's groups overage on or off for the user's next ID token. */
  setOverage(login: string, on: boolean): void;
  /** Makes every authorization code issued so far expired (its `exp` in the past). */
  expireCodes(): void;
  stop(): Promise<void>;
}

interface Stored {
  payload: AdapterPayload;
  expiresAt: number | null;
}

/** oidc-provider's adapter interface on Maps, one per model; `all` lets expireCodes() reach the codes. */
function memoryAdapter(all: Map<string, Map<string, Stored>>) {
  return class MemoryAdapter implements Adapter {
    private readonly items: Map<string, Stored>;
    constructor(name: string) {
      let items = all.get(name);
      if (!items) {
        items = new Map();
        all.set(name, items);
      }
      this.items = items;
    }
    private live(id: string): AdapterPayload | undefined {
      const item = this.items.get(id);
      if (!item) return undefined;
      if (item.expiresAt !== null && item.expiresAt <= Date.now()) {
        this.items.delete(id);
        return undefined;
      }
      return item.payload;
    }
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      this.items.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
      return Promise.resolve();
    }
    find(id: string): Promise<AdapterPayload | undefined> {
      return Promise.resolve(this.live(id));
    }
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      for (const [id, item] of this.items) if (item.payload.userCode === userCode) return this.find(id);
      return Promise.resolve(undefined);
    }
    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      for (const [id, item] of this.items) if (item.payload.uid === uid) return this.find(id);
      return Promise.resolve(undefined);
    }
    consume(id: string): Promise<void> {
      const item = this.items.get(id);
      if (item) item.payload.consumed = Math.floor(Date.now() / 1000);
      return Promise.resolve();
    }
    destroy(id: string): Promise<void> {
      this.items.delete(id);
      return Promise.resolve();
    }
    revokeByGrantId(grantId: string): Promise<void> {
      for (const items of all.values()) {
        for (const [id, item] of items) if (item.payload.grantId === grantId) items.delete(id);
      }
      return Promise.resolve();
    }
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, clientName: string, error: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body>
<main>
<h1>Test identity provider</h1>
<p>Sign in to continue to ${escapeHtml(clientName)}.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label>Username <input name="login" autofocus required></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button>
</form>
</main>
</body></html>`;
}

async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const users = new Map(options.users.map((u) => [u.login.toLowerCase(), { ...u }]));
  const bySub = (sub: string) => [...users.values()].find((u) => (u.sub ?? u.login) === sub);
  const store = new Map<string, Map<string, Stored>>();

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    use: 'sig',
    alg: 'RS256',
  };

  const configuration: Configuration = {
    adapter: memoryAdapter(store),
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    // Groups and app roles travel with `openid` (every sign-in), into the ID token itself.
    claims: {
      openid: ['sub', 'groups', 'roles'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false,
    ttl: {
      AuthorizationCode: options.codeTtlSeconds ?? 60,
      AccessToken: 600,
      IdToken: 600,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
    },
    findAccount(_ctx, sub) {
      const user = bySub(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims() {
          const claims: Record<string, unknown> = {
            sub,
            preferred_username: user.login,
            name: user.name ?? user.login,
            roles: user.roles ?? [],
          };
          if (user.email) {
            claims.email = user.email;
            claims.email_verified = user.emailVerified ?? true;
          }
          if (user.overage) {
            claims._claim_names = { groups: 'src1' };
            claims._claim_sources = {
              src1: {
                endpoint: `https://graph.windows.net/tenant/users/${encodeURIComponent(sub)}/getMemberObjects`,
              },
            };
          } else {
            claims.groups = user.groups ?? [];
          }
          return claims as { sub: string };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const oidc = ctx.oidc;
      const clientId = oidc.client?.clientId;
      const accountId = oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
      if (grantId) {
        const found = await oidc.provider.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Test identity provider: error</title><h1>${escapeHtml(
        String(out.error),
      )}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  };

  const provider = new Provider(issuer, configuration);
  // Quiet: an error the provider answers with is part of a test, not news.
  provider.on('server_error', (_ctx, err) => console.error('test OIDC provider: server error', err));
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, path: string) {
    const details = await provider.interactionDetails(req, res);
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);
    const send = (status: number, html: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    };
    if (req.method === 'GET' && /^\/interaction\/[^/]+$/.test(path)) {
      send(200, loginPage(details.uid, clientName, null));
      return;
    }
    if (req.method === 'POST' && /^\/interaction\/[^/]+\/login$/.test(path)) {
      const form = new URLSearchParams(await readBody(req));
      const user = users.get((form.get('login') ?? '').toLowerCase());
      if (!user || user.password !== form.get('password')) {
        send(200, loginPage(details.uid, clientName, 'Wrong username or password.'));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.sub ?? user.login } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    send(404, 'not found');
  }

  async function control(req: IncomingMessage, res: ServerResponse, login: string) {
    const user = users.get(login.toLowerCase());
    if (req.method !== 'POST' || !user) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse((await readBody(req)) || '{}') as Partial<TestUser>;
    if (Array.isArray(body.groups)) user.groups = body.groups.map(String);
    if (Array.isArray(body.roles)) user.roles = body.roles.map(String);
    if (typeof body.overage === 'boolean') user.overage = body.overage;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ login: user.login, groups: user.groups ?? [], roles: user.roles ?? [] }));
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const fail = (err: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`test OIDC provider: ${String(err)}`);
    };
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      res.writeHead(403).end();
      return;
    }
    if (path.startsWith('/interaction/')) {
      interaction(req, res, path).catch(fail);
      return;
    }
    const controlMatch = /^\/__oidc\/users\/([^/]+)$/.exec(path);
    if (controlMatch) {
      control(req, res, decodeURIComponent(controlMatch[1] ?? '')).catch(fail);
      return;
    }
    void callback(req, res);
  });

  const userOf = (login: string) => {
    const user = users.get(login.toLowerCase());
    if (!user) throw new Error(`test OIDC provider: no user ${login}`);
    return user;
  };

  return {
    issuer,
    port,
    setGroups(login, groups) {
      userOf(login).groups = [...groups];
    },
    setRoles(login, roles) {
      userOf(login).roles = [...roles];
    },
    setOverage(login, on) {
      userOf(login).overage = on;
    },
    expireCodes() {
      const past = Math.floor(Date.now() / 1000) - 10;
      for (const item of store.get('AuthorizationCode')?.values() ?? []) item.payload.exp = past;
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
