// Single sign-on tests against a REAL OpenID provider (packages/test-oidc-provider: panva's oidc-provider) on a
// loopback port, and the real app listening on another: the test browser (TestBrowser) follows the redirects by hand,
// submits the provider's login form and carries cookies, so every step of the protocol is the real one. A small HTTP
// proxy stands in front of the provider (the issuer is the proxy's URL) and can alter the token endpoint's answer on
// demand (a tampered ID token, a wrong audience): openid-client is never mocked.
import { parseRoleRules, type SsoConfig } from '../src/config';
import { startTestProvider, type TestProvider, type TestUser } from '@powerdeck/test-oidc-provider';
import { TestBrowser, type Hop } from '@powerdeck/test-oidc-provider/browser';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildTestApp,
  onCleanup,
  startTestSim,
  upstreamFor,
  type TestApp,
  type TestAppOverrides,
} from './support';

export const CLIENT = { clientId: 'powerdeck', clientSecret: 'powerdeck-test-secret' };
export const RULES = 'admin=pd-admins,ops-leads;helpdesk=pd-helpdesk;viewer=pd-viewers';

export const USERS: TestUser[] = [
  { login: 'ada', password: 'ada-pass', email: 'ada@example.com', groups: ['pd-admins'] },
  { login: 'hal', password: 'hal-pass', email: 'hal@example.com', groups: ['pd-helpdesk', 'staff'] },
  { login: 'vic', password: 'vic-pass', email: 'vic@example.com', groups: ['pd-viewers'] },
  {
    login: 'max',
    password: 'max-pass',
    email: 'max@example.com',
    groups: ['pd-viewers', 'ops-leads', 'pd-helpdesk'],
  },
  { login: 'nob', password: 'nob-pass', email: 'nob@example.com', groups: ['staff', 'finance'] },
  { login: 'ovi', password: 'ovi-pass', email: 'ovi@example.com', overage: true },
  { login: 'eve', password: 'eve-pass', email: 'eve@elsewhere.org', groups: ['pd-admins'] },
];

/**
 * What the proxy alters next: the token endpoint's answer ('signature': a claim changed under the signature;
 * 'audience': another `aud`), or the authorization request ('nonce': another nonce, so the provider signs an ID token
 * for a nonce this sign-in never made, as one injected from another sign-in would be).
 */
