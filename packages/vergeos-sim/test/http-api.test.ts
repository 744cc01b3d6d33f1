import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../src/index';
import { anyOf, client, containing, control, matching, request, waitFor } from './helpers';

let sim: Simulator;
let api: ReturnType<typeof client>;
beforeAll(async () => {
  sim = await createSimulator({ timeScale: 0.001 });
  api = client(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

type Row = Record<string, unknown>;
const rows = (a: { json: unknown }) => a.json as Row[];

describe('query parameters and the URL encodings real clients use', () => {
  const variants = {
    plus: `/api/v4/vms?fields=%24key,name,machine,machine%23status%23status+as+status,machine%23status%23running+as+running&filter=is_snapshot+eq+false`,
    percent20: `/api/v4/vms?fields=%24key%2Cname%2Cmachine%2Cmachine%23status%23status%20as%20status%2Cmachine%23status%23running%20as%20running&filter=is_snapshot%20eq%20false`,
    dollarRaw: `/api/v4/vms?fields=$key,name,machine,machine%23status%23status%20as%20status,machine%23status%23running%20as%20running&filter=is_snapshot%20eq%20false`,
  };

  it('joins the machine status into the VM list, the same for every encoding', async () => {
    const answers = await Promise.all(Object.values(variants).map((p) => api.get(p)));
    for (const a of answers) expect(a.status).toBe(200);
    const [first, ...rest] = answers.map(rows);
    for (const r of rest) expect(r).toEqual(first);
    expect(first).toHaveLength(24);
    expect(first?.find((r) => r.$key === 42)).toEqual({
      $key: 42,
      name: 'test',
      machine: 54,
      status: 'stopped',
      running: false,
    });
    for (const r of first ?? [])
      expect(Object.keys(r)).toEqual(['$key', 'name', 'machine', 'status', 'running']);
  });

  it('lists snapshots unless filtered out', async () => {
    const all = rows(await api.get('/api/v4/vms?fields=$key,is_snapshot'));
    expect(all.filter((r) => r.is_snapshot === true).length).toBeGreaterThan(0);
    const noSnaps = rows(
      await api.get('/api/v4/vms?fields=$key,is_snapshot&filter=is_snapshot%20eq%20false'),
    );
    expect(noSnaps.every((r) => r.is_snapshot === false)).toBe(true);
  });

  it('machine_status by path and by filter give the same row', async () => {
    const byPath = await api.get('/api/v4/machine_status/54?fields=most');
    const byFilter = await api.get('/api/v4/machine_status?fields=most&filter=machine+eq+54');
    expect(rows(byFilter)).toEqual([byPath.json]);
  });

  it('sort, limit, offset, string filters and the node name through two joins', async () => {
    const sorted = rows(await api.get('/api/v4/vms?fields=$key,name&sort=-$key&limit=3'));
    expect(sorted.map((r) => r.$key)).toEqual([...sorted.map((r) => r.$key as number)].sort((a, b) => b - a));
    expect(sorted).toHaveLength(3);
    const page2 = rows(await api.get('/api/v4/vms?fields=$key&limit=2&offset=2'));
    const all = rows(await api.get('/api/v4/vms?fields=$key'));
    expect(page2).toEqual(all.slice(2, 4));
    expect(rows(await api.get("/api/v4/vms?fields=name&filter=name%20eq%20'test'"))).toEqual([
      { name: 'test' },
    ]);
    const withNode = rows(
      await api.get(
        '/api/v4/vms?fields=name,machine%23status%23node%23name%20as%20node_name&filter=is_snapshot%20eq%20false',
      ),
    );
    expect(withNode.some((r) => typeof r.node_name === 'string' && /^node\d$/.test(r.node_name))).toBe(true);
    expect(withNode.find((r) => r.name === 'test')?.node_name).toBeNull();
  });

  it('fields=summary is the default; most and all are wider', async () => {
    const summary = (await api.get('/api/v4/vms/42')).json as Row;
    const most = (await api.get('/api/v4/vms/42?fields=most')).json as Row;
    const all = (await api.get('/api/v4/vms/42?fields=all')).json as Row;
    expect(Object.keys(summary).length).toBeLessThan(Object.keys(most).length);
    expect(Object.keys(most).length).toBeLessThan(Object.keys(all).length);
    expect(most).not.toHaveProperty('powerstate');
  });

  it('unsupported operators and malformed filters: 422 Invalid argument', async () => {
    for (const f of [
      'name%20like%20%27x%27',
      'name%20in%20(1)',
      'name%20eq',
      '(name%20eq%20%27a%27',
      'nope%20eq%201',
    ]) {
      const a = await api.get(`/api/v4/vms?filter=${f}`);
      expect(a.status, f).toBe(422);
      expect(a.json).toEqual({ err: 'Invalid argument' });
    }
    expect((await api.get('/api/v4/vms?limit=-1')).status).toBe(422);
  });

  it('serves nodes, system and version', async () => {
    const nodes = rows(await api.get('/api/v4/nodes?fields=most'));
    expect(nodes.map((n) => n.name)).toEqual(['node1', 'node2', 'node3', 'node4']);
    expect(nodes[0]).toMatchObject({ cores: anyOf(Number), vm_ram: anyOf(Number) });
    expect((await api.get('/api/v4/nodes/2?fields=name')).json).toEqual({ name: 'node2' });
    expect((await api.get('/api/v4/system?fields=$key,yb_version,os_version,cloud_name')).json).toEqual({
      $key: 1,
      yb_version: '26.1.3',
      os_version: '26.1.3',
      cloud_name: 'Powerdeck Simulator',
    });
  });

  it('X-JSON-Non-Compact: 1 pretty-prints', async () => {
    const a = await api.get('/api/v4/vms/42?fields=name', { headers: { 'x-json-non-compact': '1' } });
    expect(a.text).toContain('\n');
    expect(a.json).toEqual({ name: 'test' });
  });
});

describe('error bodies', () => {
  it('404 for an unknown key or path; 405 for a wrong method', async () => {
    for (const p of [
      '/api/v4/vms/4242',
      '/api/v4/machine_status/4242',
      '/api/v4/nodes/99',
      '/api/v4/vms/abc',
    ]) {
      const a = await api.get(p);
      expect(a.status, p).toBe(404);
      expect(a.json).toEqual({ err: anyOf(String) });
    }
    expect((await api.get('/api/v4/nope')).status).toBe(404);
    const del = await request(sim.url, '/api/v4/vms/42', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${sim.apiKey}` },
    });
    expect(del.status).toBe(405);
    expect(del.json).toEqual({ err: 'Method DELETE is not allowed on /api/v4/vms/42' });
    // Allow names what the path takes.
    expect(del.headers.allow).toBe('GET, HEAD');
    const get = await request(sim.url, '/api/v4/vm_actions', {
      headers: { authorization: `Bearer ${sim.apiKey}` },
    });
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
  });

  it('404 for an action on an unknown VM', async () => {
    const a = await api.action({ action: 'poweron', vm: 4242 });
    expect(a.status).toBe(404);
    expect(a.json).toEqual({ err: containing('4242') });
  });

  it('409 with err and error', async () => {
    const a = await api.action({ action: 'poweroff', vm: 42 });
    expect(a.status).toBe(409);
    expect(a.json).toEqual({
      err: "Error stopping machine: Machine is not running with status 'stopped'",
      error: 'Cannot power off VM: not in running state',
    });
    await api.action({ action: 'poweron', vm: 42 });
    await waitFor(async () => ((await api.status(54)).status === 'running' ? true : undefined));
    const again = await api.action({ action: 'poweron', vm: 42 });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({
      err: "Error starting machine: Machine is already running with status 'running'",
      error: 'Cannot power on VM: already in running state',
    });
  });

  it("422 for an action not in the list, with VergeOS's text", async () => {
    const a = await api.action({ action: 'guestreset', vm: 42 });
    expect(a.status).toBe(422);
    expect(a.json).toEqual({ err: "value 'guestreset' is not in list for field 'action'" });
  });

  it('507 when no node has the room, saying what is short', async () => {
    const nodes = rows(await api.get('/api/v4/nodes?fields=$key'));
    for (const n of nodes) {
      const node = (await control(sim).get(`/nodes/${String(n.$key)}`)).json as {
        used: { cores: number; vm_ram: number };
      };
      await control(sim).put(`/nodes/${String(n.$key)}`, { vm_ram: node.used.vm_ram + 4096 });
    }
    const a = await api.action({ action: 'poweron', vm: 42 });
    expect(a.status).toBe(507);
    expect(a.json).toEqual({
      err: matching(
        /^Error starting machine: Insufficient resources to start VM 'test': not enough free RAM \(needs 16384 MB, at most 4096 MB free on node\d\)$/,
      ),
      error: 'Insufficient cluster resources to start VM',
    });
    expect((await api.status(54)).status).toBe('stopped');
  });
});

describe('vm_actions', () => {
  it('201 with the VergeOS receipt; vm as a number or a numeric string', async () => {
    const a = await api.action({ action: 'poweron', params: {}, vm: '42' });
    expect(a.status).toBe(201);
    expect(a.json).toEqual({ location: '/vm_actions/1', dbpath: 'vm_actions/1', $row: 1, $key: '1' });
    const b = await api.action({ vm: 42, action: 'kill' });
    expect(b.json).toMatchObject({ $key: '2' });
  });

  it('runs after the answer: running and powerstate stay true while starting and stopping', async () => {
    const slow = await createSimulator({ timeScale: 0.05 });
    try {
      const c = client(slow);
      await c.action({ action: 'poweron', vm: 42 });
      expect(await c.status(54)).toMatchObject({ status: 'starting', running: true, powerstate: true });
      await waitFor(async () => ((await c.status(54)).status === 'running' ? true : undefined));
      const killed = await c.action({ action: 'kill', vm: 42 });
      expect(killed.status).toBe(201);
      expect(await c.status(54)).toMatchObject({ status: 'stopping', running: true, powerstate: true });
      const stopped = await waitFor(async () => {
        const s = await c.status(54);
        return s.status === 'stopped' ? s : undefined;
      });
      expect(stopped).toMatchObject({ running: false, powerstate: false, node: null, running_cores: 3 });
    } finally {
      await slow.close();
    }
  });

  it('poweron with params.preferred_node starts there', async () => {
    const a = await api.action({ action: 'poweron', vm: 42, params: { preferred_node: 3 } });
    expect(a.status).toBe(201);
    expect((await api.status(54)).node).toBe(3);
  });
});

describe('bad input changes nothing', () => {
  const bad: [string, unknown, number, string | RegExp][] = [
    ['malformed JSON', '{"action": "poweron", "vm": 42', 400, /JSON/],
    ['a JSON array', '[1,2]', 400, /object/],
    ['an empty body', '', 400, /object/],
    ['a missing vm', { action: 'poweron' }, 422, "Missing required field 'vm'"],
    ['a missing action', { vm: 42 }, 422, "Missing required field 'action'"],
    [
      'vm of the wrong type',
      { action: 'poweron', vm: true },
      422,
      "value 'true' is not valid for field 'vm'",
    ],
    [
      'a non-numeric vm string',
      { action: 'poweron', vm: '42abc' },
      422,
      "value '42abc' is not valid for field 'vm'",
    ],
    ['a fractional vm', { action: 'poweron', vm: 42.5 }, 422, /field 'vm'/],
    ['a negative vm', { action: 'poweron', vm: -42 }, 422, /field 'vm'/],
    ['action of the wrong type', { action: 1, vm: 42 }, 422, /field 'action'/],
    ['an unknown field', { action: 'poweron', vm: 42, force: true }, 422, "Invalid field 'force'"],
    [
      'an unknown param',
      { action: 'poweron', vm: 42, params: { node: 1 } },
      422,
      "Invalid field 'params.node'",
    ],
    [
      'a param of another action',
      { action: 'poweron', vm: 42, params: { graceful: true } },
      422,
      /params.graceful/,
    ],
    ['params not an object', { action: 'poweron', vm: 42, params: [] }, 422, /params/],
    [
      'graceful not a boolean',
      { action: 'reset', vm: 42, params: { graceful: 'yes' } },
      422,
      /params.graceful/,
    ],
    [
      'a preferred node that does not exist',
      { action: 'poweron', vm: 42, params: { preferred_node: 99 } },
      422,
      /preferred_node/,
    ],
    [
      'a prototype-polluting body',
      '{"action":"poweron","vm":42,"__proto__":{"admin":true}}',
      422,
      /__proto__/,
    ],
  ];

  it.each(bad)('%s', async (_name, body, status, message) => {
    const before = await api.status(54);
    const a = await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
      body,
    });
    expect(a.status).toBe(status);
    const json = a.json as { err: string };
    expect(Object.keys(json)).toEqual(['err']);
    if (typeof message === 'string') expect(json.err).toBe(message);
    else expect(json.err).toMatch(message);
    expect(await api.status(54)).toEqual(before);
    expect((await control(sim).get('/stats')).json).toMatchObject({ actions: {} });
  });

  it('a huge body: 413', async () => {
    const a = await api.action({ action: 'poweron', vm: 42, pad: 'x'.repeat(100_000) });
    expect(a.status).toBe(413);
    expect(a.json).toEqual({ err: containing('too large') });
    expect((await api.status(54)).status).toBe('stopped');
  });

  it('a JSON body sent without a JSON content type is still read (curl -d)', async () => {
    const a = await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: { action: 'poweron', vm: 42 },
    });
    expect(a.status).toBe(201);
  });
});
