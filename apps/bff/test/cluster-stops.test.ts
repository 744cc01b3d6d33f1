// The wall's recent stops (`GET /api/fleet/stops`) with several Powerdeck servers on one PostgreSQL database (issue
// 17), in one process: real apps, each with its own pool, event connection and lease, against one simulator (time
// scale 0.01). Behind a round-robin load balancer every server must answer the same list, or the wall's "went down
// unexpectedly" marks flicker from poll to poll: the leader's list is stored and every server serves it, a server
// started after the stop and a new leader after a rolling restart included.
import { FleetStops, type FleetStop } from '@powerdeck/contracts/fleet';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import Value from 'typebox/value';
import { describe, expect, it, vi } from 'vitest';
import { putVm, SCALE } from './operations-support';
import { clusterDatabase, clusterServer, leaders, type Server } from './cluster-support';
import { signIn, startTestSim, type AuthHeaders } from './support';

const WAIT = { timeout: 15_000, interval: 25 };

async function stopsOn(s: Server, headers: AuthHeaders): Promise<FleetStop[]> {
  const res = await s.app.inject({ method: 'GET', url: '/api/fleet/stops', headers });
  expect(res.statusCode).toBe(200);
  const body: unknown = res.json();
  expect(Value.Check(FleetStops, body)).toBe(true);
  return (body as FleetStops).stops;
}

/** Every server's answer, once they are all the same and `expected` (then returned). */
async function everyServerLists(
  servers: Server[],
  headers: AuthHeaders,
  expected: unknown[],
): Promise<FleetStop[]> {
  return vi.waitFor(async () => {
    const lists = await Promise.all(servers.map((s) => stopsOn(s, headers)));
    expect(lists[0]).toEqual(expected);
    for (const l of lists) expect(l).toEqual(lists[0]);
    return lists[0]!;
  }, WAIT);
}

function runningKeys(s: Server, n: number): number[] {
  const keys = s.app.fleet
    .current()
    .snapshot.vms.filter((v) => v.status === 'running')
    .map((v) => v.key);
  expect(keys.length).toBeGreaterThanOrEqual(n);
  return keys.slice(0, n);
}

describe('recent stops with several servers on one PostgreSQL database', () => {
  it('every server lists the same stops: one started after the stop, and a new leader after a rolling restart', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { url, dir } = await clusterDatabase(['viewer', 'admin']);
    const first = [await clusterServer(sim, url, dir, 'pd-1'), await clusterServer(sim, url, dir, 'pd-2')];
    await vi.waitFor(() => expect(leaders(first)).toHaveLength(1), WAIT);
    // The leader's first snapshot is its baseline (nothing stopped "unexpectedly" before it).
    await vi.waitFor(() => {
      for (const s of first) expect(s.app.fleet.current().snapshot.fetchedAt).not.toBeNull();
    }, WAIT);
    for (const s of first) await s.app.fleetStops.settled();
    const headers = await signIn(first[1]!.app, 'viewer');
    expect(await stopsOn(first[0]!, headers)).toEqual([]);

    // A VM goes down outside Powerdeck: both servers list it, with the same entry (the same time).
    const [crashed, shutDown] = runningKeys(first[0]!, 2) as [number, number];
    await putVm(sim, crashed, { status: 'stopped' });
    const listed = await everyServerLists(first, headers, [
      { key: crashed, at: expect.any(String), status: 'stopped', by: null },
    ]);

    // Servers started after the stop (a rolling upgrade's) list it too, from the first request on.
    const late = [await clusterServer(sim, url, dir, 'pd-3'), await clusterServer(sim, url, dir, 'pd-4')];
    for (const s of late) expect(await stopsOn(s, headers)).toEqual(listed);

    // The servers that saw the stop go, the leader first: one that never saw it leads, and still lists it.
    const [leader] = leaders(first) as [Server];
    await leader.close();
    await first.find((s) => s !== leader)!.close();
    await vi.waitFor(() => expect(leaders(late)).toHaveLength(1), WAIT);
    const next = leaders(late)[0]!;
    // Its first list (the stored one merged with its own) is stored once it leads.
    const epoch = next.app.cluster!.lease.epoch();
    await vi.waitFor(async () => {
      const r = await next.stores.pool.query<{ epoch: number }>('SELECT epoch FROM fleet_stops WHERE id = 1');
      expect(r.rows[0]?.epoch).toBe(epoch);
    }, WAIT);
    await everyServerLists(late, headers, listed);

    // A later stop, through Powerdeck and through the server that does not lead, is listed everywhere, named.
    const other = late.find((s) => s !== next)!;
    const admin = await signIn(other.app, 'admin');
    await putVm(sim, shutDown, { ignores_acpi: false, shutdown_seconds: 5 });
    const res = await other.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: { ...admin, [CSRF_HEADER]: '1' },
      payload: { vm: shutDown, action: 'poweroff' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const both = await everyServerLists(late, headers, [
      { key: shutDown, at: expect.any(String), status: 'stopped', by: 'admin' },
      listed[0],
    ]);
    expect(Date.parse(both[0]!.at)).toBeGreaterThanOrEqual(Date.parse(listed[0]!.at));

    // A VM that runs again leaves every server's list.
    await putVm(sim, crashed, { status: 'running' });
    await everyServerLists(late, headers, [both[0]]);
  }, 30_000);
});