export type Tamper = null | 'signature' | 'audience' | 'nonce';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The proxy in front of the provider: forwards everything; alters the token response while `tamper` is set. */
async function startProxy(
  target: () => number,
  tamper: { next: Tamper },
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let path = req.url ?? '/';
    if (tamper.next === 'nonce' && path.startsWith('/auth?')) {
      const url = new URL(path, 'http://proxy');
      url.searchParams.set('nonce', 'a-nonce-of-another-sign-in');
      path = `${url.pathname}${url.search}`;
      tamper.next = null;
    }
    const up = httpRequest(
      { host: '127.0.0.1', port: target(), path, method: req.method, headers: req.headers },
      (upRes) => {
        const isToken =
          path.startsWith('/token') && (tamper.next === 'signature' || tamper.next === 'audience');
        if (!isToken) {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id_token?: string };
          const [h = '', p = '', s = ''] = (body.id_token ?? '').split('.');
          const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
          if (tamper.next === 'signature') payload.groups = ['pd-admins'];
          if (tamper.next === 'audience') payload.aud = 'someone-else';
          const changed = Buffer.from(JSON.stringify(payload)).toString('base64url');
          body.id_token = `${h}.${changed}.${s}`;
          tamper.next = null;
          const text = JSON.stringify(body);
          const headers = { ...upRes.headers, 'content-length': String(Buffer.byteLength(text)) };
          res.writeHead(upRes.statusCode ?? 200, headers);
          res.end(text);
        });
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

export interface SsoWorld {
  provider: TestProvider;
  publicUrl: string;
  appPort: number;
  sso: SsoConfig;
  tamper: { next: Tamper };
}

/** The provider behind its proxy, registered for an app that will listen on `appPort`. */
export async function startSsoWorld(
  options: { appPort?: number; allowedDomains?: string[] } = {},
): Promise<SsoWorld> {
  const appPort = options.appPort ?? (await freePort());
  const publicUrl = `http://127.0.0.1:${appPort}`;
  const tamper: { next: Tamper } = { next: null };
  let providerPort = 0;
  const proxy = await startProxy(() => providerPort, tamper);
  onCleanup(() => new Promise<void>((r) => proxy.server.close(() => r())));
  const issuer = `http://127.0.0.1:${proxy.port}`;
  const provider = await startTestProvider({
    issuer,
    clients: [
      {
        ...CLIENT,
        redirectUris: [`${publicUrl}/api/sso/callback`],
        postLogoutRedirectUris: [`${publicUrl}/`],
      },
    ],
    users: USERS.map((u) => ({ ...u })),
  });
  providerPort = provider.port;
  proxy.server.closeAllConnections();
  onCleanup(() => provider.stop());
  const sso: SsoConfig = {
    issuer,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    scopes: 'openid profile email',
    groupsClaim: 'groups',
    usernameClaim: 'preferred_username',
    rules: parseRoleRules(RULES),
    allowedDomains: options.allowedDomains ?? null,
    providerName: 'Test IdP',
    redirectUri: `${publicUrl}/api/sso/callback`,
    postLogoutRedirectUri: `${publicUrl}/`,
  };
  return { provider, publicUrl, appPort, sso, tamper };
}

/** The real app with single sign-on, listening on the world's port. */
export async function ssoApp(world: SsoWorld, overrides: TestAppOverrides = {}): Promise<TestApp> {
  const sim = await startTestSim();
  const app = await buildTestApp(upstreamFor(sim), {
    sso: world.sso,
    edge: { origins: [world.publicUrl] },
    closeAfterTest: true,
    ...overrides,
  });
  await app.listen({ port: world.appPort, host: '127.0.0.1' });
  return app;
}

export interface SignInResult {
  browser: TestBrowser;
  /** The app's answer to the callback. */
  callback: Hop;
  /** The callback URL the provider sent the browser to. */
  callbackUrl: string;
}

/** Starts a sign-in at the app, signs in on the provider's page; stops before the callback. */
export async function toCallback(
  world: SsoWorld,
  login: string,
  password: string,
  browser = new TestBrowser(),
  returnTo = '/fleet',
): Promise<{ browser: TestBrowser; callbackUrl: string }> {
  const isCallback = (u: string) => u.startsWith(`${world.publicUrl}/api/sso/callback`);
  const start = await browser.request(
    `${world.publicUrl}/api/sso/start?returnTo=${encodeURIComponent(returnTo)}`,
  );
  if (start.status !== 302 || !start.location) throw new Error(`start: ${start.status} ${start.body}`);
  const page = await browser.follow(start.location, isCallback);
  const back = await browser.submitLogin(page, login, password, isCallback);
  if (!isCallback(back.url))
    throw new Error(`the provider did not come back: ${back.status} ${back.body.slice(0, 200)}`);
  return { browser, callbackUrl: back.url };
}

/** A whole sign-in: the callback's answer too. */
export async function ssoSignIn(
  world: SsoWorld,
  login: string,
  password: string,
  browser?: TestBrowser,
): Promise<SignInResult> {
  const { browser: b, callbackUrl } = await toCallback(world, login, password, browser);
  const callback = await b.request(callbackUrl);
  return { browser: b, callback, callbackUrl };
}

/** Reads the refusal a callback redirected to, in the same browser. */
export async function refusalOf(world: SsoWorld, r: { browser: TestBrowser; callback: Hop }) {
  const id = new URL(r.callback.location ?? '', world.publicUrl).searchParams.get('id');
  const res = await r.browser.request(`${world.publicUrl}/api/sso/refusals/${id ?? 'none'}`);
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
}

/** GET /api/session with the browser's cookies. */
export async function sessionOf(world: SsoWorld, browser: TestBrowser) {
  const res = await browser.request(`${world.publicUrl}/api/session`);
  return {
    status: res.status,
    body: res.status === 200 ? (JSON.parse(res.body) as Record<string, unknown>) : null,
  };
}
