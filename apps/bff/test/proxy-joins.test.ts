// Joins (`#`) on the VergeOS routes are an allow-list: `machine#cluster#name` read the clusters table through
// GET /api/v4/vms. A refused join gets 422 with VergeOS's `err`/`error` naming it and never reaches the simulator;
// the joins the dashboard, the BFF's client, the guide and the SDKs' default fields use still work.
import { describe, expect, it } from 'vitest';
import { ALLOWED_JOINS } from '../src/proxy/joins';
import { nonPollerRequests, simStats, useSimApp } from './support';

const env = useSimApp({ resetSim: true, waitForFirstPoll: true, clearStats: true });

function get(url: string) {
  return env.app.inject({ method: 'GET', url, headers: env.app.adminHeaders });
}

/** [url, the refused run the answer must name] */
const refused: [string, string][] = [
  // fields, on the list and on one VM, in every encoding of `#` a client may send
  ['/api/v4/vms?fields=machine%23cluster%23name', 'machine#cluster#name'],
  ['/api/v4/vms?fields=%24key,name,machine%23cluster%23name+as+cluster', 'machine#cluster#name'],
  ['/api/v4/vms/42?fields=machine%23cluster%23name', 'machine#cluster#name'],
  ['/api/v4/vms/42?fields=most,machine%23stats%23total_cpu', 'machine#stats#total_cpu'],
  ['/api/v4/vms?fields=machine%2523cluster%2523name', 'machine%23cluster%23name'],
  ['/api/v4/vms?fields=machine%252523cluster%252523name', 'machine%2523cluster%2523name'],
  ['/api/v4/vms?fields=machine+%23+cluster+%23+name', 'machine # cluster # name'],
  ['/api/v4/vms?fields=machine%09%23cluster%23name', 'machine\t#cluster#name'],
  ['/api/v4/vms?fields=MACHINE%23CLUSTER%23NAME', 'MACHINE#CLUSTER#NAME'],
  ['/api/v4/vms?fields=Machine%23Status%23Status', 'Machine#Status#Status'],
  ['/api/v4/vms?fields=machine%23status%23node%23cpu_cores', 'machine#status#node#cpu_cores'],
  ['/api/v4/vms?fields=name+as+x%23y', 'x#y'],
  ['/api/v4/vms?fields=%23cluster', '#cluster'],
  // allowed paths spelled otherwise
  ['/api/v4/vms?fields=machine%23status+%23+status', 'machine#status # status'],
  ['/api/v4/vms?fields=machine%23status%23status%23x', 'machine#status#status#x'],
  // filter: alone, after `and`, in parentheses, without spaces, inside a quoted value
  ['/api/v4/vms?filter=machine%23cluster%23name+eq+%27c1%27', 'machine#cluster#name'],
  [
    `/api/v4/vms?filter=${encodeURIComponent("is_snapshot eq false and (machine#cluster#name ne 'x')")}`,
    'machine#cluster#name',
  ],
  [`/api/v4/vms?filter=${encodeURIComponent("(machine#cluster#name)eq'x'")}`, 'machine#cluster#name'],
  [
    `/api/v4/vms?filter=${encodeURIComponent("name eq 'a\\' or machine#cluster#name eq 'x'")}`,
    'machine#cluster#name',
  ],
  [`/api/v4/vms?filter=${encodeURIComponent("name eq 'web#1'")}`, 'web#1'],
  [
    `/api/v4/machine_status?filter=${encodeURIComponent("node#ipmi_address eq '10.0.0.1'")}`,
    'node#ipmi_address',
  ],
  // sort, with and without a direction
  ['/api/v4/vms?sort=machine%23cluster%23name', 'machine#cluster#name'],
  ['/api/v4/vms?sort=-machine%23cluster%23name', '-machine#cluster#name'],
  ['/api/v4/vms?sort=%2Bmachine%23cluster%23name', '+machine#cluster#name'],
  ['/api/v4/vms?sort=name,-machine%23cluster%23name', '-machine#cluster#name'],
  ['/api/v4/machine_status?sort=node%23cluster', 'node#cluster'],
  // machine_status takes the name of its node only: not the node's other columns, not another node reference
  ['/api/v4/machine_status?fields=node%23asset_tag', 'node#asset_tag'],
  ['/api/v4/machine_status/54?fields=node%23ipmi_address+as+node_name', 'node#ipmi_address'],
  ['/api/v4/machine_status?fields=migrated_node%23name', 'migrated_node#name'],
  ['/api/v4/machine_status?fields=machine%23name', 'machine#name'],
  ['/api/v4/machine_status?fields=node%23name%23x', 'node#name#x'],
  ['/api/v4/machine_status?fields=node%23cluster%23name', 'node#cluster#name'],
  ['/api/v4/machine_status?fields=Node%23Name', 'Node#Name'],
  ['/api/v4/machine_status?fields=node+%23+name', 'node # name'],
  ['/api/v4/machine_status?fields=node%2523name', 'node%23name'],
  // nodes take the name of their cluster only
  ['/api/v4/nodes?fields=cluster%23description', 'cluster#description'],
  ['/api/v4/nodes/1?fields=cluster%23enabled+as+cluster_name', 'cluster#enabled'],
  ['/api/v4/nodes?fields=machine%23name', 'machine#name'],
  ['/api/v4/nodes?fields=cluster%23name%23x', 'cluster#name#x'],
  ['/api/v4/nodes?fields=CLUSTER%23NAME', 'CLUSTER#NAME'],
  [`/api/v4/nodes?filter=${encodeURIComponent('cluster#enabled eq true')}`, 'cluster#enabled'],
  ['/api/v4/nodes?sort=machine%23status%23status', 'machine#status#status'],
  // and neither table takes another's joins
  ['/api/v4/nodes?fields=node%23name', 'node#name'],
  ['/api/v4/machine_status?fields=cluster%23name', 'cluster#name'],
  ['/api/v4/vms?fields=cluster%23name', 'cluster#name'],
  ['/api/v4/system?fields=cluster%23name', 'cluster#name'],
];

