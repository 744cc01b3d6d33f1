// The alert sources with several Powerdeck servers on one PostgreSQL database (issue 17), in one process against one
// simulator: each server runs them as a leader duty, as plugins/alerts.ts does, so only the leader tells. A VM killed
// outside Powerdeck is told once, by the leader, though every server's tracker sees it; the first leader of a fresh
// database is no change; when it stops, the server that takes over tells so, naming both, and tells the VM's return
// (listed down by the previous leader) without telling its stop again.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { startAlertSources } from '../src/alerts/sources/index';
import type { AlertEventInput } from '../src/alerts/types';
import { clusterDatabase, clusterServer, leaders, type Server } from './cluster-support';
import { SCALE } from './operations-support';
import { simAction, startTestSim } from './support';

const WAIT = { timeout: 15_000, interval: 25 };

/** Registers the sources as a leader duty of the app; what they tell goes to `events`. */
function alertsDuty(events: AlertEventInput[]) {
  return (app: FastifyInstance) => {
    let stop: (() => void) | null = null;
    app.cluster!.duty({
      name: 'alerts',
      gain: () => {
        stop = startAlertSources(app, (e) => events.push(e), { unreachableAfterMs: 5 * 60_000 });
      },
      lose: () => {
        stop?.();
        stop = null;
      },
    });
  };
}

const of = (events: readonly AlertEventInput[], event: AlertEventInput['event']) =>
  events.filter((e) => e.event === event);

const statusOn = (s: Server, key: number) =>
  s.app.fleet.current().snapshot.vms.find((v) => v.key === key)?.status;

describe('alert sources with several servers', { timeout: 30_000 }, () => {
  it('only the leader tells; the server that takes over tells so, naming both, and what follows', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const { url, dir } = await clusterDatabase(['admin']);
    const heard1: AlertEventInput[] = [];
    const heard2: AlertEventInput[] = [];
    const pd1 = await clusterServer(sim, url, dir, 'pd-1', {}, alertsDuty(heard1));
    await vi.waitFor(() => expect(leaders([pd1])).toEqual([pd1]), WAIT);
    const pd2 = await clusterServer(sim, url, dir, 'pd-2', {}, alertsDuty(heard2));
    // Both have a baseline snapshot (nothing stopped "unexpectedly" before it).
    await vi.waitFor(() => {
      for (const s of [pd1, pd2]) expect(s.app.fleet.current().snapshot.fetchedAt).not.toBeNull();
    }, WAIT);
    for (const s of [pd1, pd2]) await s.app.fleetStopTracker.settled();

    const key = pd1.app.fleet.current().snapshot.vms.find((v) => v.status === 'running')!.key;
    await simAction(sim, key, 'kill');
    await vi.waitFor(() => expect(of(heard1, 'vm_down')).toHaveLength(1), WAIT);
    expect(of(heard1, 'vm_down')[0]!.vm).toMatchObject({ key, status: 'stopped' });
    // The other server's tracker saw the stop too, and decided the same; it does not lead, so it tells nothing.
    await vi.waitFor(() => expect(statusOn(pd2, key)).toBe('stopped'), WAIT);
    await pd2.app.fleetStopTracker.settled();
    await vi.waitFor(
      () => expect(pd2.app.fleetStops.list()).toEqual([expect.objectContaining({ key })]),
      WAIT,
    );
    expect(heard2).toEqual([]);
    // The first leader of a fresh database took over from nobody.
    expect(of(heard1, 'leader_changed')).toEqual([]);

    await pd1.close();
    await vi.waitFor(() => expect(leaders([pd2])).toEqual([pd2]), WAIT);
    await vi.waitFor(() => expect(of(heard2, 'leader_changed')).toHaveLength(1), WAIT);
    expect(of(heard2, 'leader_changed')[0]).toEqual({
      event: 'leader_changed',
      at: expect.any(Number),
      title: 'pd-2 took over from pd-1',
      text: expect.stringContaining('pd-1 led before'),
      server: 'pd-2',
    });

    // The VM runs again: the new leader tells its return (the previous one told its stop, which is not told again).
    await simAction(sim, key, 'poweron');
    await vi.waitFor(() => expect(of(heard2, 'vm_back')).toHaveLength(1), WAIT);
    expect(of(heard2, 'vm_back')[0]!.vm).toMatchObject({ key, status: 'running' });
    expect(heard2.map((e) => e.event)).toEqual(['leader_changed', 'vm_back']);
    expect(heard1.map((e) => e.event)).toEqual(['vm_down']);
  });
});
