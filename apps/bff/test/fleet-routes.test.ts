// GET /api/fleet: the poller's snapshot, ETag / If-None-Match, the response allow-list, and fan-out (the number
// of browsers never changes the load on VergeOS).
import { FleetNode, FleetSnapshot, FleetVm } from '@powerdeck/contracts/fleet';
import type { VergeClient } from '@powerdeck/vergeos-client';
import Value from 'typebox/value';
import { describe, expect, it, vi } from 'vitest';
import {
  WAIT,
  buildTestApp,
  firstPoll,
  getFleet,
  putVm,
  settledCounts,
  startTestSim,
  upstreamCount,
  upstreamFor,
} from './support';

const VMS = 'GET /api/v4/vms';
const NODES = 'GET /api/v4/nodes';

describe('GET /api/fleet', () => {
  it('answers the snapshot with an ETag, no-cache and JSON; 304 with an empty body for If-None-Match', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    await firstPoll(app);

    const first = await getFleet(app);
    expect(first.res.statusCode).toBe(200);
    expect(first.res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.res.headers['cache-control']).toBe('no-cache');
    expect(first.etag).toBe(app.fleet.current().etag);
    expect(first.res.body).toBe(app.fleet.current().body);
    expect(Value.Check(FleetSnapshot, first.snapshot)).toBe(true);
    expect(first.snapshot?.vms.find((v) => v.key === 42)).toMatchObject({
      machine: 54,
      name: 'test',
      lastUpdate: 1755993358,
    });

    const again = await getFleet(app, { 'if-none-match': first.etag });
    expect(again.res.statusCode).toBe(304);
    expect(again.res.body).toBe('');
    expect(again.etag).toBe(first.etag);
    expect(again.res.headers['cache-control']).toBe('no-cache');
    expect((await getFleet(app, { 'if-none-match': `W/${first.etag}` })).res.statusCode).toBe(304);
    expect((await getFleet(app, { 'if-none-match': `"other", ${first.etag}` })).res.statusCode).toBe(304);
    expect((await getFleet(app, { 'if-none-match': '"other"' })).res.statusCode).toBe(200);

    // A poll that changes nothing keeps the ETag.
    app.fleet.wake();
    await vi.waitFor(() => expect(app.fleet.status()).toMatchObject({ polls: 2, polling: false }), WAIT);
    expect((await getFleet(app, { 'if-none-match': first.etag })).res.statusCode).toBe(304);

    // A change in VergeOS: 200 with a new ETag, then 304 for that one.
    await putVm(sim, 1, { status: 'stopped' });
    app.fleet.wake();
    await vi.waitFor(async () => {
      expect((await getFleet(app, { 'if-none-match': first.etag })).res.statusCode).toBe(200);
    }, WAIT);
    const changed = await getFleet(app, { 'if-none-match': first.etag });
    expect(changed.etag).not.toBe(first.etag);
    expect(changed.snapshot?.vms.find((v) => v.key === 1)).toMatchObject({
      status: 'stopped',
      running: false,
      node: null,
    });
    expect((await getFleet(app, { 'if-none-match': changed.etag })).res.statusCode).toBe(304);
  });

  it('before the first successful poll: 200, stale, "waiting for the first poll", empty lists', async () => {
    const sim = await startTestSim({ scenario: 'hang' });
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 50 } });
    const { res, snapshot, etag } = await getFleet(app);
    expect(res.statusCode).toBe(200);
    expect(snapshot).toEqual({
      fetchedAt: null,
      stale: true,
      staleReason: 'waiting for the first poll',
      staleSince: null,
      pollIntervalMs: 50,
      normalIntervalMs: 50,
      vms: [],
      nodes: [],
    });
    expect((await getFleet(app, { 'if-none-match': etag })).res.statusCode).toBe(304);
  });

  it('never lets an extra upstream field out: only contract fields leave', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 60_000 },
      beforeReady(a) {
        // VergeOS (or a future version of it) sends more than was asked for.
        const client = a.vergeos.client;
        const vms = client.vms.list.bind(client.vms);
        const nodes = client.nodes.list.bind(client.nodes);
        client.vms.list = (async (options) =>
          (await vms(options)).map((row) => ({
            ...row,
            api_key_hint: 'LEAK-sk-12345',
            console_pass: 'LEAK-console',
            agent_guest_info: [{ ip: 'LEAK-10.1.2.3' }],
          }))) as VergeClient['vms']['list'];
        client.nodes.list = async (options) =>
          (await nodes(options)).map((row) => ({ ...row, ipmi_password: 'LEAK-ipmi' }));
      },
    });
    await firstPoll(app);
    const { res, snapshot } = await getFleet(app);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('LEAK');
    expect(snapshot).not.toBeNull();
    expect(Object.keys(snapshot ?? {}).sort()).toEqual(Object.keys(FleetSnapshot.properties).sort());
    const vmKeys = Object.keys(FleetVm.properties).sort();
    const nodeKeys = Object.keys(FleetNode.properties).sort();
    for (const vm of snapshot?.vms ?? []) expect(Object.keys(vm).sort()).toEqual(vmKeys);
    for (const node of snapshot?.nodes ?? []) expect(Object.keys(node).sort()).toEqual(nodeKeys);
    expect(Value.Check(FleetSnapshot, snapshot)).toBe(true);
    // Value.Clean against the contract removes nothing: the body is already exactly the contract.
    expect(Value.Clean(FleetSnapshot, structuredClone(snapshot))).toEqual(snapshot);
  });

  it('50 concurrent clients cause the same upstream requests per tick as one client: 2', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 40 } });
    await firstPoll(app);

    async function window(clients: number, requestsEach: number) {
      const before = await settledCounts(app, sim);
      let ok = 0;
      let notModified = 0;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          let etag: string | undefined;
          for (let i = 0; i < requestsEach; i++) {
            const { res, etag: e } = await getFleet(app, etag ? { 'if-none-match': etag } : {});
            if (res.statusCode === 200) ok += 1;
            else if (res.statusCode === 304) notModified += 1;
            etag = e;
            await new Promise((r) => setTimeout(r, 5));
          }
        }),
      );
      const after = await settledCounts(app, sim);
      const diff = (route: string) => upstreamCount(after.stats, route) - upstreamCount(before.stats, route);
      return {
        ticks: after.polls - before.polls,
        vms: diff(VMS),
        nodes: diff(NODES),
        total: after.stats.total - before.stats.total,
        ok,
        notModified,
      };
    }

    const one = await window(1, 40);
    const fifty = await window(50, 40);
    expect(one.ok + one.notModified).toBe(40);
    expect(fifty.ok + fifty.notModified).toBe(2000);
    expect(fifty.notModified).toBeGreaterThan(1900);
    for (const w of [one, fifty]) {
      expect(w.ticks).toBeGreaterThanOrEqual(2);
      expect({ vms: w.vms, nodes: w.nodes, total: w.total }).toEqual({
        vms: w.ticks,
        nodes: w.ticks,
        total: 2 * w.ticks,
      });
    }
  });
});