describe('a join that is not on the allow-list', () => {
  it.each(refused)('%s: 422 naming it, and VergeOS sees nothing', async (url, run) => {
    const res = await get(url);
    expect(res.statusCode).toBe(422);
    const body = res.json<{ err: string; error: string; code: string }>();
    expect(body.err).toMatch(/^Invalid argument: /);
    expect(body.err).toContain(`'${run}'`);
    expect(body.error).toBe(body.err);
    expect(body.code).toBe('join_not_allowed');
    expect(nonPollerRequests(await simStats(env.sim))).toEqual([]);
  });
});

describe('the joins Powerdeck and the guide use', () => {
  it('pass in fields, filter and sort, and VergeOS answers them', async () => {
    const fields = ['$key', ...ALLOWED_JOINS.vms.map((p, i) => `${p} as j${i}`)].join(',');
    const filter = "machine#status#status eq 'stopped' and machine#status#node#name eq null";
    const res = await get(
      `/api/v4/vms?fields=${encodeURIComponent(fields)}&filter=${encodeURIComponent(filter)}` +
        `&sort=${encodeURIComponent('-machine#status#status,+machine#status#node#name')}&limit=3`,
    );
    expect(res.statusCode).toBe(200);
    const rows = res.json<Record<string, unknown>[]>();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ j0: 'stopped', j11: null });

    // The guide's and the dashboard's spelling: `+` for spaces, `%23` for `#`, `%24` for `$`.
    const guide = await get(
      '/api/v4/vms/42?fields=%24key,name,machine%23status%23status+as+status,machine%23status%23running+as+running',
    );
    expect(guide.statusCode).toBe(200);
    expect(guide.json()).toEqual({ $key: 42, name: 'test', status: 'stopped', running: false });

    const reached = nonPollerRequests(await simStats(env.sim));
    expect(reached).toHaveLength(2);
  });

  it('the SDKs’ name joins pass: a node’s cluster name, a status’s node name (old code: 422)', async () => {
    const nodes = await get('/api/v4/nodes?fields=%24key,name,cluster%23name+as+cluster_name');
    expect(nodes.statusCode).toBe(200);
    const rows = nodes.json<Record<string, unknown>[]>();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(row).toEqual({ $key: expect.any(Number), name: expect.any(String), cluster_name: 'Cluster1' });

    const statuses = await get(
      `/api/v4/machine_status?fields=machine,status,node%23name+as+node_name&filter=${encodeURIComponent("status eq 'running'")}`,
    );
    expect(statuses.statusCode).toBe(200);
    const running = statuses.json<Record<string, unknown>[]>();
    expect(running.length).toBeGreaterThan(0);
    for (const row of running) expect(row.node_name).toMatch(/^node\d$/);
    const stopped = await get('/api/v4/machine_status/54?fields=status,node%23name');
    expect(stopped.json()).toEqual({ status: 'stopped', 'node#name': null });

    // (The node list is not told apart from the fleet poller's own reads.)
    const reached = nonPollerRequests(await simStats(env.sim)).map((e) => e.url.split('?')[0]);
    expect(reached).toEqual(['/api/v4/machine_status', '/api/v4/machine_status/54']);
  });

  it('leaves `#`-free queries alone, whatever they hold', async () => {
    const res = await get(`/api/v4/vms?filter=${encodeURIComponent("name eq '50%'")}&fields=name`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
  });
});
