// Unit tests of the client's surface with an injected fetch: which request each call sends, what it returns.
import { describe, expect, it } from 'vitest';
import { MACHINE_STATUS_FIELDS, DEFAULT_VM_FIELDS, createVergeClient, filter } from '../src/index';
import type { MachineStatus, VergeClientOptions, VmRow } from '../src/index';
import { fakeFetch, machineStatus, respond } from './helpers/fake-fetch';
import type { Handler } from './helpers/fake-fetch';

const RECEIPT = { location: '/vm_actions/9', dbpath: 'vm_actions/9', $row: 1, $key: '9' };

function setup(handler: Handler, options: Partial<VergeClientOptions> = {}) {
  const fetch = fakeFetch(handler);
  const client = createVergeClient({
    baseUrl: 'https://vergeos.test',
    auth: { type: 'apiKey', apiKey: 'key' },
    fetch,
    ...options,
  });
  return { fetch, client };
}

const params = (fetch: ReturnType<typeof fakeFetch>, i = 0) =>
  Object.fromEntries(fetch.calls[i]?.url.searchParams.entries() ?? []);

describe('vms', () => {
  it('list asks for the joined power state and leaves snapshots out', async () => {
    const rows = [{ $key: 42, name: 'test', machine: 54, status: 'stopped' }];
    const { fetch, client } = setup(() => respond(200, rows));
    const vms: VmRow[] = await client.vms.list();
    expect(vms).toEqual(rows);
    expect(fetch.calls[0]?.method).toBe('GET');
    expect(fetch.calls[0]?.url.pathname).toBe('/api/v4/vms');
    expect(params(fetch)).toEqual({ fields: DEFAULT_VM_FIELDS.join(','), filter: 'is_snapshot eq false' });
    expect(DEFAULT_VM_FIELDS).toContain('machine#status#status as status');
    expect(DEFAULT_VM_FIELDS).toContain('machine#status#running as running');
  });

  it('list ANDs the caller filter after the snapshot filter, parenthesised when compound', async () => {
    const { fetch, client } = setup(() => respond(200, []));
    await client.vms.list({ filter: filter.or(filter.bw('name', 'web'), filter.bw('name', 'db')) });
    await client.vms.list({ filter: "name eq 'x' or name eq 'y'" });
    await client.vms.list({ filter: filter.eq('name', 'x') });
    await client.vms.list({
      filter: 'name eq 1',
      includeSnapshots: true,
      fields: 'most',
      sort: '+name',
      limit: 0,
    });
    expect(params(fetch, 0).filter).toBe("is_snapshot eq false and (name bw 'web' or name bw 'db')");
    expect(params(fetch, 1).filter).toBe("is_snapshot eq false and (name eq 'x' or name eq 'y')");
    expect(params(fetch, 2).filter).toBe("is_snapshot eq false and name eq 'x'");
    expect(params(fetch, 3)).toEqual({ fields: 'most', filter: 'name eq 1', sort: '+name', limit: '0' });
  });

  it('get reads one VM by key (number or numeric string) and refuses anything else', async () => {
    const { fetch, client } = setup(() => respond(200, { $key: 42, name: 'test', machine: 54 }));
    await expect(client.vms.get(42)).resolves.toMatchObject({ machine: 54 });
    await client.vms.get('42', { fields: 'most' });
    expect(fetch.calls.map((c) => c.url.pathname)).toEqual(['/api/v4/vms/42', '/api/v4/vms/42']);
    expect(params(fetch, 0).fields).toBe(DEFAULT_VM_FIELDS.join(','));
    expect(params(fetch, 1).fields).toBe('most');
    for (const bad of ['abc', '42/../1', '-1', 1.5, Number.NaN, '']) {
      await expect(client.vms.get(bad)).rejects.toThrow(TypeError);
    }
    expect(fetch.calls).toHaveLength(2);
  });
});

