// Managing users over HTTP: the real app on real SQLite, a real simulator upstream, people signed in
// through POST /api/session. What a change did is checked by what the people can then do (sign in,
// use their session or token) and by the audit log.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { UserRow } from '@powerdeck/contracts/auth';
import { describe, expect, it } from 'vitest';
import { disableUser, setUserRole } from '../src/stores/admin';
import type { AuditRecord } from '../src/stores/types';
import { signIn, TEST_PASSWORD, tokenHeaders, useSimApp, type AuthHeaders } from './support';

const NEW_PASSWORD = 'a brand new passphrase';

const env = useSimApp();

async function auditRows(filter: { kind?: AuditRecord['kind']; actor?: string } = {}) {
  return (await env.app.testStores.audit.query({ ...filter, order: 'asc', limit: 1000 })).rows;
}

function send(
  headers: AuthHeaders,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  return env.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

/** Whether a browser with these headers is still signed in. */
async function sessionStatus(headers: AuthHeaders) {
  return (await env.app.inject({ method: 'GET', url: '/api/session', headers })).statusCode;
}

async function tryPassword(username: string, password: string) {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/session',
    headers: { [CSRF_HEADER]: '1' },
    payload: { username, password },
  });
  return res.statusCode;
}

describe('who may manage users', () => {
  it.each(['viewer', 'helpdesk'] as const)(
    'refuses a %s every user route with 403, audited',
    async (role) => {
      const headers = await signIn(env.app, role);
      const attempts = [
        ['GET', '/api/users', undefined, 'GET /api/users'],
        ['POST', '/api/users', { username: 'eve', role: 'admin', password: NEW_PASSWORD }, 'POST /api/users'],
        ['PATCH', `/api/users/${role}`, { role: 'admin' }, 'PATCH /api/users/:username'],
      ] as const;
      for (const [method, url, payload, route] of attempts) {
        const res = await send(headers, method, url, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json()).toMatchObject({
          err: `Your role (${role}) may not manage users: that needs admin`,
          code: 'forbidden',
        });
        const [row] = (await auditRows({ kind: 'access', actor: role })).slice(-1);
        expect(row).toMatchObject({ outcome: 'denied', role, action: route, target: 'users:manage' });
      }
      // Nothing changed: no eve, and the role is what it was.
      const users = (await send(env.app.adminHeaders, 'GET', '/api/users')).json<UserRow[]>();
      expect(users.map((u) => [u.username, u.role])).toEqual([
        ['admin', 'admin'],
        ['helpdesk', 'helpdesk'],
        ['viewer', 'viewer'],
      ]);
    },
  );

  it("refuses an admin's personal access token: managing users needs a password sign-in", async () => {
    const headers = await tokenHeaders(env.app.testStores, 'admin');
    const res = await env.app.inject({ method: 'GET', url: '/api/users', headers });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ err: string }>().err).toBe(
      'A personal access token may not manage users: sign in to do that',
    );
  });

  it('needs someone signed in', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/api/users' });
    expect(res.statusCode).toBe(401);
  });
});

