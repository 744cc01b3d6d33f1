// /api/fleet compressed once per change for clients that take gzip, and an accepted action through
// the VergeOS route wakes the poller at once.
import { gunzipSync } from 'node:zlib';
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import type { Simulator } from '@powerdeck/vergeos-sim';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../src/routes/fleet';
import { buildApp } from '../src/app';
import { openTestStores, signIn, startSim, upstreamFor, type AuthHeaders } from './support';

let sim: Simulator;
let app: FastifyInstance;
let stores: Awaited<ReturnType<typeof openTestStores>>;
/** The signed-in admin's browser. */
let headers: AuthHeaders;
beforeAll(async () => {
  sim = await startSim({ vms: 200 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});
afterEach(async () => {
  await app.close();
  stores.close();
});

async function slowPollingApp() {
  // Slow ticks: anything that shows up quickly was woken, not scheduled.
  stores = await openTestStores();
  app = await buildApp({
    config: { poll: { intervalMs: 600_000, fastIntervalMs: 600_000, fastWindowMs: 0 } },
    upstream: upstreamFor(sim),
    stores,
  });
  await app.ready();
  headers = await signIn(app, 'admin');
  await expect.poll(() => app.fleet.lastSuccessAt(), { timeout: 5000 }).not.toBeNull();
}

describe('GET /api/fleet compression', () => {
  it('answers gzip to clients that take it, with its own ETag, and 304 for either tag', async () => {
    await slowPollingApp();
    const plain = await app.inject({ url: '/api/fleet', headers });
    expect(plain.statusCode).toBe(200);
    const gz = await app.inject({
      url: '/api/fleet',
      headers: { ...headers, 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8'))).toEqual(plain.json());
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    for (const tag of [plain.headers.etag, gz.headers.etag]) {
      const again = await app.inject({
        url: '/api/fleet',
        headers: { ...headers, 'accept-encoding': 'gzip', 'if-none-match': String(tag) },
      });
      expect(again.statusCode).toBe(304);
    }
  });

  it.each([
    ['gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['GZIP', true],
    ['gzip;q=0', false],
    ['br', false],
    ['', false],
    [undefined, false],
  ] as const)('accepts gzip for %j: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('an accepted action', () => {
  it('wakes the poller at once: the change shows without waiting for the next tick', async () => {
    await slowPollingApp();
    const before = (await app.inject({ url: '/api/fleet', headers })).json<FleetSnapshot>();
    expect(before.vms.find((v) => v.key === 42)?.status).toBe('stopped');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers,
      payload: { vm: 42, action: 'poweron' },
    });
    expect(res.statusCode).toBe(201);
    await expect
      .poll(
        async () =>
          (await app.inject({ url: '/api/fleet', headers }))
            .json<FleetSnapshot>()
            .vms.find((v) => v.key === 42)?.status,
        {
          timeout: 3000,
        },
      )
      .not.toBe('stopped');
  });

  it('does not wake the poller when VergeOS refuses the action', async () => {
    await slowPollingApp();
    const polls = app.fleet.status().polls;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers,
      payload: { vm: 42, action: 'kill' },
    });
    expect(res.statusCode).toBe(409);
    await new Promise((r) => setTimeout(r, 300));
    expect(app.fleet.status().polls).toBe(polls);
  });
});
