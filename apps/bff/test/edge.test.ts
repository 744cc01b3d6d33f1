// The edge of the server under attack (issue 12, findings 3, 4, 7 and 8), on real sockets where it matters:
// slow senders are cut off, one address cannot hold every connection, a forged X-Forwarded-For does not
// dodge the sign-in lock, HTTPS answers carry HSTS, and requests for another host or from another origin
// (scheme included) are refused.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import {
  buildTestApp,
  TEST_PASSWORD,
  upstreamFor,
  useSimApp,
  type TestApp,
  type TestAppOverrides,
} from './support';

const env = useSimApp();
const apps: TestApp[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const app of apps.splice(0)) await app.close();
});

async function build(overrides: TestAppOverrides = {}): Promise<TestApp> {
  const app = await buildTestApp(upstreamFor(env.sim), {
    ...overrides,
    auth: { failureDelayMs: 1, maxFailureDelayMs: 2, ...overrides.auth },
  });
  apps.push(app);
  return app;
}

async function listen(app: TestApp): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** A raw connection from `localAddress` (any 127.x address is this machine); resolves once connected. */
function connect(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
    sockets.push(socket);
  });
}

/** What the server did with a socket: 'closed' (with whatever it answered first), or 'open' after `ms`. */
function fate(socket: net.Socket, ms: number): Promise<{ state: 'closed' | 'open'; answer: string }> {
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  socket.on('error', () => {});
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ state: 'open', answer }), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ state: 'closed', answer });
    });
  });
}

