// Upstream TLS: verified by default, a pinned CA works, insecure works but warns.
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, LogCapture, startSim, upstreamFor } from './support';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ tls: true });
});
afterAll(async () => {
  await sim.close();
});

describe('upstream TLS', () => {
  it('refuses an unverified certificate with 502 and says how to pin it', async () => {
    const app = await buildTestApp(upstreamFor(sim));
    try {
      const res = await app.inject({ url: '/api/v4/vms/42', headers: app.adminHeaders });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({
        code: 'upstream_tls',
        err: expect.stringMatching(/VERGEOS_CA_FILE/),
      });
      const fleet = await app.inject({ url: '/api/fleet', headers: app.adminHeaders });
      expect(fleet.json()).toMatchObject({ stale: true });
    } finally {
      await app.close();
    }
  });

  it('trusts a pinned CA', async () => {
    expect(sim.caFile).toBeTruthy();
    const app = await buildTestApp(upstreamFor(sim, { caFile: sim.caFile! }));
    try {
      const res = await app.inject({ url: '/api/v4/vms/42?fields=name', headers: app.adminHeaders });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ name: 'test' });
      await expect
        .poll(
          async () =>
            (await app.inject({ url: '/api/fleet', headers: app.adminHeaders })).json<{ stale: boolean }>()
              .stale,
          { timeout: 5000 },
        )
        .toBe(false);
    } finally {
      await app.close();
    }
  });

  it('skips verification when told to, and warns', async () => {
    const logs = new LogCapture();
    const app = await buildTestApp(upstreamFor(sim, { insecureTls: true }), { logs });
    try {
      const res = await app.inject({ url: '/api/v4/vms/42?fields=name', headers: app.adminHeaders });
      expect(res.statusCode).toBe(200);
      expect(logs.text).toMatch(/VERGEOS_INSECURE_TLS=true/);
    } finally {
      await app.close();
    }
  });
});
