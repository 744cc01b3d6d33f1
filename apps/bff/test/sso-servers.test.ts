// Single sign-on with two Powerdeck servers on one PostgreSQL database (issue 18), in one process: a load balancer on
// the public URL sends the browser's start to one server and the provider's callback to the other, as round robin
// would. The sign-in under way is in the database, so the second server finishes it; the replay of that callback,
// sent to the first server, finds it consumed and is refused. The provider is the real one (sso-support.ts).
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { describe, expect, it, vi } from 'vitest';
import { clusterDatabase, clusterServer, type Server } from './cluster-support';
import { refusalOf, sessionOf, startSsoWorld, toCallback, type SsoWorld } from './sso-support';
import { onCleanup, startTestSim } from './support';

vi.setConfig({ testTimeout: 30_000 });

interface Listening extends Server {
  port: number;
}

/** One Powerdeck server with single sign-on on the cluster's database, listening on a port of its own. */
async function server(
  world: SsoWorld,
  sim: Simulator,
  url: string,
  name: string,
  dir: string,
): Promise<Listening> {
  const s = await clusterServer(sim, url, dir, name, {
    sso: world.sso,
    edge: { origins: [world.publicUrl] },
  });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...s, port: (s.app.server.address() as AddressInfo).port };
}

/** A load balancer on the public URL's port: forwards every request, Host header and all, to `to.port`. */
async function loadBalancer(port: number): Promise<{ to: { port: number } }> {
  const to = { port: 0 };
  const lb = createServer((req, res) => {
    const up = httpRequest(
      { host: '127.0.0.1', port: to.port, path: req.url, method: req.method, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => lb.listen(port, '127.0.0.1', () => r()));
  onCleanup(
    () =>
      new Promise<void>((r) => {
        lb.closeAllConnections();
        lb.close(() => r());
      }),
  );
  return { to };
}

describe('single sign-on across two servers on one PostgreSQL database', () => {
  it('finishes on the second server a sign-in begun on the first; its replay on the first is refused', async () => {
    const world = await startSsoWorld();
    const lb = await loadBalancer(world.appPort);
    const sim = await startTestSim();
    const { url, dir } = await clusterDatabase([]);
    const one = await server(world, sim, url, 'pd-1', dir);
    const two = await server(world, sim, url, 'pd-2', dir);
    const served = (s: Listening) => {
      lb.to.port = s.port;
    };

    // The browser starts at server one and signs in at the provider.
    served(one);
    const { browser, callbackUrl } = await toCallback(world, 'hal', 'hal-pass');
    const started = await one.stores.pool.query<{ n: number | string }>(
      'SELECT count(*) AS n FROM sso_pending WHERE used_at IS NULL',
    );
    expect(Number(started.rows[0]?.n)).toBe(1);

    // The provider sends it back through the load balancer to server two, which finishes the sign-in.
    served(two);
    const callback = await browser.request(callbackUrl);
    expect(callback.headers['x-powerdeck-server']).toBe('pd-2');
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${world.publicUrl}/fleet`);
    expect((await sessionOf(world, browser)).body).toMatchObject({
      username: 'hal',
      role: 'helpdesk',
      signInMethod: 'sso',
    });
    // The session holds on server one too.
    served(one);
    expect((await sessionOf(world, browser)).body).toMatchObject({ username: 'hal', signInMethod: 'sso' });

    // The same callback again, at server one: the sign-in under way was consumed (by server two), so it is refused.
    const replay = await browser.request(callbackUrl);
    expect(replay.headers['x-powerdeck-server']).toBe('pd-1');
    expect(replay.status).toBe(302);
    expect(replay.location).toMatch(/\/sign-in\/refused\?id=/);
    expect((await refusalOf(world, { browser, callback: replay })).body).toMatchObject({ reason: 'invalid' });
    // Its refusal page is read through either server (refusals are in the database too).
    served(two);
    expect((await refusalOf(world, { browser, callback: replay })).status).toBe(200);

    const audit = await two.stores.audit.query({ order: 'asc', limit: 100 });
    const sso = audit.rows.filter((r) => r.authKind === 'sso');
    expect(sso.map((r) => [r.kind, r.actor])).toEqual([
      ['signin', 'hal'],
      ['signin_failed', 'unknown'],
    ]);
    expect(sso[1]?.reason).toMatch(/^invalid: unknown, used or expired state/);
  });
});
