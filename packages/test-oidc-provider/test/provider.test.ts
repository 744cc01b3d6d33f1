// The test provider speaks real OpenID Connect: a certified client (openid-client) discovers it, signs a user in
// through its login page with PKCE, state and nonce, and reads the groups from the verified ID token; groups change
// between sign-ins; overage; RP-initiated logout is offered; the CLI starts and answers discovery.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../src/browser';
import { startTestProvider, type TestProvider } from '../src/index';

const REDIRECT = 'http://127.0.0.1:1/cb';
let provider: TestProvider | null = null;

afterEach(async () => {
  await provider?.stop();
  provider = null;
});

async function start() {
  provider = await startTestProvider({
    clients: [
      {
        clientId: 'pd',
        clientSecret: 'pd-secret',
        redirectUris: [REDIRECT],
        postLogoutRedirectUris: ['http://127.0.0.1:1/'],
      },
    ],
    users: [
      { login: 'ann', password: 'ann-pass', email: 'ann@example.com', groups: ['pd-viewers'] },
      { login: 'ovi', password: 'ovi-pass', overage: true },
    ],
  });
  const config = await client.discovery(
    new URL(provider.issuer),
    'pd',
    'pd-secret',
    client.ClientSecretBasic('pd-secret'),
    {
      execute: [client.allowInsecureRequests],
    },
  );
  return { provider, config };
}

async function signIn(config: client.Configuration, login: string, password: string) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const browser = new TestBrowser();
  const page = await browser.follow(url.href);
  const back = await browser.submitLogin(page, login, password, (u) => u.startsWith(REDIRECT));
  const tokens = await client.authorizationCodeGrant(config, new URL(back.url), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return tokens.claims();
}

describe('the test OpenID provider', () => {
  it('signs a user in with a password and puts their groups in the ID token; groups change between sign-ins', async () => {
    const { config, provider: p } = await start();
    const claims = await signIn(config, 'ann', 'ann-pass');
    expect(claims).toMatchObject({
      sub: 'ann',
      preferred_username: 'ann',
      email: 'ann@example.com',
      groups: ['pd-viewers'],
    });
    p.setGroups('ann', ['pd-admins']);
    expect((await signIn(config, 'ann', 'ann-pass'))?.groups).toEqual(['pd-admins']);
    expect(config.serverMetadata().end_session_endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(config.serverMetadata().code_challenge_methods_supported).toContain('S256');
  });

  it('refuses a wrong password on its login page', async () => {
    const { config } = await start();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 's',
      nonce: 'n',
    });
    const browser = new TestBrowser();
    const page = await browser.follow(url.href);
    const again = await browser.submitLogin(page, 'ann', 'wrong');
    expect(again.status).toBe(200);
    expect(again.body).toContain('Wrong username or password.');
    expect(again.body).toContain('<form method="post"');
  });

  it('sends Entra-like overage claims instead of groups for an overage user', async () => {
    const { config } = await start();
    const claims = await signIn(config, 'ovi', 'ovi-pass');
    expect(claims?.groups).toBeUndefined();
    expect(claims?._claim_names).toEqual({ groups: 'src1' });
  });

  it('refuses an authorization request without PKCE', async () => {
    const { config } = await start();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 's',
      nonce: 'n',
    });
    const hop = await new TestBrowser().request(url.href);
    expect(hop.location ?? '').toMatch(/error=invalid_request/);
  });

  it('runs as its own process (the CLI), answering discovery and its control route', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-oidc-'));
    const file = join(dir, 'oidc.json');
    writeFileSync(
      file,
      JSON.stringify({
        clients: [{ clientId: 'pd', clientSecret: 's', redirectUris: [REDIRECT] }],
        users: [],
      }),
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../src/cli.ts'), '--config', file],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const issuer = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /test OIDC provider at (\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect((await res.json()) as { issuer: string }).toMatchObject({ issuer });
      const changed = await fetch(`${issuer}/__oidc/users/nobody`, { method: 'POST', body: '{}' });
      expect(changed.status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