describe('GET /api/users', () => {
  it('lists every user by name, with only the public fields', async () => {
    const res = await send(env.app.adminHeaders, 'GET', '/api/users');
    expect(res.statusCode).toBe(200);
    const users = res.json<UserRow[]>();
    expect(users.map((u) => u.username)).toEqual(['admin', 'helpdesk', 'viewer']);
    for (const u of users) {
      expect(Object.keys(u).sort()).toEqual([
        'activeTokens',
        'createdAt',
        'disabled',
        'lastSignInAt',
        'role',
        'source',
        'updatedAt',
        'username',
      ]);
      expect(u.activeTokens).toBe(0);
      expect(u.disabled).toBe(false);
      expect(u.source).toBe('local');
      expect(new Date(u.createdAt).toISOString()).toBe(u.createdAt);
    }
    // Only admin has signed in (with a password, to make this request); the others never have.
    const [admin, helpdesk, viewer] = users;
    expect(new Date(admin!.lastSignInAt!).toISOString()).toBe(admin!.lastSignInAt);
    expect(admin!.lastSignInAt! >= admin!.createdAt).toBe(true);
    expect([helpdesk!.lastSignInAt, viewer!.lastSignInAt]).toEqual([null, null]);
    expect(res.body).not.toMatch(/argon2|password|"id"|sso_subject|ssoSubject/);
  });

  it("records a person's last password sign-in, and not a failed one", async () => {
    const lastOf = async (name: string) =>
      (await send(env.app.adminHeaders, 'GET', '/api/users'))
        .json<UserRow[]>()
        .find((u) => u.username === name)?.lastSignInAt;
    expect(await lastOf('viewer')).toBeNull();
    expect(await tryPassword('viewer', 'not the password')).toBe(401);
    expect(await lastOf('viewer')).toBeNull();
    const before = new Date().toISOString();
    await signIn(env.app, 'viewer');
    const last = await lastOf('viewer');
    expect(last).not.toBeNull();
    expect(last! >= before).toBe(true);
  });
});