describe('machine status and nodes', () => {
  it('machineStatus.get reads by machine key, with every column by default', async () => {
    const row = machineStatus('running');
    const { fetch, client } = setup(() => respond(200, row));
    const status: MachineStatus = await client.machineStatus.get(54);
    expect(status).toEqual(row);
    expect(fetch.calls[0]?.url.pathname).toBe('/api/v4/machine_status/54');
    expect(params(fetch).fields).toBe(MACHINE_STATUS_FIELDS.join(','));
    expect(MACHINE_STATUS_FIELDS).toHaveLength(19);
    await client.machineStatus.get(54, { fields: ['powerstate', 'running', 'status'] });
    expect(fetch.calls[1]?.rawUrl).toBe(
      'https://vergeos.test/api/v4/machine_status/54?fields=powerstate%2Crunning%2Cstatus',
    );
  });

  it('machineStatus.list filters', async () => {
    const { fetch, client } = setup(() => respond(200, [machineStatus('stopped')]));
    const rows = await client.machineStatus.list({ filter: filter.eq('machine', 54), fields: 'most' });
    expect(rows).toHaveLength(1);
    expect(fetch.calls[0]?.url.pathname).toBe('/api/v4/machine_status');
    expect(params(fetch)).toEqual({ filter: 'machine eq 54', fields: 'most' });
  });

  it('nodes.list', async () => {
    const { fetch, client } = setup(() => respond(200, [{ $key: 1, name: 'node1' }]));
    await expect(client.nodes.list()).resolves.toEqual([{ $key: 1, name: 'node1' }]);
    expect(fetch.calls[0]?.rawUrl).toBe('https://vergeos.test/api/v4/nodes');
  });
});

describe('actions', () => {
  it('POST /api/v4/vm_actions with {vm, action, params} and return the receipt', async () => {
    const { fetch, client } = setup(() => respond(201, RECEIPT));
    await expect(client.actions.powerOn(42)).resolves.toEqual(RECEIPT);
    await client.actions.powerOn('42', { preferredNode: 2 });
    await client.actions.powerOff(42);
    await client.actions.kill(42);
    await client.actions.reset(42, { graceful: true });
    await client.actions.reset(42);
    await client.actions.hibernate(42);
    await client.actions.send({ vm: '7', action: 'poweron', params: { preferred_node: 1 } });
    for (const c of fetch.calls) {
      expect(c.method).toBe('POST');
      expect(c.rawUrl).toBe('https://vergeos.test/api/v4/vm_actions');
      expect(c.headers['content-type']).toBe('application/json');
    }
    expect(fetch.calls.map((c) => c.body)).toEqual([
      { vm: 42, action: 'poweron', params: {} },
      { vm: 42, action: 'poweron', params: { preferred_node: 2 } },
      { vm: 42, action: 'poweroff', params: {} },
      { vm: 42, action: 'kill', params: {} },
      { vm: 42, action: 'reset', params: { graceful: true } },
      { vm: 42, action: 'reset', params: {} },
      { vm: 42, action: 'hibernate', params: {} },
      { vm: 7, action: 'poweron', params: { preferred_node: 1 } },
    ]);
  });

  it('sends the caller’s request id as x-request-id, and none when not given', async () => {
    const { fetch, client } = setup(() => respond(201, RECEIPT));
    await client.actions.send({ vm: 42, action: 'kill' }, { requestId: 'req-7f3a' });
    await client.actions.powerOff(42);
    await client.vms.get(42, { requestId: 'req-read' });
    expect(fetch.calls.map((c) => c.headers['x-request-id'])).toEqual(['req-7f3a', undefined, 'req-read']);
  });

  it('refuses a VM key that is not one before sending anything', async () => {
    const { fetch, client } = setup(() => respond(201, RECEIPT));
    await expect(client.actions.kill('42 or 1')).rejects.toThrow(TypeError);
    expect(fetch.calls).toHaveLength(0);
  });
});
