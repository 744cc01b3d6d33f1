// Single sign-on against a real OpenID provider (sso-support.ts): roles from groups, refusals, tampering, replay,
// logout, password sign-in turned off, disabled users, tokens of SSO users.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { TestBrowser, type Hop } from '@powerdeck/test-oidc-provider/browser';
import { describe, expect, it, vi } from 'vitest';
import { refusalOf, sessionOf, ssoApp, ssoSignIn, startSsoWorld, toCallback } from './sso-support';
import { onCleanup, openTestStores, TEST_PASSWORD } from './support';

function auditRows(app: Awaited<ReturnType<typeof ssoApp>>) {
  return app.testStores.db
    .prepare<
      [],
      {
        kind: string;
        actor: string;
        auth_kind: string;
        reason: string | null;
        params: string | null;
        role: string | null;
      }
    >(
      "SELECT kind, actor, auth_kind, reason, params, role FROM audit_log WHERE auth_kind = 'sso' ORDER BY id",
    )
    .all();
}

vi.setConfig({ testTimeout: 30_000 });

describe('single sign-on against a real OpenID provider', () => {
  it('gives each person the role of their groups, the highest when several match, and audits it', async () => {
    const world = await startSsoWorld();
    const app = await ssoApp(world);
    const expected = { ada: 'admin', hal: 'helpdesk', vic: 'viewer', max: 'admin' } as const;
    for (const [login, role] of Object.entries(expected)) {
      const r = await ssoSignIn(world, login, `${login}-pass`);
      expect(r.callback.status).toBe(302);
      expect(r.callback.location).toBe(`${world.publicUrl}/fleet`);
      const s = await sessionOf(world, r.browser);
      expect(s.body).toMatchObject({ username: login, role, authKind: 'session', signInMethod: 'sso' });
    }
    const rows = auditRows(app);
    const max = rows.find((row) => row.actor === 'max' && row.kind === 'signin');
    expect(JSON.parse(max?.params ?? '{}')).toMatchObject({
      rule: 'admin=ops-leads',
      role: 'admin',
      groups: ['pd-viewers', 'ops-leads', 'pd-helpdesk'],
      subject: `${world.sso.issuer} max`,
    });
    const users = await app.inject({
      method: 'GET',
      url: '/api/users',
      headers: { ...app.adminHeaders, host: new URL(world.publicUrl).host },
    });
    expect(users.json()).toEqual(
      expect.arrayContaining([expect.objectContaining({ username: 'hal', source: 'sso', role: 'helpdesk' })]),
    );
  });

  it('refuses a person no rule matches, listing their groups, and audits it; never a silent viewer', async () => {
    const world = await startSsoWorld();
    const app = await ssoApp(world);
    const r = await ssoSignIn(world, 'nob', 'nob-pass');
    expect(r.callback.location).toMatch(/\/sign-in\/refused\?id=/);
    expect((await sessionOf(world, r.browser)).status).toBe(401);
    const refusal = await refusalOf(world, r);
    expect(refusal.body).toMatchObject({
      reason: 'no-rule',
      groups: ['staff', 'finance'],
      groupsClaim: 'groups',
      username: 'nob',
    });
    expect(String(refusal.body.message)).toMatch(/map one of these groups to a role/);
    // Another browser cannot read it.
    const other = await refusalOf(world, {
      ...r,
      browser: new (r.browser.constructor as new () => typeof r.browser)(),
    });
    expect(other.status).toBe(404);
    const rows = auditRows(app);
    expect(rows.at(-1)).toMatchObject({ kind: 'signin_failed', actor: 'nob' });
    expect(rows.at(-1)?.reason).toMatch(/^no-rule: /);
    expect(await app.testStores.users.get('nob')).toBeNull();
  });

  it("refuses Entra's groups overage with what to configure", async () => {
    const world = await startSsoWorld();
    await ssoApp(world);
    const r = await ssoSignIn(world, 'ovi', 'ovi-pass');
    const refusal = await refusalOf(world, r);
    expect(refusal.body).toMatchObject({ reason: 'groups-overage' });
    expect(String(refusal.body.message)).toMatch(/group filtering.*POWERDECK_OIDC_GROUPS_CLAIM=roles/s);
  });

  it("shows the provider's error for this browser's own sign-in only, never a crafted link's words", async () => {
    const world = await startSsoWorld();
    const app = await ssoApp(world);
    const browser = new TestBrowser();
    const start = await browser.request(`${world.publicUrl}/api/sso/start?returnTo=%2Ffleet`);
    const state = new URL(start.location ?? '').searchParams.get('state');
    expect(state).toBeTruthy();
    // What the provider sends back when the person cancels at its page.
    const denied = await browser.request(
      `${world.publicUrl}/api/sso/callback?error=access_denied&error_description=${encodeURIComponent('The user cancelled')}&state=${state}`,
    );
    expect((await refusalOf(world, { browser, callback: denied })).body).toMatchObject({
      reason: 'idp-error',
      message: 'Test IdP did not sign you in: access_denied: The user cancelled.',
    });
    expect(auditRows(app).at(-1)?.reason).toBe('idp-error: access_denied: The user cancelled');
    // The same answer again (its sign-in is used), or a link made elsewhere: the words are not shown.
    const crafted = `${world.publicUrl}/api/sso/callback?error=access_denied&error_description=${encodeURIComponent('Call +1 555 0100 now')}`;
    for (const [b, url] of [
      [browser, `${crafted}&state=${state}`],
      [new TestBrowser(), crafted],
    ] as const) {
      const r = await b.request(url);
      const refusal = await refusalOf(world, { browser: b, callback: r });
      expect(refusal.body).toMatchObject({ reason: 'invalid' });
      expect(JSON.stringify(refusal.body)).not.toContain('555');
    }
  });

  it('refuses a person whose user name another Powerdeck account holds, never merging the two', async () => {
    const world = await startSsoWorld();
    const app = await ssoApp(world);
    await app.testStores.users.create({ username: 'vic', role: 'admin', password: TEST_PASSWORD });
    const r = await ssoSignIn(world, 'vic', 'vic-pass');
    expect(r.callback.location).toMatch(/\/sign-in\/refused\?id=/);
    expect((await sessionOf(world, r.browser)).status).toBe(401);
    const refusal = await refusalOf(world, r);
    expect(refusal.body).toMatchObject({ reason: 'username-taken', username: 'vic' });
    expect(String(refusal.body.message)).toMatch(/already has the user name vic/);
    expect(auditRows(app).at(-1)?.reason).toMatch(/^username-taken: /);
    // The local account is untouched: still local, still an admin, still signs in with its password.
    expect(await app.testStores.users.get('vic')).toMatchObject({ role: 'admin', source: 'local' });
  });

  it('refuses an e-mail domain that is not allowed', async () => {
    const world = await startSsoWorld({ allowedDomains: ['example.com'] });
    await ssoSignIn(world, 'ada', 'ada-pass').catch(() => undefined);
    const app = await ssoApp(world);
    expect((await ssoSignIn(world, 'ada', 'ada-pass')).callback.location).toBe(`${world.publicUrl}/fleet`);
    const r = await ssoSignIn(world, 'eve', 'eve-pass');
    expect((await refusalOf(world, r)).body).toMatchObject({ reason: 'domain', email: 'eve@elsewhere.org' });
    expect(auditRows(app).at(-1)?.reason).toMatch(/^domain: /);
  });

  it('refuses a tampered ID token, a wrong audience, another nonce, a replayed callback and an expired code, with the detail audited', async () => {
    const world = await startSsoWorld();
    const app = await ssoApp(world);
    const cases: [
      string,
      () => Promise<{
        browser: TestBrowser;
        callback: Hop;
      }>,
    ][] = [
      [
        'signature',
        async () => {
          world.tamper.next = 'signature';
          return ssoSignIn(world, 'vic', 'vic-pass');
        },
      ],
      [
        'audience',
        async () => {
          world.tamper.next = 'audience';
          return ssoSignIn(world, 'vic', 'vic-pass');
        },
      ],
      [
        'nonce',
        async () => {
          world.tamper.next = 'nonce';
          return ssoSignIn(world, 'vic', 'vic-pass');
        },
      ],
      [
        'replay',
        async () => {
          const first = await ssoSignIn(world, 'vic', 'vic-pass');
          expect(first.callback.location).toBe(`${world.publicUrl}/fleet`);
          const again = await first.browser.request(first.callbackUrl);
          return { browser: first.browser, callback: again };
        },
      ],
      [
        'expired',
        async () => {
          const { browser, callbackUrl } = await toCallback(world, 'vic', 'vic-pass');
          world.provider.expireCodes();
          return { browser, callback: await browser.request(callbackUrl) };
        },
      ],
    ];
    const details: string[] = [];
    for (const [name, run] of cases) {
      const r = await run();
      expect(r.callback.location, name).toMatch(/\/sign-in\/refused\?id=/);
      const refusal = await refusalOf(world, r);
      expect(refusal.body, name).toMatchObject({ reason: 'invalid' });
      const last = auditRows(app).at(-1);
      expect(last?.kind, name).toBe('signin_failed');
      details.push(last?.reason ?? '');
    }
    expect(details[0]).toMatch(/^invalid: .*signature/i);
    expect(details[1]).toMatch(/^invalid: .*aud/i);
    expect(details[2]).toMatch(/^invalid: .*nonce/i);
    expect(details[3]).toMatch(/^invalid: unknown, used or expired state/);
    expect(details[4]).toMatch(/^invalid: .*invalid_grant/);
  });

  it('ends an SSO session at the absolute limit however active, as a password session', async () => {
    // The stores' clock is the real time while the provider's tokens are checked, then the test moves it.
    const clock = { now: Date.now() };
    const stores = await openTestStores({ now: () => clock.now, sessionMaxAgeMs: 12 * 3600_000 });
    onCleanup(() => stores.close());
    const world = await startSsoWorld();
    await ssoApp(world, { stores });
    const r = await ssoSignIn(world, 'vic', 'vic-pass');
    expect((await sessionOf(world, r.browser)).body).toMatchObject({ username: 'vic', signInMethod: 'sso' });
    const end = clock.now + 12 * 3600_000;
    while (clock.now + 20 * 60_000 < end) {
      clock.now += 20 * 60_000;
      expect((await sessionOf(world, r.browser)).status).toBe(200);
    }
    clock.now = end - 60_000;
    expect((await sessionOf(world, r.browser)).status).toBe(200);
    clock.now = end;
    expect((await sessionOf(world, r.browser)).status).toBe(401);
  });

  it('gives the new role at the next sign-in when the groups change at the provider', async () => {
    const world = await startSsoWorld();
    await ssoApp(world);
    const first = await ssoSignIn(world, 'vic', 'vic-pass');
    expect((await sessionOf(world, first.browser)).body).toMatchObject({ role: 'viewer' });
    world.provider.setGroups('vic', ['pd-helpdesk']);
    const second = await ssoSignIn(world, 'vic', 'vic-pass');
    expect((await sessionOf(world, second.browser)).body).toMatchObject({ role: 'helpdesk' });
  });

  it("signs out at the provider too, and a disabled SSO user's sessions end and their next sign-in is refused", async () => {
    const world = await startSsoWorld();
    const app = await ssoApp(world);
    const r = await ssoSignIn(world, 'hal', 'hal-pass');
    const out = await r.browser.request(`${world.publicUrl}/api/session`, {
      method: 'DELETE',
      headers: { [CSRF_HEADER]: '1' },
    });
    expect(out.status).toBe(200);
    const { logoutUrl } = JSON.parse(out.body) as { logoutUrl: string };
    expect(logoutUrl.startsWith(`${world.sso.issuer}/session/end`)).toBe(true);
    expect(new URL(logoutUrl).searchParams.get('post_logout_redirect_uri')).toBe(`${world.publicUrl}/`);
    expect(new URL(logoutUrl).searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    expect((await sessionOf(world, r.browser)).status).toBe(401);

    const again = await ssoSignIn(world, 'hal', 'hal-pass');
    expect((await sessionOf(world, again.browser)).status).toBe(200);
    const host = { host: new URL(world.publicUrl).host };
    const disable = await app.inject({
      method: 'PATCH',
      url: '/api/users/hal',
      headers: { ...app.adminHeaders, ...host },
      payload: { disabled: true },
    });
    expect(disable.statusCode).toBe(200);
    expect((await sessionOf(world, again.browser)).status).toBe(401);
    const refused = await ssoSignIn(world, 'hal', 'hal-pass');
    expect((await refusalOf(world, refused)).body).toMatchObject({ reason: 'disabled' });
    const role = await app.inject({
      method: 'PATCH',
      url: '/api/users/hal',
      headers: { ...app.adminHeaders, ...host },
      payload: { role: 'admin' },
    });
    expect(role.statusCode).toBe(409);
    expect(role.json()).toMatchObject({ code: 'role_from_idp' });
  });

  it('lets an SSO user make a personal token that works', async () => {
    const world = await startSsoWorld();
    await ssoApp(world);
    const r = await ssoSignIn(world, 'vic', 'vic-pass');
    const made = await fetch(`${world.publicUrl}/api/tokens`, {
      method: 'POST',
      headers: {
        cookie: r.browser.cookieHeader(world.publicUrl),
        [CSRF_HEADER]: '1',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'script', role: 'viewer', expiresInDays: 1 }),
    });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    const read = await fetch(`${world.publicUrl}/api/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ username: 'vic', authKind: 'token', signInMethod: null });
  });

  it('turns password sign-in off for all but the break-glass admins, ending the others’ password sessions', async () => {
    const world = await startSsoWorld();
    const app = await ssoApp(world);
    const host = { host: new URL(world.publicUrl).host };
    const put = (body: unknown) =>
      app.inject({
        method: 'PUT',
        url: '/api/settings/sign-in',
        headers: { ...app.adminHeaders, ...host },
        payload: body as object,
      });
    expect((await put({ passwordSignIn: 'break-glass', breakGlassAdmins: [] })).statusCode).toBe(422);
    expect((await put({ passwordSignIn: 'break-glass', breakGlassAdmins: ['helpdesk'] })).statusCode).toBe(
      422,
    );
    const helpdeskBefore = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1', ...host },
      payload: { username: 'helpdesk', password: TEST_PASSWORD },
    });
    expect(helpdeskBefore.statusCode).toBe(200);
    const hdCookie = helpdeskBefore.cookies.find((c) => c.name === 'pd_session')!.value;
    const ok = await put({ passwordSignIn: 'break-glass', breakGlassAdmins: ['admin'] });
    expect(ok.statusCode).toBe(200);
    const hdSession = await app.inject({
      method: 'GET',
      url: '/api/session',
      headers: { cookie: `pd_session=${hdCookie}`, ...host },
    });
    expect(hdSession.statusCode).toBe(401);
    const hd = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1', ...host },
      payload: { username: 'helpdesk', password: TEST_PASSWORD },
    });
    expect(hd.statusCode).toBe(403);
    expect(hd.json()).toMatchObject({
      code: 'password_sign_in_off',
      error: 'Password sign-in is turned off: sign in with Test IdP',
    });
    const admin = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1', ...host },
      payload: { username: 'admin', password: TEST_PASSWORD },
    });
    expect(admin.statusCode).toBe(200);
    const options = await app.inject({ method: 'GET', url: '/api/sign-in-options', headers: host });
    expect(options.json()).toEqual({ sso: { providerName: 'Test IdP' }, passwordSignIn: 'break-glass' });
  });
});
