// Personal access tokens over HTTP: the real app on real SQLite, a real simulator upstream, people
// signed in through POST /api/session, scripts sending `Authorization: Bearer`. A token is checked by
// using it, a revocation by the token's next request.
import type { NewTokenAnswer, TokenRow } from '@powerdeck/contracts/auth';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import { signIn, tokenHeaders, useSimApp, type AuthHeaders } from './support';

const DAY_MS = 24 * 3600_000;

const env = useSimApp();

function send(headers: AuthHeaders, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  return env.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

async function create(headers: AuthHeaders, body: { name: string; role: string; expiresInDays: number }) {
  const res = await send(headers, 'POST', '/api/tokens', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<NewTokenAnswer>();
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** What a script holding this token gets from GET /api/session. */
async function asScript(token: string) {
  return env.app.inject({ method: 'GET', url: '/api/session', headers: bearer(token) });
}

async function tokenAudit() {
  return (await env.app.testStores.audit.query({ kind: 'token', order: 'asc', limit: 1000 })).rows;
}

describe('POST /api/tokens', () => {
  it('creates a token that is shown once and works for a script with its role', async () => {
    const viewer = await signIn(env.app, 'viewer');
    const before = Date.now();
    const { token, info } = await create(viewer, {
      name: 'nightly report',
      role: 'viewer',
      expiresInDays: 30,
    });
    expect(token).toMatch(/^pd_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({
      name: 'nightly report',
      username: 'viewer',
      role: 'viewer',
      prefix: token.slice(0, 11),
      lastUsedAt: null,
      revokedAt: null,
    });
    const expires = Date.parse(info.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);

    const res = await asScript(token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ authKind: 'token', role: 'viewer', username: 'viewer' });

    // Listed afterwards with its prefix only; the token itself is never shown again nor logged.
    const list = await send(viewer, 'GET', '/api/tokens');
    expect(list.statusCode).toBe(200);
    expect(list.json<TokenRow[]>()).toEqual([expect.objectContaining({ id: info.id, prefix: info.prefix })]);
    expect(list.body).not.toContain(token);
    expect(list.body).not.toContain(token.slice(11));
    const rows = await tokenAudit();
    expect(rows.map((r) => [r.action, r.outcome, r.actor, r.target])).toEqual([
      ['create', 'accepted', 'viewer', `token:${info.id}`],
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("caps the role at the caller's own: 403 with a clear message, audited", async () => {
    const helpdesk = await signIn(env.app, 'helpdesk');
    const res = await send(helpdesk, 'POST', '/api/tokens', { name: 'x', role: 'admin', expiresInDays: 1 });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      err: "Your role (helpdesk) may not create a token with the role admin: a token's role can be no higher than your own",
      code: 'forbidden',
    });
    const viewer = await signIn(env.app, 'viewer');
    const up = await send(viewer, 'POST', '/api/tokens', { name: 'x', role: 'helpdesk', expiresInDays: 1 });
    expect(up.statusCode).toBe(403);
    expect(await env.app.testStores.tokens.list({})).toEqual([]);
    const rows = await tokenAudit();
    expect(rows.map((r) => [r.action, r.outcome, r.actor])).toEqual([
      ['create', 'denied', 'helpdesk'],
      ['create', 'denied', 'viewer'],
    ]);

    // As high as one's own, or lower, is fine.
    const same = await create(helpdesk, { name: 'same', role: 'helpdesk', expiresInDays: 1 });
    const lower = await create(env.app.adminHeaders, { name: 'lower', role: 'viewer', expiresInDays: 1 });
    expect((await asScript(same.token)).json()).toMatchObject({ role: 'helpdesk' });
    expect((await asScript(lower.token)).json()).toMatchObject({ role: 'viewer', username: 'admin' });
  });

  it.each([
    ['0 days', { expiresInDays: 0 }, /body\.expiresInDays must be >= 1/],
    ['367 days', { expiresInDays: 367 }, /body\.expiresInDays must be <= 366/],
    ['a fraction of a day', { expiresInDays: 1.5 }, /body\.expiresInDays must be integer/],
    ['an empty name', { name: '' }, /body\.name must NOT have fewer than 1 characters/],
    ['an unknown role', { role: 'root' }, /body\.role/],
    ['an unknown field', { scopes: ['all'] }, /body has an unknown field 'scopes'/],
    ['no expiry', { expiresInDays: undefined }, /body is missing 'expiresInDays'/],
  ])('refuses %s with 400', async (_what, change, message) => {
    const res = await send(env.app.adminHeaders, 'POST', '/api/tokens', {
      name: 'job',
      role: 'viewer',
      expiresInDays: 7,
      ...change,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ err: string }>().err).toMatch(message);
    expect(await env.app.testStores.tokens.list({})).toEqual([]);
  });

  it('accepts the longest expiry, 366 days', async () => {
    const { info } = await create(env.app.adminHeaders, {
      name: 'yearly',
      role: 'viewer',
      expiresInDays: 366,
    });
    expect(Date.parse(info.expiresAt) - Date.now()).toBeGreaterThan(365 * DAY_MS);
  });

  it('refuses a name the store refuses (control characters) with 400, audited', async () => {
    const res = await send(env.app.adminHeaders, 'POST', '/api/tokens', {
      name: 'bad\u0007name',
      role: 'viewer',
      expiresInDays: 1,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ err: string }>().err).toBe(
      'A token name must be 1 to 100 characters without control characters',
    );
    expect((await tokenAudit()).map((r) => r.outcome)).toEqual(['denied']);
  });
});

describe('a token cannot manage tokens', () => {
  it('gets 403 on every token route, audited, and changes nothing', async () => {
    const headers = await tokenHeaders(env.app.testStores, 'admin');
    const [own] = await env.app.testStores.tokens.list({});
    const attempts = [
      ['GET', '/api/tokens', undefined, 'GET /api/tokens'],
      ['GET', '/api/tokens?all=true', undefined, 'GET /api/tokens'],
      ['POST', '/api/tokens', { name: 'child', role: 'viewer', expiresInDays: 1 }, 'POST /api/tokens'],
      ['DELETE', `/api/tokens/${own!.id}`, undefined, 'DELETE /api/tokens/:id'],
    ] as const;
    for (const [method, url, payload, route] of attempts) {
      const res = await send(headers, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json<{ err: string }>().err).toBe(
        'A personal access token may not manage personal access tokens: sign in to do that',
      );
      const [row] = (await env.app.testStores.audit.query({ kind: 'access', limit: 1 })).rows;
      expect(row).toMatchObject({ outcome: 'denied', actor: 'admin', authKind: 'token', action: route });
    }
    expect(await env.app.testStores.tokens.list({})).toHaveLength(1);
    expect((await env.app.inject({ method: 'GET', url: '/api/session', headers })).statusCode).toBe(200);
  });
});

describe('GET /api/tokens', () => {
  it("lists one's own tokens; all=true needs tokens:all (403 audited), an admin sees everyone's", async () => {
    const viewer = await signIn(env.app, 'viewer');
    const helpdesk = await signIn(env.app, 'helpdesk');
    const v = await create(viewer, { name: 'v1', role: 'viewer', expiresInDays: 1 });
    const h = await create(helpdesk, { name: 'h1', role: 'helpdesk', expiresInDays: 1 });
    const a = await create(env.app.adminHeaders, { name: 'a1', role: 'admin', expiresInDays: 1 });

    const own = (await send(helpdesk, 'GET', '/api/tokens')).json<TokenRow[]>();
    expect(own.map((t) => t.id)).toEqual([h.info.id]);
    const adminOwn = (await send(env.app.adminHeaders, 'GET', '/api/tokens?all=false')).json<TokenRow[]>();
    expect(adminOwn.map((t) => t.id)).toEqual([a.info.id]);

    const denied = await send(helpdesk, 'GET', '/api/tokens?all=true');
    expect(denied.statusCode).toBe(403);
    expect(denied.json<{ err: string }>().err).toBe(
      "Your role (helpdesk) may not manage other people's tokens: that needs admin",
    );
    const [row] = (await env.app.testStores.audit.query({ kind: 'access', limit: 1 })).rows;
    expect(row).toMatchObject({ actor: 'helpdesk', outcome: 'denied', target: 'tokens:all' });

    const all = await send(env.app.adminHeaders, 'GET', '/api/tokens?all=true');
    expect(all.statusCode).toBe(200);
    expect(all.json<TokenRow[]>().map((t) => [t.id, t.username, t.name])).toEqual([
      [a.info.id, 'admin', 'a1'],
      [h.info.id, 'helpdesk', 'h1'],
      [v.info.id, 'viewer', 'v1'],
    ]);
    for (const t of [v, h, a]) expect(all.body).not.toContain(t.token);

    const bad = await send(env.app.adminHeaders, 'GET', '/api/tokens?all=yes');
    expect(bad.statusCode).toBe(400);
    const extra = await send(env.app.adminHeaders, 'GET', '/api/tokens?user=viewer');
    expect(extra.statusCode).toBe(400);
  });

  it('is refused to a wall display', async () => {
    const admin = await env.app.testStores.users.get('admin');
    const { secret } = await env.app.testStores.displayLinks.create({ name: 'wall', createdBy: admin!.id });
    const display = await env.app.inject({
      method: 'POST',
      url: '/api/display-session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { secret },
    });
    const cookie = display.cookies.find((c) => c.name === 'pd_session');
    const res = await env.app.inject({
      method: 'GET',
      url: '/api/tokens',
      headers: { cookie: `pd_session=${cookie!.value}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ err: string }>().err).toMatch(/wall display may only see the fleet/);
  });
});

describe('DELETE /api/tokens/:id', () => {
  it('revokes one of your own: its next request is 401; a second revoke is 404', async () => {
    const viewer = await signIn(env.app, 'viewer');
    const { token, info } = await create(viewer, { name: 'job', role: 'viewer', expiresInDays: 1 });
    expect((await asScript(token)).statusCode).toBe(200);

    const res = await send(viewer, 'DELETE', `/api/tokens/${info.id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const after = await asScript(token);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'invalid_token' });

    const again = await send(viewer, 'DELETE', `/api/tokens/${info.id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ err: `You have no live token ${info.id}`, code: 'not_found' });

    const [row] = (await send(viewer, 'GET', '/api/tokens')).json<TokenRow[]>();
    expect(row?.revokedAt).not.toBeNull();
    expect((await tokenAudit()).map((r) => [r.action, r.outcome, r.actor, r.target])).toEqual([
      ['create', 'accepted', 'viewer', `token:${info.id}`],
      ['revoke', 'accepted', 'viewer', `token:${info.id}`],
      ['revoke', 'denied', 'viewer', `token:${info.id}`],
    ]);
  });

  it("answers 404 for someone else's token and leaves it working; an admin may revoke any", async () => {
    const viewer = await signIn(env.app, 'viewer');
    const helpdesk = await signIn(env.app, 'helpdesk');
    const { token, info } = await create(viewer, { name: 'job', role: 'viewer', expiresInDays: 1 });

    const theirs = await send(helpdesk, 'DELETE', `/api/tokens/${info.id}`);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json<{ err: string }>().err).toBe(`You have no live token ${info.id}`);
    expect((await asScript(token)).statusCode).toBe(200);

    const unknown = await send(env.app.adminHeaders, 'DELETE', '/api/tokens/999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ err: string }>().err).toBe('There is no live token 999');
    expect((await send(env.app.adminHeaders, 'DELETE', '/api/tokens/abc')).statusCode).toBe(400);

    const byAdmin = await send(env.app.adminHeaders, 'DELETE', `/api/tokens/${info.id}`);
    expect(byAdmin.statusCode).toBe(204);
    expect((await asScript(token)).statusCode).toBe(401);
    const rows = (await tokenAudit()).filter((r) => r.action === 'revoke');
    expect(rows.map((r) => [r.actor, r.outcome, r.target])).toEqual([
      ['helpdesk', 'denied', `token:${info.id}`],
      ['admin', 'denied', 'token:999'],
      ['admin', 'accepted', `token:${info.id}`],
    ]);
  });
});
