// The fleet is live again as soon as VergeOS is (issue 12, finding 11): while the poller backs off from a failing
// VergeOS (up to 60 s between polls), a request the gateway forwards and VergeOS answers makes it probe at once,
// instead of leaving every dashboard stale while scripts already work. At most one early probe per poll interval.
import { describe, expect, it, vi } from 'vitest';
import { tokenHeaders, useSimApp } from './support';

const INTERVAL = 5_000;
const env = useSimApp({
  resetSim: true,
  waitForFirstPoll: true,
  app: {
    config: { poll: { intervalMs: INTERVAL, fastIntervalMs: INTERVAL, fastWindowMs: 0 } },
    // One failure engages the backoff: the next poll is min(60 s, 5 s x 2^1) = 10 s away, then 20 s...
    fleetBackoff: { afterFailures: 1, maxMs: 60_000 },
  },
});

async function failOnePoll() {
  env.sim.setScenario('unavailable');
  const before = env.app.fleet.status().consecutiveFailures;
  env.app.fleet.wake();
  await vi.waitFor(() => expect(env.app.fleet.status().consecutiveFailures).toBeGreaterThan(before), {
    timeout: 5_000,
    interval: 10,
  });
  expect(env.app.fleet.current().snapshot.stale).toBe(true);
  expect(env.app.fleet.status().pollIntervalMs).toBeGreaterThanOrEqual(10_000);
}

describe('the fleet after VergeOS comes back', () => {
  it('is live again right after the gateway gets an answer from VergeOS, not at the end of the backoff', async () => {
    await failOnePoll();
    env.sim.setScenario('none');
    const viewer = await tokenHeaders(env.app.testStores, 'viewer');
    const res = await env.app.inject({ url: '/api/v4/vms?fields=name', headers: viewer });
    expect(res.statusCode).toBe(200);
    await vi.waitFor(() => expect(env.app.fleet.current().snapshot.stale).toBe(false), {
      timeout: 3_000,
      interval: 20,
    });
  });

  it('probes at most once per poll interval however many gateway requests succeed', async () => {
    await failOnePoll();
    const polls = env.app.fleet.status().polls;
    const viewer = await tokenHeaders(env.app.testStores, 'viewer');
    for (let i = 0; i < 20; i += 1) {
      // 503 from VergeOS: not an answer that says it is back, no probe.
      await env.app.inject({ url: '/api/v4/vms?fields=name', headers: viewer });
    }
    expect(env.app.fleet.status().polls).toBe(polls);
    env.sim.setScenario('none');
    for (let i = 0; i < 20; i += 1) await env.app.inject({ url: '/api/v4/vms?fields=name', headers: viewer });
    await vi.waitFor(() => expect(env.app.fleet.current().snapshot.stale).toBe(false), {
      timeout: 3_000,
      interval: 20,
    });
    expect(env.app.fleet.status().polls).toBe(polls + 1);
  });
});
