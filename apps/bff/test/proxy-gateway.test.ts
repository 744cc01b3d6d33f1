// The VergeOS routes answer as VergeOS does (issue 13): query parameters VergeOS does not know are dropped, not
// refused; the read-only routes scripts and SDKs connect with (`/api/v4/system`, `/api/v4/nodes[/:key]`) serve
// VergeOS's answers, from allow-listed columns only; a malformed request gets VergeOS's code and words. Every
// answer is compared with the simulator's own answer to the same request, and what reached it is read from
// /__sim/stats.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { normaliseErrorBody } from '../src/routes/vergeos';
import { clearSimStats, simStats, tokenHeaders, useSimApp, type AuthHeaders } from './support';

const env = useSimApp({ resetSim: true, waitForFirstPoll: true, clearStats: true });

let viewer: AuthHeaders;
beforeEach(async () => {
  viewer = await tokenHeaders(env.app.testStores, 'viewer');
});

/** A script with a viewer's personal token. */
function get(url: string, headers: AuthHeaders = viewer) {
  return env.app.inject({ method: 'GET', url, headers });
}

/** The same request to VergeOS itself, with its key: status and body text. */
async function direct(url: string, init: { method?: string; body?: string } = {}) {
  const res = await fetch(`${env.sim.url}${url}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${env.sim.apiKey}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: res.status, text: await res.text(), allow: res.headers.get('allow') };
}

/** What the BFF answers VergeOS's answer as: the body as it is on success, `err` and `error` both on an error. */
function asThroughBff(answer: { status: number; text: string }): unknown {
  return answer.status < 400 ? JSON.parse(answer.text) : normaliseErrorBody(answer.status, answer.text);
}

/** Every request that reached the simulator through the VergeOS routes (they carry an x-request-id; the fleet
 * poller's reads and this file's direct requests do not). */
async function reached() {
  return (await simStats(env.sim)).log.filter((e) => e.requestId !== null).map((e) => `${e.method} ${e.url}`);
}

/** A request sent byte for byte over HTTP (no client-side normalisation of `..`, `%2f` or `\`). */
async function raw(method: string, path: string, headers: AuthHeaders = viewer) {
  if (!env.app.server.listening) await env.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = env.app.server.address() as AddressInfo;
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>(
    (resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('query parameters VergeOS does not know', () => {
  const cases: [string, string][] = [
    // [asked of the BFF, what reaches VergeOS]
    ['/api/v4/vms?name=web&fields=%24key,name', '/api/v4/vms?fields=%24key%2Cname'],
    [
      '/api/v4/machine_status?machine=42&fields=machine,status',
      '/api/v4/machine_status?fields=machine%2Cstatus',
    ],
    ['/api/v4/vms/42?fields=name&api_key=x&sort=name', '/api/v4/vms/42?fields=name&sort=name'],
    ['/api/v4/machine_status/54?fields=status&machine=1', '/api/v4/machine_status/54?fields=status'],
    ['/api/v4/vms?bogus=1', '/api/v4/vms'],
    // Repeated: the last one counts, as VergeOS reads it, and only that one travels.
    ['/api/v4/vms?fields=%24key&fields=name&limit=1&limit=2', '/api/v4/vms?fields=name&limit=2'],
  ];
  it.each(cases)(
    '%s: dropped (never forwarded), and the answer is VergeOS’s (old code: 400)',
    async (url, forwarded) => {
      const res = await get(url);
      expect(await reached()).toEqual([`GET ${forwarded}`]);
      const expected = await direct(url);
      expect(res.statusCode).toBe(expected.status);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(asThroughBff(expected));
    },
  );

  it('on vm_actions too: the action goes without them (old code: 400)', async () => {
    const admin = await tokenHeaders(env.app.testStores, 'admin');
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions?vm=43&action=kill&table=users',
      headers: admin,
      payload: { vm: '42', action: 'poweron' },
    });
    expect(res.statusCode).toBe(201);
    expect(await reached()).toEqual(['POST /api/v4/vm_actions']);
    expect((await simStats(env.sim)).actions).toEqual({ poweron: 1 });
  });
});

describe('malformed requests get VergeOS’s code and words, before VergeOS', () => {
  const reads: string[] = [
    '/api/v4/vms?limit=x',
    '/api/v4/vms?offset=-1',
    '/api/v4/nodes?limit=1.5',
    `/api/v4/nodes?filter=${encodeURIComponent("name eq 'node1")}`,
    '/api/v4/vms/abc',
    '/api/v4/vms/-1',
    '/api/v4/machine_status/0x36',
    '/api/v4/nodes/node1',
  ];
  it.each(reads)('GET %s (old code: 400, or nodes not served)', async (url) => {
    const res = await get(url);
    expect(await reached()).toEqual([]);
    const expected = await direct(url);
    expect([404, 422]).toContain(expected.status);
    expect(res.statusCode).toBe(expected.status);
    expect(res.json()).toEqual(asThroughBff(expected));
  });

  it('an action VergeOS does not know, and one without vm: 422 with VergeOS’s err (old code: 400)', async () => {
    const admin = await tokenHeaders(env.app.testStores, 'admin');
    const answers: [number, unknown][] = [];
    for (const body of [{ action: 'guestreset', vm: '42' }, { action: 'poweron' }]) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v4/vm_actions',
        headers: admin,
        payload: body,
      });
      answers.push([res.statusCode, res.json()]);
    }
    expect(answers).toEqual([
      [
        422,
        {
          err: "value 'guestreset' is not in list for field 'action'",
          error: "value 'guestreset' is not in list for field 'action'",
        },
      ],
      [422, { err: "Missing required field 'vm'", error: "Missing required field 'vm'" }],
    ]);
    expect(await reached()).toEqual([]);
  });

  it('Powerdeck’s own refusals keep their codes, with err: role 403, reason 400', async () => {
    const viewerPost = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: viewer,
      payload: { vm: 42, action: 'poweron' },
    });
    expect(viewerPost.statusCode).toBe(403);
    expect(viewerPost.json()).toMatchObject({ err: expect.any(String), code: 'forbidden' });
    const helpdesk = await tokenHeaders(env.app.testStores, 'helpdesk');
    const noReason = await env.app.inject({
      method: 'POST',
      url: '/api/v4/vm_actions',
      headers: helpdesk,
      payload: { vm: 42, action: 'poweroff' },
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ err: expect.stringMatching(/reason/), code: 'reason_required' });
    expect(await reached()).toEqual([]);
  });
});

describe('what scripts and SDKs read to connect', () => {
  const same: string[] = [
    // pyvergeos and govergeos connect with this one (`requests` encodes `$` and `,`).
    '/api/v4/system?fields=%24key%2Cyb_version%2Cos_version%2Ccloud_name',
    '/api/v4/system',
    '/api/v4/system?fields=name,cloud_name+as+cloud',
    '/api/v4/nodes',
    '/api/v4/nodes?fields=%24key,name,cores,ram,vm_ram,physical,maintenance,yb_version,cluster,machine',
    `/api/v4/nodes?filter=${encodeURIComponent("name eq 'node2' or (cores gt 0 and maintenance eq false)")}&sort=-name&limit=2&offset=1`,
    '/api/v4/nodes/1',
    '/api/v4/nodes/1?fields=name,os_version',
    '/api/v4/nodes/99',
    // The SDKs' default node and status fields join the node's cluster name and the status's node name (old code: 422).
    `/api/v4/nodes?fields=${encodeURIComponent('$key,name,cores,ram,physical,maintenance,yb_version,cluster,cluster#name as cluster_name,machine')}`,
    '/api/v4/nodes/1?fields=%24key,name,cluster%23name+as+cluster_name',
    '/api/v4/nodes/2?fields=cluster%23name',
    `/api/v4/nodes?filter=${encodeURIComponent("cluster#name eq 'Cluster1'")}&sort=-cluster%23name,name&fields=name,cluster%23name`,
    `/api/v4/machine_status?fields=${encodeURIComponent('$key,machine,running,status,state,node,node#name as node_name')}`,
    `/api/v4/machine_status?fields=machine,node%23name&filter=${encodeURIComponent('machine eq 54')}`,
    '/api/v4/machine_status/54?fields=status,node%23name+as+node_name',
    '/api/v4/machine_status/54?fields=node%23name',
    // govergeos's and pyvergeos's default machine status fields, as they read one (packages/vergeos-sim/test/sdk.test.ts).
    `/api/v4/machine_status?fields=${encodeURIComponent('$key,machine,running,migratable,status,status_info,state,powerstate,node,node#name as node_name,migrated_node,migration_destination,started,local_time,last_update,running_cores,running_ram,agent_version,agent_features,agent_guest_info')}&filter=${encodeURIComponent('machine eq 54')}&limit=1`,
  ];
  it.each(same)(
    'GET %s: VergeOS’s answer, to a viewer’s token (old code: 404; 422 for the name joins)',
    async (url) => {
      const res = await get(url);
      const expected = await direct(url);
      expect(res.statusCode).toBe(expected.status);
      expect(res.json()).toEqual(asThroughBff(expected));
      expect(await reached()).toHaveLength(1);
    },
  );

  it('fields=most and all on nodes are spelled out as the allowed columns: no IPMI address, asset tag or vSAN id', async () => {
    for (const set of ['most', 'all']) {
      const res = await get(`/api/v4/nodes?fields=${set}`);
      expect(res.statusCode).toBe(200);
      const rows = res.json<Record<string, unknown>[]>();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row).toHaveProperty('yb_version');
        for (const hidden of ['ipmi_address', 'ipmi_status', 'asset_tag', 'vsan_nodeid', 'vsan_connected']) {
          expect(row).not.toHaveProperty(hidden);
        }
      }
    }
    const [most] = await reached();
    expect(decodeURIComponent(most!)).not.toMatch(/ipmi|asset_tag|vsan_nodeid|most/);
  });

  it('without a credential: 401, and nothing reaches VergeOS', async () => {
    for (const url of ['/api/v4/system', '/api/v4/nodes', '/api/v4/nodes/1']) {
      const res = await get(url, {});
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ err: expect.any(String), error: expect.any(String) });
    }
    expect(await reached()).toEqual([]);
  });
});

describe('hostile variants of the new routes are refused and reach nothing', () => {
  const refused: [string, RegExp][] = [
    // other columns
    ['/api/v4/nodes?fields=ipmi_address', /'ipmi_address' in fields/],
    ['/api/v4/nodes?fields=name,ipmi_address+as+ip', /'ipmi_address' in fields/],
    ['/api/v4/nodes/1?fields=asset_tag', /'asset_tag' in fields/],
    ['/api/v4/system?fields=%24key,password', /'password' in fields/],
    ['/api/v4/nodes?fields=NAME', /'NAME' in fields/],
    // joins into other tables
    ['/api/v4/nodes?fields=machine%23status%23status', /join 'machine#status#status'/],
    ['/api/v4/nodes?fields=cluster%23description+as+cluster_name', /join 'cluster#description'/],
    // pyvergeos's default node fields join the node's machine status and stats too: refused, cluster name or not
    [
      `/api/v4/nodes?fields=${encodeURIComponent('$key,name,cluster,cluster#name as cluster_name,machine,machine#status#status as status,machine#stats#total_cpu as cpu_usage')}`,
      /join 'machine#status#status'/,
    ],
    ['/api/v4/nodes/1?fields=machine%23stats%23total_cpu', /join 'machine#stats#total_cpu'/],
    ['/api/v4/system?fields=%24key,owner%23password', /join 'owner#password'/],
    ['/api/v4/nodes?fields=machine%2523status%2523status', /join 'machine%23status%23status'/],
    // filter and sort reaching other columns or tables
    [`/api/v4/nodes?filter=${encodeURIComponent("ipmi_address bw '10.'")}`, /'ipmi_address' in filter/],
    [
      `/api/v4/nodes?filter=${encodeURIComponent("name eq 'x' or cluster#description eq 'c'")}`,
      /join 'cluster#description'/,
    ],
    [`/api/v4/nodes?filter=${encodeURIComponent('(machine#stats#total_cpu gt 50)')}`, /join/],
    [
      `/api/v4/nodes?filter=${encodeURIComponent("name eq 'a\\\\' or asset_tag ne null")}`,
      /'asset_tag' in filter/,
    ],
    ['/api/v4/nodes?sort=ipmi_address', /'ipmi_address' in sort/],
    ['/api/v4/nodes?sort=-machine%23status%23status', /join/],
  ];
  it.each(refused)('GET %s: 422 naming it', async (url, message) => {
    const res = await get(url);
    expect(res.statusCode).toBe(422);
    const body = res.json<{ err: string; error: string }>();
    expect(body.err).toMatch(/^Invalid argument: /);
    expect(body.err).toMatch(message);
    expect(body.error).toBe(body.err);
    expect(await reached()).toEqual([]);
  });

  const paths: [string, string][] = [
    ['GET', '/api/v4/nodes/..%2fusers'],
    ['GET', '/api/v4/nodes/..%2F..%2Fusers'],
    ['GET', '/api/v4/nodes/1%2f..%2f..%2fusers'],
    ['GET', '/api/v4/nodes/%2e%2e/users'],
    ['GET', '/api/v4/nodes/1/../../users'],
    ['GET', '/api/v4/nodes\\..\\users'],
    ['GET', '/api/v4/system/1/../users'],
    ['GET', '/api/v4/system/../users'],
    ['GET', '/api/v4/system/..%2fusers'],
    ['GET', '/api/v4/system/1'],
    ['GET', '/api/v4/system/'],
    ['GET', '/api/v4/nodes/'],
    ['GET', '/api/v4/nodes/1/'],
    ['GET', '/api/v4//nodes'],
    ['GET', '/API/V4/NODES'],
    ['GET', '/api/v4/users'],
    ['GET', '/api/v4/clusters'],
    ['GET', '/api/v4/logs'],
    ['POST', '/api/v4/nodes'],
    ['PUT', '/api/v4/nodes/1'],
    ['DELETE', '/api/v4/nodes/1'],
    ['PATCH', '/api/v4/system'],
    ['POST', '/api/v4/system'],
    ['DELETE', '/api/v4/system'],
    ['OPTIONS', '/api/v4/nodes'],
  ];
  it.each(paths)('%s %s (sent as is): a 4xx with err, and nothing reaches VergeOS', async (method, path) => {
    const res = await raw(method, path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.parse(res.body)).toMatchObject({ err: expect.any(String), error: expect.any(String) });
    expect(await reached()).toEqual([]);
  });

  it('a key that is not digits is VergeOS’s 404, in its words', async () => {
    const res = await raw('GET', '/api/v4/nodes/..%2fusers');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({
      err: "Not found: no row in 'nodes' with $key '../users'",
      error: "Not found: no row in 'nodes' with $key '../users'",
    });
    await clearSimStats(env.sim);
  });
});

describe('a known path asked with a method it does not take', () => {
  const cases: [string, string][] = [
    ['DELETE', '/api/v4/vms/1'],
    ['PUT', '/api/v4/vm_actions'],
    ['POST', '/api/v4/vms'],
    ['GET', '/api/v4/vm_actions'],
    ['PATCH', '/api/v4/machine_status/54'],
    ['DELETE', '/api/v4/machine_status'],
    ['POST', '/api/v4/nodes/1'],
    ['PUT', '/api/v4/system'],
    ['OPTIONS', '/api/v4/vms'],
    ['DELETE', '/api/v4/vms/abc'],
  ];
  it.each(cases)('%s %s: VergeOS’s 405 with Allow, before VergeOS (old code: 404)', async (method, path) => {
    const res = await raw(method, path);
    expect(await reached()).toEqual([]);
    const expected = await direct(path, { method });
    expect(expected.status).toBe(405);
    expect([res.status, res.headers.allow]).toEqual([405, expected.allow]);
    expect(JSON.parse(res.body)).toEqual(asThroughBff(expected));
  });

  it('to a signed-in browser too (with its CSRF header); the VergeOS key is never needed', async () => {
    const res = await env.app.inject({
      method: 'DELETE',
      url: '/api/v4/vms/42',
      headers: env.app.adminHeaders,
    });
    expect([res.statusCode, res.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect(await reached()).toEqual([]);
  });

  it('without a credential, or with a bad one: 401 first, as on the path’s own methods', async () => {
    for (const headers of [{}, { authorization: 'Bearer pd_not_a_token' }] as AuthHeaders[]) {
      for (const [method, path] of [
        ['DELETE', '/api/v4/vms/1'],
        ['PUT', '/api/v4/vm_actions'],
      ] as const) {
        const res = await raw(method, path, headers);
        expect(res.status).toBe(401);
        expect(res.headers.allow).toBeUndefined();
        expect(JSON.parse(res.body)).toMatchObject({ err: expect.any(String), error: expect.any(String) });
      }
    }
    expect(await reached()).toEqual([]);
  });

  it('a path VergeOS routes do not know stays 404, signed in or not', async () => {
    for (const headers of [viewer, {}]) {
      const res = await raw('DELETE', '/api/v4/users/1', headers);
      expect(res.status).toBe(404);
      expect(res.headers.allow).toBeUndefined();
    }
  });
});
