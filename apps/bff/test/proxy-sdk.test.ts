// A client that connects the way the public VergeOS SDKs do (pyvergeos, govergeos): it reads the system row, lists the
// nodes, lists VMs with their joined power state, finds a VM by name through `filter`, powers it on, reboots it
// gracefully, shuts it down, and reads its machine status by filter, encoding its queries as `requests` and Go's
// url.Values do (`+` for spaces, `$`, `#` and `,` percent-encoded). It runs against the BFF with a Powerdeck personal
// token, over plain HTTP and over HTTPS through a TLS-terminating proxy in front of the BFF, with the proxy's
// certificate verified against a pinned CA.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { simStats, tokenHeaders, useSimApp } from './support';
import { testCa } from './test-ca';

const env = useSimApp({
  resetSim: true,
  waitForFirstPoll: true,
  clearStats: true,
  // Behind the test's TLS proxy (one hop, on loopback).
  app: { auth: { trustProxy: 1 } },
});

const form = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, '+')}`)
    .join('&');

type Row = Record<string, unknown>;

/** The SDK's default VM fields, less the joins Powerdeck does not pass (cluster, HA group). */
const VM_FIELDS = [
  '$key',
  'name',
  'description',
  'enabled',
  'cpu_cores',
  'ram',
  'os_family',
  'is_snapshot',
  'machine',
  'machine#status#status as status',
  'machine#status#running as running',
  'machine#status#node as node_key',
  'machine#status#node#name as node_name',
].join(',');
const STATUS_FIELDS =
  '$key,machine,running,status,status_info,state,powerstate,node,node#name as node_name,started,last_update';
const NODE_FIELDS =
  '$key,name,ram,vm_ram,cores,physical,maintenance,yb_version,cluster,cluster#name as cluster_name,machine';

/** A minimal VergeOS SDK: a base URL, a token sent as VergeOS keys are (Bearer), and a dispatcher (its TLS). */
class Sdk {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly dispatcher: Dispatcher,
  ) {}

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const res = await request(`${this.base}${path}`, {
      method,
      dispatcher: this.dispatcher,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, json: await res.body.json() };
  }

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const a = await this.call('GET', `${path}?${form(params)}`);
    if (a.status !== 200) throw new Error(`GET ${path}: ${a.status} ${JSON.stringify(a.json)}`);
    return a.json as T;
  }

  connect() {
    return this.get<Row>('/api/v4/system', { fields: '$key,yb_version,os_version,cloud_name' });
  }
  nodes() {
    return this.get<Row[]>('/api/v4/nodes', { fields: NODE_FIELDS });
  }
  node(key: number) {
    return this.get<Row>(`/api/v4/nodes/${key}`, { fields: NODE_FIELDS });
  }
  vms() {
    return this.get<Row[]>('/api/v4/vms', { filter: 'is_snapshot eq false', fields: VM_FIELDS });
  }
  async vmByName(name: string) {
    const rows = await this.get<Row[]>('/api/v4/vms', {
      filter: `(name eq '${name.replace(/['\\{]/g, (c) => `\\${c}`)}') and is_snapshot eq false`,
      fields: VM_FIELDS,
      limit: '1',
    });
    if (rows.length === 0) throw new Error(`no VM named ${name}`);
    return rows[0]!;
  }
  async machineStatus(machine: number) {
    const rows = await this.get<Row[]>('/api/v4/machine_status', {
      fields: STATUS_FIELDS,
      filter: `machine eq ${machine}`,
      limit: '1',
    });
    return rows[0]!;
  }
  async action(vm: number, action: string, params?: Row) {
    const a = await this.call('POST', '/api/v4/vm_actions', { vm, action, ...(params ? { params } : {}) });
    if (a.status !== 201) throw new Error(`${action}: ${a.status} ${JSON.stringify(a.json)}`);
    return a.json as Row;
  }
  async waitFor(machine: number, status: string) {
    for (let i = 0; i < 500; i++) {
      const s = await this.machineStatus(machine);
      if (s.status === status) return s;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`machine ${machine} never reached ${status}`);
  }
}

