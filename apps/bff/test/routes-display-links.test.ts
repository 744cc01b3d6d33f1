// Display links over HTTP: the real app on real SQLite, a real simulator upstream. A link is checked
// by a wall display using it (POST /api/display-session, then the fleet), a revocation by the
// display's next request.
import type { DisplayLinkRow, NewDisplayLinkAnswer } from '@powerdeck/contracts/auth';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import { signIn, tokenHeaders, useSimApp, type AuthHeaders } from './support';

const env = useSimApp();

function send(headers: AuthHeaders, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  return env.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

/** A wall display opening its link: the headers of its browser afterwards, or the failed answer. */
async function openDisplay(secret: string) {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/display-session',
    headers: { [CSRF_HEADER]: '1' },
    payload: { secret },
  });
  const cookie = res.cookies.find((c) => c.name === 'pd_session');
  const headers: AuthHeaders = cookie ? { cookie: `pd_session=${cookie.value}` } : {};
  return { res, headers };
}

async function displayAudit() {
  return (await env.app.testStores.audit.query({ kind: 'display', order: 'asc', limit: 1000 })).rows;
}

describe('display links', () => {
  it('creates a link whose secret opens a read-only display; revoking it ends the display at once', async () => {
    const res = await send(env.app.adminHeaders, 'POST', '/api/display-links', { name: 'NOC wall' });
    expect(res.statusCode).toBe(201);
    const { link, secret, path } = res.json<NewDisplayLinkAnswer>();
    expect(secret).toMatch(/^pdd_[A-Za-z0-9_-]{43}$/);
    expect(path).toBe(`/display#${secret}`);
    expect(link).toMatchObject({ name: 'NOC wall', createdBy: 'admin', lastUsedAt: null, revokedAt: null });
    expect(Object.keys(link).sort()).toEqual([
      'createdAt',
      'createdBy',
      'id',
      'lastUsedAt',
      'name',
      'revokedAt',
    ]);

    const display = await openDisplay(secret);
    expect(display.res.statusCode).toBe(200);
    expect(display.res.json()).toMatchObject({ authKind: 'display', role: 'viewer', display: 'NOC wall' });
    const fleet = await env.app.inject({ method: 'GET', url: '/api/fleet', headers: display.headers });
    expect(fleet.statusCode).toBe(200);

    // Listed without its secret, with its last use.
    const list = await send(env.app.adminHeaders, 'GET', '/api/display-links');
    expect(list.statusCode).toBe(200);
    const rows = list.json<DisplayLinkRow[]>();
    expect(rows).toEqual([expect.objectContaining({ id: link.id, name: 'NOC wall', revokedAt: null })]);
    expect(rows[0]?.lastUsedAt).not.toBeNull();
    expect(list.body).not.toContain(secret);

    const revoked = await send(env.app.adminHeaders, 'DELETE', `/api/display-links/${link.id}`);
    expect(revoked.statusCode).toBe(204);
    expect(
      (await env.app.inject({ method: 'GET', url: '/api/fleet', headers: display.headers })).statusCode,
    ).toBe(401);
    const reopened = await openDisplay(secret);
    expect(reopened.res.statusCode).toBe(401);

    const again = await send(env.app.adminHeaders, 'DELETE', `/api/display-links/${link.id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({
      err: `There is no live display link ${link.id}`,
      code: 'not_found',
    });
    const listed = (await send(env.app.adminHeaders, 'GET', '/api/display-links')).json<DisplayLinkRow[]>();
    expect(listed[0]?.revokedAt).not.toBeNull();

    const audit = await displayAudit();
    expect(audit.map((r) => [r.action, r.outcome, r.actor, r.role, r.target])).toEqual([
      ['create', 'accepted', 'admin', 'admin', `display:${link.id}`],
      ['revoke', 'accepted', 'admin', 'admin', `display:${link.id}`],
      ['revoke', 'denied', 'admin', 'admin', `display:${link.id}`],
    ]);
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('lists links newest first, revoked ones too', async () => {
    const a = (
      await send(env.app.adminHeaders, 'POST', '/api/display-links', { name: 'a' })
    ).json<NewDisplayLinkAnswer>();
    const b = (
      await send(env.app.adminHeaders, 'POST', '/api/display-links', { name: 'b' })
    ).json<NewDisplayLinkAnswer>();
    await send(env.app.adminHeaders, 'DELETE', `/api/display-links/${a.link.id}`);
    const rows = (await send(env.app.adminHeaders, 'GET', '/api/display-links')).json<DisplayLinkRow[]>();
    expect(rows.map((r) => [r.id, r.revokedAt === null])).toEqual([
      [b.link.id, true],
      [a.link.id, false],
    ]);
  });

  it.each([
    ['an empty name', { name: '' }, /body\.name must NOT have fewer than 1 characters/],
    ['a 101-character name', { name: 'x'.repeat(101) }, /body\.name must NOT have more than 100 characters/],
    ['an unknown field', { name: 'wall', role: 'admin' }, /body has an unknown field 'role'/],
    ['no name', {}, /body is missing 'name'/],
  ])('refuses %s with 400', async (_what, payload, message) => {
    const res = await send(env.app.adminHeaders, 'POST', '/api/display-links', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ err: string }>().err).toMatch(message);
    expect(await env.app.testStores.displayLinks.list()).toEqual([]);
  });

  it('refuses a name with control characters (the store rule) with 400, audited', async () => {
    const res = await send(env.app.adminHeaders, 'POST', '/api/display-links', { name: 'wall\nB' });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ err: string }>().err).toBe(
      'A display name must be 1 to 100 characters without control characters',
    );
    expect((await displayAudit()).map((r) => [r.action, r.outcome, r.actor])).toEqual([
      ['create', 'denied', 'admin'],
    ]);
  });
});

describe('who may manage display links', () => {
  it.each(['viewer', 'helpdesk'] as const)('refuses a %s with 403 on every route, audited', async (role) => {
    const { link } = await env.app.testStores.displayLinks.create({
      name: 'lobby',
      createdBy: (await env.app.testStores.users.get('admin'))!.id,
    });
    const headers = await signIn(env.app, role);
    const attempts = [
      ['GET', '/api/display-links', undefined, 'GET /api/display-links'],
      ['POST', '/api/display-links', { name: 'mine' }, 'POST /api/display-links'],
      ['DELETE', `/api/display-links/${link.id}`, undefined, 'DELETE /api/display-links/:id'],
    ] as const;
    for (const [method, url, payload, route] of attempts) {
      const res = await send(headers, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json<{ err: string }>().err).toBe(
        `Your role (${role}) may not manage display links: that needs admin`,
      );
      const [row] = (await env.app.testStores.audit.query({ kind: 'access', limit: 1 })).rows;
      expect(row).toMatchObject({ actor: role, outcome: 'denied', action: route, target: 'displays:manage' });
    }
    expect(await env.app.testStores.displayLinks.list()).toEqual([
      expect.objectContaining({ revokedAt: null }),
    ]);
  });

  it("refuses an admin's token and a display itself", async () => {
    const token = await tokenHeaders(env.app.testStores, 'admin');
    const byToken = await send(token, 'POST', '/api/display-links', { name: 'scripted' });
    expect(byToken.statusCode).toBe(403);
    expect(byToken.json<{ err: string }>().err).toMatch(/personal access token may not manage display links/);

    const { secret } = (
      await send(env.app.adminHeaders, 'POST', '/api/display-links', { name: 'wall' })
    ).json<NewDisplayLinkAnswer>();
    const display = await openDisplay(secret);
    const byDisplay = await send(display.headers, 'GET', '/api/display-links');
    expect(byDisplay.statusCode).toBe(403);
    expect(byDisplay.json<{ err: string }>().err).toMatch(/wall display may only see the fleet/);
    expect(await env.app.testStores.displayLinks.list()).toHaveLength(1);
  });
});