describe('POST /api/users', () => {
  it('adds a user who can then sign in with their role; names are case-insensitive', async () => {
    const res = await send(env.app.adminHeaders, 'POST', '/api/users', {
      username: 'Alice.Smith',
      role: 'helpdesk',
      password: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ username: 'alice.smith', role: 'helpdesk', disabled: false });

    const alice = await signIn(env.app, 'ALICE.smith', NEW_PASSWORD);
    const session = await env.app.inject({ method: 'GET', url: '/api/session', headers: alice });
    expect(session.json()).toMatchObject({ username: 'alice.smith', role: 'helpdesk', authKind: 'session' });

    const again = await send(env.app.adminHeaders, 'POST', '/api/users', {
      username: 'alice.SMITH',
      role: 'viewer',
      password: NEW_PASSWORD,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ err: 'A user named alice.smith already exists', code: 'exists' });

    const rows = await auditRows({ kind: 'user' });
    expect(rows.map((r) => [r.action, r.target, r.outcome, r.actor, r.role, r.authKind])).toEqual([
      ['create', 'user:alice.smith', 'accepted', 'admin', 'admin', 'session'],
      ['create', 'user:alice.smith', 'denied', 'admin', 'admin', 'session'],
    ]);
    expect(rows[1]?.reason).toBe('user alice.smith already exists');
    expect(JSON.stringify(rows)).not.toContain(NEW_PASSWORD);
  });

  it.each([
    [
      'a name with a space',
      { username: 'bad name' },
      /body\.username has characters or a form that is not allowed/,
    ],
    ['an empty name', { username: '' }, /body\.username must NOT have fewer than 1 characters/],
    ['a 65-character name', { username: 'a'.repeat(65) }, /body\.username must NOT have more than 64/],
    [
      'a short password',
      { password: 'elevenchars' },
      /body\.password must NOT have fewer than 12 characters/,
    ],
    ['an unknown role', { role: 'root' }, /body\.role must be one of viewer, helpdesk, admin/],
    ['an unknown field', { admin: true }, /body has an unknown field 'admin'/],
    ['a missing password', { password: undefined }, /body is missing 'password'/],
  ])('refuses %s with 400 and says why', async (_what, change, message) => {
    const payload = { username: 'bob', role: 'viewer', password: NEW_PASSWORD, ...change };
    const res = await send(env.app.adminHeaders, 'POST', '/api/users', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request' });
    expect(res.json<{ err: string }>().err).toMatch(message);
    const users = (await send(env.app.adminHeaders, 'GET', '/api/users')).json<UserRow[]>();
    expect(users).toHaveLength(3);
  });

  it('refuses a browser request without the CSRF header', async () => {
    const { [CSRF_HEADER]: _csrf, ...cookieOnly } = env.app.adminHeaders;
    const res = await send(cookieOnly, 'POST', '/api/users', {
      username: 'bob',
      role: 'viewer',
      password: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'csrf' });
    expect(await env.app.testStores.users.get('bob')).toBeNull();
  });
});

describe('PATCH /api/users/:username', () => {
  it('changes a role: the user keeps no session, and their tokens are capped by the new role', async () => {
    const helpdesk = await signIn(env.app, 'helpdesk');
    const created = await send(helpdesk, 'POST', '/api/tokens', {
      name: 'script',
      role: 'helpdesk',
      expiresInDays: 7,
    });
    expect(created.statusCode).toBe(201);
    const bearer = { authorization: `Bearer ${created.json<{ token: string }>().token}` };

    const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/HelpDesk', { role: 'viewer' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'helpdesk', role: 'viewer', disabled: false });

    expect(await sessionStatus(helpdesk)).toBe(401);
    const asToken = await env.app.inject({ method: 'GET', url: '/api/session', headers: bearer });
    expect(asToken.statusCode).toBe(200);
    expect(asToken.json()).toMatchObject({ authKind: 'token', role: 'viewer' });
    const power = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: bearer,
      payload: { vm: 42, action: 'poweron' },
    });
    expect(power.statusCode).toBe(403);

    const again = await signIn(env.app, 'helpdesk');
    expect(
      (await env.app.inject({ method: 'GET', url: '/api/session', headers: again })).json(),
    ).toMatchObject({
      role: 'viewer',
    });
    const [row] = (await auditRows({ kind: 'user' })).filter((r) => r.action === 'role');
    expect(row).toMatchObject({ actor: 'admin', target: 'user:helpdesk', outcome: 'accepted' });
    expect(JSON.parse(row!.params!)).toEqual({ from: 'helpdesk', role: 'viewer' });
  });

  it('disables a user: their session, sign-in and tokens stop; enabling lets them sign in again', async () => {
    const viewer = await signIn(env.app, 'viewer');
    const bearer = await tokenHeaders(env.app.testStores, 'viewer');
    expect((await env.app.inject({ method: 'GET', url: '/api/session', headers: bearer })).statusCode).toBe(
      200,
    );

    const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', { disabled: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'viewer', disabled: true });
    expect(await sessionStatus(viewer)).toBe(401);
    expect(await tryPassword('viewer', TEST_PASSWORD)).toBe(401);
    expect((await env.app.inject({ method: 'GET', url: '/api/session', headers: bearer })).statusCode).toBe(
      401,
    );

    const enabled = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', { disabled: false });
    expect(enabled.json()).toMatchObject({ disabled: false });
    expect(await tryPassword('viewer', TEST_PASSWORD)).toBe(200);
    // The session that was ended stays ended.
    expect(await sessionStatus(viewer)).toBe(401);

    const rows = (await auditRows({ kind: 'user' })).map((r) => [r.action, r.target, r.actor, r.outcome]);
    expect(rows).toEqual([
      ['disable', 'user:viewer', 'admin', 'accepted'],
      ['enable', 'user:viewer', 'admin', 'accepted'],
    ]);
  });

  it('sets a password: old sessions end, the new password works and the old one does not', async () => {
    const viewer = await signIn(env.app, 'viewer');
    const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', { password: NEW_PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(await sessionStatus(viewer)).toBe(401);
    expect(await tryPassword('viewer', TEST_PASSWORD)).toBe(401);
    expect(await tryPassword('viewer', NEW_PASSWORD)).toBe(200);
    const rows = await auditRows({ kind: 'user' });
    expect(rows.map((r) => [r.action, r.actor, r.params])).toEqual([
      ['passwd', 'admin', '{"revokeTokens":true,"sessionsEnded":1,"tokensRevoked":0}'],
    ]);
    expect(JSON.stringify(await auditRows())).not.toContain(NEW_PASSWORD);
  });

  it('applies several changes at once, each audited', async () => {
    const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', {
      role: 'helpdesk',
      disabled: true,
      password: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ role: 'helpdesk', disabled: true });
    const rows = await auditRows({ kind: 'user' });
    expect(rows.map((r) => r.action)).toEqual(['role', 'disable', 'passwd']);
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set(['admin']));
  });

  it('answers 404 for an unknown user and 400 for an empty or unknown change', async () => {
    const unknown = await send(env.app.adminHeaders, 'PATCH', '/api/users/Nobody', { disabled: true });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ err: 'No user named nobody', code: 'not_found' });

    const empty = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json<{ err: string }>().err).toMatch(/must NOT have fewer than 1 properties/);

    for (const [payload, message] of [
      [{ role: 'superuser' }, /body\.role/],
      [{ password: 'short' }, /body\.password must NOT have fewer than 12/],
      [{ disabled: 'yes' }, /body\.disabled must be boolean/],
      [{ username: 'other' }, /unknown field 'username'/],
    ] as const) {
      const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json<{ err: string }>().err).toMatch(message);
    }
    const bad = await send(env.app.adminHeaders, 'PATCH', '/api/users/bad%20name', { disabled: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ err: string }>().err).toMatch(/params\.username/);
    expect(await env.app.testStores.users.get('viewer')).toMatchObject({ role: 'viewer', disabled: false });
  });
});

