// Guesses that arrive together (issue 12, finding 1): the sign-in limits (5 failures per name, 20 per
// address, 15 min) hold for any concurrency. Real HTTP on a loopback port: the guesses are released at
// the same moment, as an attacker's script would, and each is answered on its own connection. VergeOS's login
// route (POST /api/sys/tokens) counts against the same limits.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_PASSWORD, upstreamFor, useSimApp, type TestApp } from './support';

const env = useSimApp({
  app: { auth: { failureDelayMs: 1, maxFailureDelayMs: 2 } },
});

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

async function listen(app: TestApp): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** Sends every body at once, each on a connection of its own; the status codes in the order sent. */
async function together(url: string, path: string, bodies: unknown[]): Promise<number[]> {
  agent = new Agent({ connections: bodies.length, pipelining: 0 });
  const answers = await Promise.all(
    bodies.map(async (body) => {
      const res = await request(`${url}${path}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
        body: JSON.stringify(body),
      });
      await res.body.dump();
      return res.statusCode;
    }),
  );
  return answers;
}

function tally(codes: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const c of codes) out[c] = (out[c] ?? 0) + 1;
  return out;
}

describe('concurrent sign-in guesses', () => {
  it('300 guesses for one name at once: at most 5 passwords are checked, the rest get 429', async () => {
    const url = await listen(env.app);
    const bodies = Array.from({ length: 300 }, (_, i) => ({
      username: 'helpdesk',
      password: i === 150 ? TEST_PASSWORD : `wrong guess ${i}`,
    }));
    const codes = await together(url, '/api/session', bodies);
    const counts = tally(codes);
    // Only 5 attempts may reach the password check (a 401 or, for the right one, a 200).
    expect((counts[401] ?? 0) + (counts[200] ?? 0)).toBeLessThanOrEqual(5);
    expect(counts[429]).toBeGreaterThanOrEqual(295);
    // Audited: one row per guess, each refusal as a lock.
    const rows = (await env.app.testStores.audit.query({ kind: 'signin_failed', limit: 1000 })).rows;
    expect(rows.filter((r) => r.reason === 'locked (user)').length).toBe(counts[429]);
  });

  // Issue 13: VergeOS's login route counts against the same lock (failed on the old code: no such route, 50 × 401).
  it('50 guesses for one name at once through POST /api/sys/tokens: at most 5 are checked, the rest get 429', async () => {
    const url = await listen(env.app);
    const bodies = Array.from({ length: 50 }, (_, i) => ({
      login: 'helpdesk',
      password: i === 25 ? TEST_PASSWORD : `wrong guess ${i}`,
    }));
    const counts = tally(await together(url, '/api/sys/tokens', bodies));
    expect((counts[401] ?? 0) + (counts[201] ?? 0)).toBeLessThanOrEqual(5);
    expect(counts[429]).toBeGreaterThanOrEqual(45);
    const rows = (await env.app.testStores.audit.query({ kind: 'signin_failed', limit: 1000 })).rows;
    expect(rows.filter((r) => r.reason === 'locked (user)').length).toBe(counts[429]);
    // The page is locked for that name too.
    const page = await together(url, '/api/session', [{ username: 'helpdesk', password: TEST_PASSWORD }]);
    expect(page).toEqual([429]);
  });

  it('40 guesses across names from one address at once: at most 20 are checked', async () => {
    const url = await listen(env.app);
    const bodies = Array.from({ length: 40 }, (_, i) => ({
      username: `guess${i}`,
      password: 'not it at all',
    }));
    const counts = tally(await together(url, '/api/session', bodies));
    expect(counts[401]).toBeLessThanOrEqual(20);
    expect(counts[429]).toBeGreaterThanOrEqual(20);
  });

  it('60 display-link guesses at once from one address: at most 5 are checked', async () => {
    const url = await listen(env.app);
    const bodies = Array.from({ length: 60 }, (_, i) => ({ secret: `pdd_${'x'.repeat(40)}${i}` }));
    const counts = tally(await together(url, '/api/display-session', bodies));
    expect(counts[401]).toBeLessThanOrEqual(5);
    expect(counts[429]).toBeGreaterThanOrEqual(55);
  });

  it('a right password after 4 failures signs in and clears the name; the address keeps its count', async () => {
    const app = await buildTestApp(upstreamFor(env.sim), {
      auth: { failureDelayMs: 1, maxFailureDelayMs: 2 },
    });
    try {
      const url = await listen(app);
      const wrong = Array.from({ length: 4 }, (_, i) => ({ username: 'viewer', password: `nope ${i}` }));
      expect(tally(await together(url, '/api/session', wrong))).toEqual({ 401: 4 });
      await agent?.close();
      expect(await together(url, '/api/session', [{ username: 'viewer', password: TEST_PASSWORD }])).toEqual([
        200,
      ]);
      await agent?.close();
      // The name starts again from 0: four more failures are allowed before the fifth locks it.
      expect(tally(await together(url, '/api/session', wrong))).toEqual({ 401: 4 });
    } finally {
      await app.close();
    }
  });
});
