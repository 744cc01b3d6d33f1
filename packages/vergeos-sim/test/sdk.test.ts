// The requests the public VergeOS SDKs make, as they encode them (Python `requests` and Go `url.Values`
// both use `+` for spaces and percent-encode `$`, `#` and `,`), answered with every field they read.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../src/index';
import { anyOf, request } from './helpers';

let sim: Simulator;
beforeAll(async () => {
  sim = await createSimulator({ timeScale: 0.001 });
});
afterAll(() => sim.close());

/** application/x-www-form-urlencoded, as `requests` and Go's url.Values.Encode write it. */
const form = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, '+')}`)
    .join('&');

const get = async (path: string, params: Record<string, string>) => {
  const a = await request(sim.url, `${path}?${form(params)}`, {
    headers: { Authorization: `Bearer ${sim.apiKey}`, Accept: 'application/json', 'X-JSON-Non-Compact': '1' },
  });
  expect(a.status, a.text).toBe(200);
  return a.json;
};

type Row = Record<string, unknown>;

// pyvergeos VM_DEFAULT_FIELDS
const PY_VM_FIELDS = [
  '$key',
  'name',
  'description',
  'enabled',
  'cpu_cores',
  'ram',
  'os_family',
  'guest_agent',
  'uefi',
  'secure_boot',
  'machine_type',
  'created',
  'modified',
  'is_snapshot',
  'machine',
  'machine#status#status as status',
  'machine#status#running as running',
  'machine#status#node as node_key',
  'machine#status#node#name as node_name',
  'machine#cluster as cluster_key',
  'machine#cluster#name as cluster_name',
  'machine#ha_group as ha_group',
];

// govergeos vmListFields
const GO_VM_FIELDS =
  '$key,uuid,machine,name,description,enabled,created,modified,is_snapshot,owner,owner_user,creator,cluster,cluster_failover,cpu_cores,cpu_type,ram,machine_type,iommu,usb_legacy,uefi,secure_boot,boot_order,boot_delay,console,video,sound,serial_port,os_family,os_description,rtc_base,allow_hotplug,guest_agent,nested_virtualization,disable_hypervisor,allow_export,cloudinit_datasource,preferred_node,ha_group,snapshot_profile,on_power_loss,migration_method,power_cycle_timeout,need_restart,created_from,imported,machine#status#running as powerstate';

// govergeos machineStatusListFields (pyvergeos asks for the same)
const MACHINE_STATUS_FIELDS =
  '$key,machine,running,migratable,status,status_info,state,powerstate,node,node#name as node_name,migrated_node,migration_destination,started,local_time,last_update,running_cores,running_ram,agent_version,agent_features,agent_guest_info';

describe('what the SDKs ask', () => {
  it('pyvergeos: connect (system), vms.list() without snapshots', async () => {
    expect(await get('/api/v4/system', { fields: '$key,yb_version,os_version,cloud_name' })).toMatchObject({
      yb_version: '26.1.3',
    });
    const vms = (await get('/api/v4/vms', {
      filter: 'is_snapshot eq false',
      fields: PY_VM_FIELDS.join(','),
    })) as Row[];
    expect(vms).toHaveLength(24);
    const running = vms.find((v) => v.running === true);
    expect(running).toMatchObject({ status: 'running', node_key: anyOf(Number), cluster_name: 'Cluster1' });
    expect(running?.node_name).toMatch(/^node\d$/);
    expect(vms.find((v) => v.$key === 42)).toMatchObject({
      status: 'stopped',
      node_key: null,
      node_name: null,
    });
  });

  it('pyvergeos: vms.get(name=...) and the combined snapshot filter', async () => {
    const found = (await get('/api/v4/vms', {
      filter: "(name eq 'test') and is_snapshot eq false",
      fields: PY_VM_FIELDS.join(','),
      limit: '1',
    })) as Row[];
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ $key: 42, machine: 54 });
  });

  it('pyvergeos: nodes.list() with its joins into machine status and stats', async () => {
    const fields = [
      '$key',
      'name',
      'ram',
      'vm_ram',
      'cores',
      'physical',
      'maintenance',
      'yb_version',
      'cluster',
      'cluster#name as cluster_name',
      'machine',
      'machine#status#status as status',
      'machine#status#running as running',
      'machine#status#started as started',
      'machine#stats#total_cpu as cpu_usage',
      'machine#stats#ram_used as ram_used',
      'machine#stats#vram_used as vram_used',
      'machine#stats#core_temp as core_temp',
    ].join(',');
    const nodes = (await get('/api/v4/nodes', { fields })) as Row[];
    expect(nodes).toHaveLength(4);
    for (const n of nodes) {
      expect(n).toMatchObject({ status: 'running', running: true, cluster_name: 'Cluster1', physical: true });
      for (const k of ['cpu_usage', 'ram_used', 'vram_used', 'core_temp', 'started'])
        expect(typeof n[k]).toBe('number');
    }
  });

  it('govergeos and pyvergeos: machine status by filter, limit 1', async () => {
    const rows = (await get('/api/v4/machine_status', {
      fields: MACHINE_STATUS_FIELDS,
      filter: 'machine eq 54',
      limit: '1',
    })) as Row[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      $key: 54,
      machine: 54,
      status: 'stopped',
      node_name: null,
      agent_guest_info: [],
    });
  });

  it('govergeos: VMs.Get(42) reads every field it decodes, with matching JSON types', async () => {
    const vm = (await get('/api/v4/vms/42', {
      fields: `${GO_VM_FIELDS},console_pass_enabled,console_pass,usb_tablet,disable_powercycle,advanced,note,meta,paste_key_config`,
    })) as Row;
    const strings = [
      'uuid',
      'name',
      'description',
      'creator',
      'cpu_type',
      'machine_type',
      'boot_order',
      'console',
    ];
    for (const k of strings) expect(typeof vm[k], k).toBe('string');
    for (const k of [
      'machine',
      'created',
      'modified',
      'cpu_cores',
      'ram',
      'boot_delay',
      'power_cycle_timeout',
    ])
      expect(typeof vm[k], k).toBe('number');
    for (const k of [
      'enabled',
      'is_snapshot',
      'uefi',
      'guest_agent',
      'allow_hotplug',
      'need_restart',
      'imported',
      'powerstate',
    ])
      expect(typeof vm[k], k).toBe('boolean');
    // Go decodes these into string fields: a string or null only.
    for (const k of [
      'owner',
      'ha_group',
      'on_power_loss',
      'migration_method',
      'created_from',
      'note',
      'advanced',
    ])
      expect(vm[k] === null || typeof vm[k] === 'string', k).toBe(true);
  });

  it('govergeos: PowerOn sends {"vm": 42, "action": "poweron", "params": {}}; a running agent reports an object', async () => {
    const a = await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${sim.apiKey}`,
        'Content-Type': 'application/json',
        'User-Agent': 'govergeos/1.0',
      },
      body: '{"vm":42,"action":"poweron","params":{}}',
    });
    expect(a.status).toBe(201);
    const status = async () =>
      (
        (await get('/api/v4/machine_status', {
          fields: MACHINE_STATUS_FIELDS,
          filter: 'machine eq 54',
        })) as Row[]
      )[0];
    let s = await status();
    for (let i = 0; i < 200 && s?.status !== 'running'; i += 1) {
      await new Promise((r) => setTimeout(r, 5));
      s = await status();
    }
    expect(s).toMatchObject({ status: 'running', powerstate: true, agent_version: anyOf(String) });
    expect(s?.agent_guest_info).toMatchObject({ hostname: 'test', osinfo: { id: 'ubuntu' } });
    expect(s?.node_name).toMatch(/^node\d$/);
  });
});