describe('tokens and account changes (issue 12, finding 9)', () => {
  /** A personal token the user makes for themselves over HTTP, and the script's headers with it. */
  async function scriptToken(username: string, role: string, name = 'nightly') {
    const person = await signIn(env.app, username);
    const res = await send(person, 'POST', '/api/tokens', { name, role, expiresInDays: 7 });
    expect(res.statusCode).toBe(201);
    const { token, info } = res.json<{ token: string; info: { id: number } }>();
    return { id: info.id, bearer: { authorization: `Bearer ${token}` } };
  }

  /** What a script with these headers gets from a real VergeOS-compatible route. */
  async function vmsStatus(headers: AuthHeaders) {
    return (await env.app.inject({ method: 'GET', url: '/api/v4/vms?fields=name', headers })).statusCode;
  }

  async function activeTokens(username: string) {
    const users = (await send(env.app.adminHeaders, 'GET', '/api/users')).json<UserRow[]>();
    return users.find((u) => u.username === username)?.activeTokens;
  }

  it('disabling a user revokes their tokens for good: after enabling them again the old token is refused', async () => {
    const one = await scriptToken('viewer', 'viewer', 'one');
    const two = await scriptToken('viewer', 'viewer', 'two');
    expect(await vmsStatus(one.bearer)).toBe(200);

    const disabled = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(await vmsStatus(one.bearer)).toBe(401);

    const enabled = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', { disabled: false });
    expect(enabled.statusCode).toBe(200);
    expect(await tryPassword('viewer', TEST_PASSWORD)).toBe(200);
    // The attack: the tokens made before the disable must not work again.
    expect(await vmsStatus(one.bearer)).toBe(401);
    expect(await vmsStatus(two.bearer)).toBe(401);

    expect(disabled.json()).toMatchObject({ username: 'viewer', disabled: true, tokensRevoked: 2 });
    expect(enabled.json()).toMatchObject({ disabled: false, tokensRevoked: 0 });
    expect(await activeTokens('viewer')).toBe(0);
    for (const { id } of [one, two]) {
      expect((await env.app.testStores.tokens.get(id))?.revokedAt).not.toBeNull();
    }

    // On record: each token's revocation, with why, then the disable that did it.
    const rows = (await auditRows()).filter((r) => r.kind === 'user' || r.action === 'revoke');
    expect(rows.map((r) => [r.kind, r.action, r.target, r.actor, r.outcome, r.reason])).toEqual([
      ['token', 'revoke', `token:${two.id}`, 'admin', 'accepted', 'user disabled'],
      ['token', 'revoke', `token:${one.id}`, 'admin', 'accepted', 'user disabled'],
      ['user', 'disable', 'user:viewer', 'admin', 'accepted', null],
      ['user', 'enable', 'user:viewer', 'admin', 'accepted', null],
    ]);
    expect(JSON.parse(rows[0]!.params!)).toMatchObject({ owner: 'viewer', name: 'two' });
    expect(JSON.parse(rows[2]!.params!)).toEqual({ sessionsEnded: 2, tokensRevoked: 2 });
  });

  it('a password change revokes their tokens by default, audited with how many', async () => {
    const { id, bearer } = await scriptToken('helpdesk', 'helpdesk');
    expect(await vmsStatus(bearer)).toBe(200);

    const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/helpdesk', { password: NEW_PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(await vmsStatus(bearer)).toBe(401);
    expect(
      (
        await env.app.inject({
          method: 'POST',
          url: '/api/v4/vm_actions',
          headers: bearer,
          payload: { vm: 42, action: 'poweron' },
        })
      ).statusCode,
    ).toBe(401);
    expect(res.json()).toMatchObject({ username: 'helpdesk', tokensRevoked: 1, activeTokens: 0 });

    const rows = (await auditRows()).filter((r) => r.kind === 'user' || r.action === 'revoke');
    expect(rows.map((r) => [r.kind, r.action, r.target, r.reason])).toEqual([
      ['token', 'revoke', `token:${id}`, 'password changed'],
      ['user', 'passwd', 'user:helpdesk', null],
    ]);
    expect(JSON.parse(rows[1]!.params!)).toEqual({ revokeTokens: true, sessionsEnded: 1, tokensRevoked: 1 });
  });

  it('a password change with revokeTokens: false keeps their tokens working, audited as kept', async () => {
    const { bearer } = await scriptToken('helpdesk', 'helpdesk');
    const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/helpdesk', {
      password: NEW_PASSWORD,
      revokeTokens: false,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tokensRevoked: 0, activeTokens: 1 });
    expect(await vmsStatus(bearer)).toBe(200);
    expect(await tryPassword('helpdesk', NEW_PASSWORD)).toBe(200);

    const rows = await auditRows();
    expect(rows.filter((r) => r.action === 'revoke')).toEqual([]);
    const [passwd] = rows.filter((r) => r.action === 'passwd');
    expect(JSON.parse(passwd!.params!)).toEqual({ revokeTokens: false, sessionsEnded: 1, tokensKept: 1 });
  });

  it('refuses revokeTokens without a password (400), changing nothing', async () => {
    const { bearer } = await scriptToken('viewer', 'viewer');
    for (const revokeTokens of [true, false]) {
      const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', { revokeTokens });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        err: 'Invalid request: revokeTokens goes only with a new password',
        code: 'invalid_request',
      });
    }
    const bad = await send(env.app.adminHeaders, 'PATCH', '/api/users/viewer', {
      password: NEW_PASSWORD,
      revokeTokens: 'yes',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ err: string }>().err).toMatch(/body\.revokeTokens must be boolean/);
    expect(await vmsStatus(bearer)).toBe(200);
    expect(await tryPassword('viewer', TEST_PASSWORD)).toBe(200);
  });

  it('lists how many live tokens each user has (not revoked, not expired)', async () => {
    await scriptToken('helpdesk', 'viewer', 'a');
    const b = await scriptToken('helpdesk', 'helpdesk', 'b');
    await send(await signIn(env.app, 'helpdesk'), 'DELETE', `/api/tokens/${b.id}`);
    const users = (await send(env.app.adminHeaders, 'GET', '/api/users')).json<UserRow[]>();
    expect(users.map((u) => [u.username, u.activeTokens])).toEqual([
      ['admin', 0],
      ['helpdesk', 1],
      ['viewer', 0],
    ]);
  });

  it("a token never acts above its owner's current role: an admin token of a user demoted to helpdesk acts as helpdesk", async () => {
    await env.app.testStores.users.create({ username: 'ada', role: 'admin', password: TEST_PASSWORD });
    const { bearer } = await scriptToken('ada', 'admin');
    const kill = () =>
      env.app.inject({
        method: 'POST',
        url: '/api/v4/vm_actions',
        headers: { ...bearer, 'x-powerdeck-reason': 'test' },
        payload: { vm: 42, action: 'kill' },
      });

    expect(
      (await send(env.app.adminHeaders, 'PATCH', '/api/users/ada', { role: 'helpdesk' })).statusCode,
    ).toBe(200);
    const session = await env.app.inject({ method: 'GET', url: '/api/session', headers: bearer });
    expect(session.json()).toMatchObject({ authKind: 'token', role: 'helpdesk' });
    const refused = await kill();
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatch(/helpdesk/);
    // The token itself still says admin: the cap is applied at every request, from the owner's role then.
    const [row] = await env.app.testStores.tokens.list({
      userId: (await env.app.testStores.users.get('ada'))!.id,
    });
    expect(row?.role).toBe('admin');
    const denied = (await auditRows({ kind: 'power' })).filter((r) => r.actor === 'ada');
    expect(denied.map((r) => [r.outcome, r.role, r.authKind])).toEqual([['denied', 'helpdesk', 'token']]);
  });
});

