// Two Powerdeck servers on one PostgreSQL database, each scraped: powerdeck_leader is 1 on the one that leads and 0
// on the other, powerdeck_info names each server, only the leader's poll histogram moves (it alone polls), every
// server reads the shared poll age; when the leader closes, the other takes over and its gauge turns 1.
import { describe, expect, it, vi } from 'vitest';
import { clusterDatabase, clusterServer, leaders, type Server } from './cluster-support';
import { METRICS_TOKEN, scrape } from './metrics-support';
import { SCALE } from './operations-support';
import { startTestSim } from './support';

const WAIT = { timeout: 15_000, interval: 25 };

describe('metrics with several servers', { timeout: 30_000 }, () => {
  it('says which server leads, names each server, and counts polls only where they happen', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { url, dir } = await clusterDatabase();
    const servers: Server[] = [];
    for (const name of ['pd-1', 'pd-2']) {
      servers.push(await clusterServer(sim, url, dir, name, { metrics: { token: METRICS_TOKEN } }));
    }
    await vi.waitFor(() => expect(leaders(servers)).toHaveLength(1), WAIT);
    const leader = leaders(servers)[0]!;
    const follower = servers.find((s) => s !== leader)!;
    await vi.waitFor(async () => {
      const s = await scrape(leader.app);
      expect(s.count('powerdeck_fleet_poll_duration_seconds', { outcome: 'ok' })).toBeGreaterThanOrEqual(2);
      expect(
        await scrape(follower.app).then((f) => f.value('powerdeck_fleet_last_successful_poll_age_seconds')),
      ).toBeGreaterThanOrEqual(0);
    }, WAIT);

    const [l, f] = [await scrape(leader.app), await scrape(follower.app)];
    expect(l.value('powerdeck_leader')).toBe(1);
    expect(f.value('powerdeck_leader')).toBe(0);
    expect(l.samples('powerdeck_info')[0]?.labels?.server).toBe(leader.name);
    expect(f.samples('powerdeck_info')[0]?.labels?.server).toBe(follower.name);
    expect(f.count('powerdeck_fleet_poll_duration_seconds', {})).toBe(0);
    expect(f.sum('powerdeck_upstream_requests_total', { route: 'vms' })).toBe(0);
    expect(l.sum('powerdeck_upstream_requests_total', { route: 'vms' })).toBeGreaterThanOrEqual(2);

    await leader.close();
    await vi.waitFor(async () => {
      expect((await scrape(follower.app)).value('powerdeck_leader')).toBe(1);
      expect(
        (await scrape(follower.app)).count('powerdeck_fleet_poll_duration_seconds', { outcome: 'ok' }),
      ).toBeGreaterThanOrEqual(1);
    }, WAIT);
  });
});