/** What the SDK does on a first connection, checked step by step. */
async function session(sdk: Sdk) {
  const system = await sdk.connect();
  expect(system).toEqual({
    $key: 1,
    yb_version: expect.any(String),
    os_version: expect.any(String),
    cloud_name: expect.any(String),
  });

  const nodes = await sdk.nodes();
  expect(nodes.length).toBeGreaterThan(0);
  for (const n of nodes) {
    expect(n).toMatchObject({
      name: expect.stringMatching(/^node\d$/),
      physical: true,
      cluster_name: 'Cluster1',
    });
  }
  expect(await sdk.node(nodes[0]!.$key as number)).toEqual(nodes[0]);

  const vms = await sdk.vms();
  expect(vms.length).toBeGreaterThan(1);
  expect(vms.find((v) => v.running === true)).toMatchObject({
    status: 'running',
    node_name: expect.any(String),
  });

  const vm = await sdk.vmByName('test');
  expect(vm).toMatchObject({ $key: 42, machine: 54, status: 'stopped', running: false, node_name: null });
  const machine = vm.machine as number;

  expect(await sdk.action(42, 'poweron')).toMatchObject({
    location: expect.stringMatching(/^\/vm_actions\/\d+$/),
  });
  expect(await sdk.waitFor(machine, 'running')).toMatchObject({
    machine: 54,
    running: true,
    powerstate: true,
    node_name: expect.stringMatching(/^node\d$/),
  });
  await sdk.action(42, 'reset', { graceful: true });
  await sdk.waitFor(machine, 'running');
  await sdk.action(42, 'poweroff');
  expect(await sdk.waitFor(machine, 'stopped')).toMatchObject({
    running: false,
    node: null,
    node_name: null,
  });
  expect((await sdk.vmByName('test')).status).toBe('stopped');
}

/** A throwaway CA and a certificate for 127.0.0.1 signed by it (the proxy's). */
const tlsMaterial = () => testCa('Powerdeck test CA', 'localhost');

/** A TLS-terminating proxy in front of `target`, as a deployment puts one (X-Forwarded-Proto/-For set). */
function tlsProxy(target: number, tls: { key: string; cert: string }): https.Server {
  return https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const up = http.request(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-proto': 'https',
          'x-forwarded-for': req.socket.remoteAddress,
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('an SDK-style client against the BFF, with a personal token', () => {
  it('connects, lists, finds by name, powers on, reboots gracefully, shuts down: over HTTP', async () => {
    await env.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = env.app.server.address() as AddressInfo;
    const token = (await tokenHeaders(env.app.testStores, 'admin')).authorization!.replace(/^Bearer /, '');
    const agent = new Agent();
    closers.push(() => agent.close());
    await session(new Sdk(`http://127.0.0.1:${port}`, token, agent));

    const stats = await simStats(env.sim);
    expect(stats.actions).toEqual({ poweron: 1, reset: 1, poweroff: 1 });
  });

  it('the same over HTTPS, through a TLS-terminating proxy, the certificate verified against a pinned CA', async () => {
    await env.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = env.app.server.address() as AddressInfo;
    const tls = await tlsMaterial();
    const proxy = tlsProxy(port, tls);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          proxy.closeAllConnections();
          proxy.close(() => resolve());
        }),
    );
    const httpsPort = (proxy.address() as AddressInfo).port;
    const token = (await tokenHeaders(env.app.testStores, 'admin')).authorization!.replace(/^Bearer /, '');

    // Without the pinned CA the client refuses the certificate: verification is on.
    const unpinned = new Agent();
    closers.push(() => unpinned.close());
    await expect(new Sdk(`https://127.0.0.1:${httpsPort}`, token, unpinned).connect()).rejects.toThrow();

    const agent = new Agent({ connect: { ca: tls.ca } });
    closers.push(() => agent.close());
    await session(new Sdk(`https://127.0.0.1:${httpsPort}`, token, agent));
    expect((await simStats(env.sim)).actions).toEqual({ poweron: 1, reset: 1, poweroff: 1 });
  });
});