describe('the last enabled admin', () => {
  it('cannot disable or demote themselves (409, audited, nothing changed)', async () => {
    for (const patch of [
      { disabled: true },
      { role: 'helpdesk' },
      { role: 'viewer', password: NEW_PASSWORD },
    ]) {
      const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/admin', patch);
      expect(res.statusCode, JSON.stringify(patch)).toBe(409);
      expect(res.json()).toMatchObject({
        err: 'You are the last enabled admin: make another user an admin before you demote or disable yourself',
        code: 'conflict',
      });
    }
    expect(await env.app.testStores.users.get('admin')).toMatchObject({ role: 'admin', disabled: false });
    expect(await sessionStatus(env.app.adminHeaders)).toBe(200);
    expect(await tryPassword('admin', TEST_PASSWORD)).toBe(200);
    const rows = await auditRows({ kind: 'user' });
    expect(rows.map((r) => [r.action, r.outcome, r.actor, r.target])).toEqual([
      ['disable', 'denied', 'admin', 'user:admin'],
      ['role', 'denied', 'admin', 'user:admin'],
      ['role', 'denied', 'admin', 'user:admin'],
    ]);
    expect(rows[0]?.reason).toMatch(/admin is the last enabled admin/);
  });

  it('may step down once another admin is enabled, which ends their own session', async () => {
    await send(env.app.adminHeaders, 'POST', '/api/users', {
      username: 'ada',
      role: 'admin',
      password: NEW_PASSWORD,
    });
    const res = await send(env.app.adminHeaders, 'PATCH', '/api/users/admin', { role: 'viewer' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'admin', role: 'viewer' });
    expect(await sessionStatus(env.app.adminHeaders)).toBe(401);

    // Now ada is the last enabled admin; a disabled admin does not count.
    const ada = await signIn(env.app, 'ada', NEW_PASSWORD);
    await send(ada, 'PATCH', '/api/users/admin', { role: 'admin' });
    expect((await send(ada, 'PATCH', '/api/users/admin', { disabled: true })).statusCode).toBe(200);
    const self = await send(ada, 'PATCH', '/api/users/ada', { disabled: true });
    expect(self.statusCode).toBe(409);
  });

  it('holds when two admins demote each other at the same moment: exactly one change wins', async () => {
    // Straight through the audited functions the route uses, started together, so that every await of
    // one can interleave with the other: only a check made in the same transaction as the change holds.
    const stores = env.app.testStores;
    await stores.users.create({ username: 'ada', role: 'admin', password: NEW_PASSWORD });
    const as = (actor: string) => ({ actor, role: 'admin' as const, authKind: 'session' as const });
    const keep = { keepAnAdmin: true };
    const results = await Promise.allSettled([
      setUserRole(stores, as('admin'), 'ada', 'viewer', keep),
      setUserRole(stores, as('ada'), 'admin', 'viewer', keep),
      disableUser(stores, as('admin'), 'ada', keep),
      disableUser(stores, as('ada'), 'admin', keep),
    ]);
    const admins = (await stores.users.list()).filter((u) => u.role === 'admin' && !u.disabled);
    expect(admins).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).not.toHaveLength(0);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'conflict' });
    }
  });
});