/** Sends `text` one byte every `everyMs` until it is all sent or the socket closes; true when all was sent. */
async function trickle(socket: net.Socket, text: string, everyMs: number): Promise<boolean> {
  for (const ch of text) {
    if (socket.destroyed || socket.writableEnded || socket.closed) return false;
    socket.write(ch);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return !socket.closed;
}

const SHORT = { requestTimeoutMs: 600, headersTimeoutMs: 400, timeoutCheckIntervalMs: 100 };

describe('slow senders (finding 3)', () => {
  it('cuts off sign-ins whose body trickles in, before the body is complete, and keeps serving others', async () => {
    const app = await build({ edge: SHORT });
    const port = await listen(app);
    const body = JSON.stringify({ username: 'admin', password: 'x'.repeat(60) });
    const head =
      `POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `${CSRF_HEADER}: 1\r\nContent-Length: ${body.length}\r\n\r\n`;
    // 20 clients; each body would take ~4 s at one byte every 50 ms: far past the 600 ms request limit.
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
    const fates = clients.map((s) => fate(s, 8_000));
    const sent = await Promise.all(
      clients.map((s) => {
        s.write(head);
        return trickle(s, body, 50);
      }),
    );
    const ends = await Promise.all(fates);
    // Every connection was ended by the server before its client had sent the whole body.
    expect(sent.filter(Boolean)).toEqual([]);
    expect(ends.map((e) => e.state)).toEqual(Array(20).fill('closed'));
    for (const e of ends) expect(e.answer === '' || e.answer.startsWith('HTTP/1.1 408')).toBe(true);
    // A normal request is answered all along.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('cuts off a client that sends its headers slowly', async () => {
    const app = await build({ edge: SHORT });
    const port = await listen(app);
    const socket = await connect(port);
    const end = fate(socket, 8_000);
    const all = await trickle(
      socket,
      `GET /api/fleet HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: ${'y'.repeat(80)}\r\n\r\n`,
      50,
    );
    expect(all).toBe(false);
    expect((await end).state).toBe('closed');
  });
});

describe('connections per address (finding 3)', () => {
  it('closes connections from one address beyond its cap at once; other addresses still get in', async () => {
    const app = await build({ edge: { maxConnectionsPerAddress: 5 } });
    const port = await listen(app);
    const held = await Promise.all(Array.from({ length: 5 }, () => connect(port, '127.0.0.2')));
    const heldFates = held.map((s) => fate(s, 500));
    const extra = await connect(port, '127.0.0.2');
    expect((await fate(extra, 2_000)).state).toBe('closed');
    expect((await Promise.all(heldFates)).map((f) => f.state)).toEqual(Array(5).fill('open'));
    // Another address is served.
    const other = await connect(port, '127.0.0.3');
    const answered = fate(other, 2_000);
    other.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect((await answered).answer).toMatch(/^HTTP\/1.1 200/);
    // Once one of the five goes, the address may connect again.
    held[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const again = await connect(port, '127.0.0.2');
    const served = fate(again, 2_000);
    again.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect((await served).answer).toMatch(/^HTTP\/1.1 200/);
  });
});

describe('client address behind a proxy (finding 4)', () => {
  it('refuses POWERDECK_TRUST_PROXY=true and says what to set instead', () => {
    expect(() => loadConfig({ POWERDECK_TRUST_PROXY: 'true' })).toThrow(
      /POWERDECK_TRUST_PROXY=true would believe every X-Forwarded-For hop.*number of proxies/,
    );
    expect(() => loadConfig({ POWERDECK_TRUST_PROXY: '10.0.0.5, nonsense' })).toThrow(
      /POWERDECK_TRUST_PROXY must be .*number of reverse proxies.*nonsense/,
    );
    expect(loadConfig({ POWERDECK_TRUST_PROXY: '1' }).auth.trustProxy).toBe(1);
    expect(loadConfig({ POWERDECK_TRUST_PROXY: '10.0.0.5,10.1.0.0/16, ::1' }).auth.trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
    ]);
    expect(loadConfig({}).auth.trustProxy).toBe(false);
  });

  it.each([
    ['one proxy (POWERDECK_TRUST_PROXY=1)', '1'],
    ['the proxy by address (POWERDECK_TRUST_PROXY=127.0.0.1)', '127.0.0.1'],
  ])(
    'behind %s, 30 wrong sign-ins with a new forged left-most address each lock the real address',
    async (_name, setting) => {
      const app = await build({
        auth: { trustProxy: loadConfig({ POWERDECK_TRUST_PROXY: setting }).auth.trustProxy },
      });
      const codes: number[] = [];
      for (let i = 0; i < 30; i += 1) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/session',
          // What nginx sends: the client's own X-Forwarded-For with the address it saw appended.
          headers: { [CSRF_HEADER]: '1', 'x-forwarded-for': `10.66.${i}.1, 203.0.113.9` },
          payload: { username: `guess${i}`, password: 'not the password' },
        });
        codes.push(res.statusCode);
      }
      expect(codes.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(codes.slice(20)).toEqual(Array(10).fill(429));
      const rows = (await app.testStores.audit.query({ kind: 'signin_failed', limit: 100 })).rows;
      expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['203.0.113.9']));
    },
  );
});

describe('HSTS (finding 7)', () => {
  it('is sent on every answer over HTTPS (through a trusted proxy), never over plain HTTP', async () => {
    const app = await build({ auth: { trustProxy: 1 } });
    const https = { 'x-forwarded-proto': 'https' };
    for (const url of ['/api/session', '/healthz', '/api/fleet']) {
      const res = await app.inject({ url, headers: https });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    }
    expect((await app.inject({ url: '/healthz' })).headers['strict-transport-security']).toBeUndefined();
  });

  it('is sent when the public URL is https', async () => {
    const app = await build({ edge: { origins: ['https://powerdeck.example.com'] } });
    const res = await app.inject({ url: '/healthz', headers: { host: 'powerdeck.example.com' } });
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });
});

describe('hosts and origins (finding 8)', () => {
  const signInAs = (app: TestApp, headers: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1', ...headers },
      payload: { username: 'viewer', password: TEST_PASSWORD },
    });

  it('with a public URL: refuses other hosts (421) and origins that differ in scheme, host or port', async () => {
    const app = await build({ edge: { origins: ['https://powerdeck.example.com'] } });
    const host = 'powerdeck.example.com';
    const other = await app.inject({ url: '/api/session', headers: { host: 'rebind.attacker.example' } });
    expect(other.statusCode).toBe(421);
    expect(other.json()).toMatchObject({
      code: 'wrong_host',
      err: expect.stringMatching(/https:\/\/powerdeck/),
    });
    // Load balancers probe health by address.
    expect((await app.inject({ url: '/healthz', headers: { host: '10.0.0.7:8080' } })).statusCode).toBe(200);
    expect((await signInAs(app, { host, origin: 'https://powerdeck.example.com' })).statusCode).toBe(200);
    for (const origin of [
      'http://powerdeck.example.com',
      'https://powerdeck.example.com:8443',
      'https://evil.example.com',
      'null',
    ]) {
      const res = await signInAs(app, { host, origin });
      expect([origin, res.statusCode, res.json<{ code: string }>().code]).toEqual([origin, 403, 'csrf']);
    }
  });

  it('without a public URL: the Origin must match the request scheme as well as its host', async () => {
    const app = await build();
    const res = await signInAs(app, { host: 'localhost:8080', origin: 'https://localhost:8080' });
    expect(res.statusCode).toBe(403);
    expect(
      (await signInAs(app, { host: 'localhost:8080', origin: 'http://localhost:8080' })).statusCode,
    ).toBe(200);
  });

  it('in the demo (loopback): a DNS-rebinding-shaped sign-in is refused, the loopback names work', async () => {
    const app = await build({ edge: { origins: 'loopback' } });
    const port = await listen(app);
    const post = async (host: string) => {
      const res = await request(`http://127.0.0.1:${port}/api/session`, {
        method: 'POST',
        headers: { host, 'content-type': 'application/json', [CSRF_HEADER]: '1', origin: `http://${host}` },
        body: JSON.stringify({ username: 'viewer', password: TEST_PASSWORD }),
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await post(`rebind.attacker.example:${port}`)).toBe(421);
    expect(await post(`127.0.0.1:${port}`)).toBe(200);
    expect(await post(`localhost:${port}`)).toBe(200);
    expect(await post(`localhost:${port + 1}`)).toBe(421);
  });
});
