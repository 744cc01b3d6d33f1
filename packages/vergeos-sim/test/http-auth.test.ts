import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../src/index';
import { anyOf, control, request } from './helpers';

let sim: Simulator;
beforeAll(async () => {
  sim = await createSimulator({ timeScale: 0.001 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const poweron = { action: 'poweron', vm: 42 };

describe('authentication', () => {
  it('accepts a Bearer API key', async () => {
    const a = await request(sim.url, '/api/v4/vms/42', {
      headers: { authorization: `Bearer ${sim.apiKey}` },
    });
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ $key: 42, name: 'test' });
  });

  it('accepts HTTP Basic with the login and password', async () => {
    const a = await request(sim.url, '/api/v4/vms/42', {
      headers: { authorization: basic(sim.username, sim.password) },
    });
    expect(a.status).toBe(200);
  });

  it('issues a session token that works in x-yottabyte-token and in the cookie, until it is deleted', async () => {
    const login = await request(sim.url, '/api/sys/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: { login: sim.username, password: sim.password },
    });
    expect(login.status).toBe(201);
    const receipt = login.json as Record<string, unknown>;
    const token = receipt.$key as string;
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    expect(receipt).toEqual({
      location: `/sys/tokens/${token}`,
      dbpath: `tokens/${token}`,
      $row: 1,
      $key: token,
    });

    const viaHeader = await request(sim.url, '/api/v4/nodes', { headers: { 'x-yottabyte-token': token } });
    expect(viaHeader.status).toBe(200);
    const viaCookie = await request(sim.url, '/api/v4/nodes', {
      headers: { cookie: `theme=dark; token=${token}` },
    });
    expect(viaCookie.status).toBe(200);
    const act = await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: { 'x-yottabyte-token': token, 'content-type': 'application/json' },
      body: poweron,
    });
    expect(act.status).toBe(201);

    const logout = await request(sim.url, `/api/sys/tokens/${token}`, {
      method: 'DELETE',
      headers: { 'x-yottabyte-token': token },
    });
    expect(logout.status).toBe(200);
    const after = await request(sim.url, '/api/v4/nodes', { headers: { 'x-yottabyte-token': token } });
    expect(after.status).toBe(401);
  });

  it('refuses a wrong login with 401 and issues no token', async () => {
    const a = await request(sim.url, '/api/sys/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: { login: sim.username, password: 'wrong' },
    });
    expect(a.status).toBe(401);
    expect(a.json).toEqual({ err: 'Invalid login or password' });
  });

  it.each([
    ['no credentials', {}],
    ['a wrong API key', { authorization: 'Bearer nope' }],
    ['a wrong password', { authorization: basic('admin', 'nope') }],
    ['a wrong user', { authorization: basic('root', 'admin') }],
    ['an unknown scheme', { authorization: 'Digest abc' }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
    ['an unknown token', { 'x-yottabyte-token': 'f00' }],
    ['an unknown cookie token', { cookie: 'token=f00' }],
  ])('401 with %s, on reads and on actions', async (_name, headers: Record<string, string>) => {
    for (const path of [
      '/api/v4/vms',
      '/api/v4/vms/42',
      '/api/v4/machine_status/54',
      '/api/v4/nodes',
      '/api/v4/system',
    ]) {
      const a = await request(sim.url, path, { headers });
      expect(a.status, path).toBe(401);
      expect(a.json).toEqual({ err: anyOf(String) });
    }
    const act = await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: poweron,
    });
    expect(act.status).toBe(401);
    expect((await control(sim).get('/stats')).json).toMatchObject({ actions: {} });
  });

  it('a wrong Authorization header is not rescued by a valid cookie', async () => {
    const login = await request(sim.url, '/api/sys/tokens', {
      method: 'POST',
      body: { login: 'admin', password: 'admin' },
      headers: { 'content-type': 'application/json' },
    });
    const token = (login.json as { $key: string }).$key;
    const a = await request(sim.url, '/api/v4/vms', {
      headers: { authorization: 'Bearer nope', cookie: `token=${token}` },
    });
    expect(a.status).toBe(401);
  });

  it('the read-only API key reads, and gets 403 on vm_actions with nothing changed', async () => {
    const headers = { authorization: `Bearer ${sim.readOnlyApiKey}` };
    expect((await request(sim.url, '/api/v4/vms', { headers })).status).toBe(200);
    const act = await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: poweron,
    });
    expect(act.status).toBe(403);
    expect(act.json).toEqual({ err: 'Permission denied' });
    const status = await request(sim.url, '/api/v4/machine_status/54?fields=status', {
      headers: { authorization: `Bearer ${sim.apiKey}` },
    });
    expect(status.json).toEqual({ status: 'stopped' });
    expect((await control(sim).get('/stats')).json).toMatchObject({ actions: {} });
  });

  it('version.json needs no credentials', async () => {
    const a = await request(sim.url, '/version.json');
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ name: 'v4', version: '26.1.3' });
  });
});

describe('configured credentials', () => {
  it('uses the keys and login it was given', async () => {
    const custom = await createSimulator({
      apiKey: 'k1',
      readOnlyApiKey: 'k2',
      username: 'ops',
      password: 's3cret',
    });
    try {
      expect(custom).toMatchObject({
        apiKey: 'k1',
        readOnlyApiKey: 'k2',
        username: 'ops',
        password: 's3cret',
      });
      expect(
        (await request(custom.url, '/api/v4/nodes', { headers: { authorization: 'Bearer k1' } })).status,
      ).toBe(200);
      expect(
        (await request(custom.url, '/api/v4/nodes', { headers: { authorization: 'Bearer sim-admin-key' } }))
          .status,
      ).toBe(401);
      expect(
        (await request(custom.url, '/api/v4/nodes', { headers: { authorization: basic('ops', 's3cret') } }))
          .status,
      ).toBe(200);
    } finally {
      await custom.close();
    }
  });
});
