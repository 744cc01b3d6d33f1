// Every request of vergeos-vm-power-guide.txt, as written (method, path, headers, body text), against the
// simulator, checking the documented codes and shapes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../src/index';
import { anyOf, anything, control, matching, request, waitFor } from './helpers';

const SCALE = 0.001;
let sim: Simulator;
beforeAll(async () => {
  sim = await createSimulator({ timeScale: SCALE });
});
afterAll(() => sim.close());

/** `curl -X POST .../api/v4/vm_actions -H "Authorization: Bearer ..." -H "Content-Type: application/json" -d '...'` */
const curlPost = (body: string) =>
  request(sim.url, '/api/v4/vm_actions', {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.apiKey}`, 'Content-Type': 'application/json' },
    body,
  });
/** `curl ".../api/v4/..." -H "Authorization: Bearer ..."` (curl sends the query as typed). */
const curlGet = (path: string) =>
  request(sim.url, path, { headers: { Authorization: `Bearer ${sim.apiKey}` } });
/** The guide's `sleep N`, at the simulator's time scale. */
const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000 * SCALE));

// The bodies exactly as the guide's curl commands send them.
const POWER_ON = `{
"action": "poweron",
"params": {},
"vm": "42"
}`;
const POWER_OFF = `{
"action": "poweroff",
"vm": "42"
}`;
const KILL = `{
"action": "kill",
"vm": "42"
}`;
const GRACEFUL_RESET = `{
"action": "reset",
"params": {
"graceful": true
},
"vm": "42"
}`;
const HARD_RESET = `{
"action": "reset",
"vm": "42"
}`;

const GUIDE_VM = {
  $key: 42,
  name: 'test',
  machine: 54,
  description: 'test vm',
  enabled: true,
  created: 1755991665,
  modified: 1755993248,
  is_snapshot: false,
  machine_type: 'pc-q35-9.0',
  allow_hotplug: true,
  guest_agent: true,
  cpu_cores: 3,
  cpu_type: 'host',
  ram: 16384,
  console: 'spice',
  video: 'qxl',
  sound: 'none',
  os_family: 'linux',
  rtc_base: 'utc',
  boot_order: 'cd',
  console_pass_enabled: false,
  usb_tablet: true,
  uefi: true,
  secure_boot: false,
  serial_port: false,
  boot_delay: 5,
  uuid: '821e96ec-2479-7cc4-7c14-c623557bdd2b',
  need_restart: false,
  console_status: 42,
  cloudinit_datasource: 'none',
  imported: false,
  created_from: 'custom',
  migration_method: 'auto',
  note: 'This is a test VM',
  power_cycle_timeout: 0,
  allow_export: true,
  creator: 'admin',
  nested_virtualization: true,
  disable_hypervisor: true,
  usb_legacy: false,
};

const GUIDE_STOPPED_STATUS = {
  $key: 54,
  machine: 54,
  running: false,
  migratable: true,
  node: null,
  migrated_node: null,
  migration_destination: null,
  started: 1755993338,
  local_time: 0,
  status: 'stopped',
  status_info: '',
  state: 'offline',
  powerstate: false,
  last_update: 1755993358,
  running_cores: 3,
  running_ram: 16384,
  agent_version: '',
  agent_features: [],
  agent_guest_info: [],
};

/** The guide's running example (machine 44): the keys, and the type of each value. */
const GUIDE_RUNNING_SHAPE = {
  $key: anyOf(Number),
  machine: anyOf(Number),
  running: true,
  migratable: true,
  node: anyOf(Number),
  migrated_node: null,
  migration_destination: null,
  started: anyOf(Number),
  local_time: anyOf(Number),
  status: 'running',
  status_info: '',
  state: 'online',
  powerstate: true,
  last_update: anyOf(Number),
  running_cores: anyOf(Number),
  running_ram: anyOf(Number),
  agent_version: anyOf(String),
  agent_features: anything(),
  agent_guest_info: anything(),
};

/** The guide's Python wait_for_power_state, as `requests` sends it (the comma encoded as %2C). */
async function waitForPowerState(machineId: string, desired: boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const response = await request(
      sim.url,
      `/api/v4/machine_status/${machineId}?fields=powerstate%2Crunning%2Cstatus`,
      {
        headers: { Authorization: `Bearer ${sim.apiKey}` },
      },
    );
    const data = response.json as Record<string, unknown>;
    if (data.powerstate === desired) return true;
    await sleep(5);
  }
  return false;
}

const statusOf = async (fields = 'most') =>
  (await curlGet(`/api/v4/machine_status/54?fields=${fields}`)).json as Record<string, unknown>;
const until = (status: string) =>
  waitFor(async () => {
    const s = await statusOf('powerstate,status');
    return s.status === status ? s : undefined;
  });

describe('the power guide, request by request', () => {
  it('VM Info: GET /api/v4/vms/42?fields=most answers exactly the guide example', async () => {
    const a = await curlGet('/api/v4/vms/42?fields=most');
    expect(a.status).toBe(200);
    expect(a.json).toEqual(GUIDE_VM);
    expect(Object.keys(a.json as object)).toEqual(Object.keys(GUIDE_VM));
  });

  it('Power State: GET /api/v4/machine_status/54?fields=most answers exactly the guide example', async () => {
    const a = await curlGet('/api/v4/machine_status/54?fields=most');
    expect(a.status).toBe(200);
    expect(a.json).toEqual(GUIDE_STOPPED_STATUS);
    expect(Object.keys(a.json as object)).toEqual(Object.keys(GUIDE_STOPPED_STATUS));
  });

  it('quick check: ?fields=powerstate,running,status answers exactly those three keys', async () => {
    const a = await curlGet('/api/v4/machine_status/54?fields=powerstate,running,status');
    expect(a.json).toEqual({ powerstate: false, running: false, status: 'stopped' });
    expect(Object.keys(a.json as object)).toEqual(['powerstate', 'running', 'status']);
  });

  it('Power On: 201, then wait_for_power_state("54", True) succeeds', async () => {
    const a = await curlPost(POWER_ON);
    expect(a.status).toBe(201);
    expect(a.json).toEqual({
      location: matching(/^\/vm_actions\/\d+$/),
      dbpath: anyOf(String),
      $row: 1,
      $key: anyOf(String),
    });
    expect(await waitForPowerState('54', true)).toBe(true);
    await until('running');
    expect((await curlGet('/api/v4/machine_status/54?fields=powerstate,running,status')).json).toEqual({
      powerstate: true,
      running: true,
      status: 'running',
    });
    const full = await statusOf();
    expect(Object.keys(full)).toEqual(Object.keys(GUIDE_STOPPED_STATUS));
    expect(full).toEqual(GUIDE_RUNNING_SHAPE);
    expect(full).toMatchObject({ $key: 54, machine: 54, running_cores: 3, running_ram: 16384 });
  });

  it('409 Conflict - VM already running: the guide body key and the real one', async () => {
    const a = await curlPost(POWER_ON);
    expect(a.status).toBe(409);
    expect(a.json).toEqual({
      err: "Error starting machine: Machine is already running with status 'running'",
      error: 'Cannot power on VM: already in running state',
    });
  });

  it('Reboot (graceful): 201; monitor with ?fields=powerstate,status,node until it is back', async () => {
    const before = await statusOf();
    const a = await curlPost(GRACEFUL_RESET);
    expect(a.status).toBe(201);
    const monitor = await curlGet('/api/v4/machine_status/54?fields=powerstate,status,node');
    expect(Object.keys(monitor.json as object)).toEqual(['powerstate', 'status', 'node']);
    expect(monitor.json).toMatchObject({ powerstate: true, node: before.node });
    const after = (await until('running')) && (await statusOf());
    expect(after).toMatchObject({ node: before.node, running: true });
    expect(after.started).toBeGreaterThanOrEqual(before.started as number);
  });

  it('Force Reset (hard): 201, back to running', async () => {
    const a = await curlPost(HARD_RESET);
    expect(a.status).toBe(201);
    await until('running');
  });

  it('Graceful then force: poweroff, sleep 30, check, and kill only if it is still on', async () => {
    // A guest that honours ACPI has stopped by then; kill is then refused (not running).
    expect((await curlPost(POWER_OFF)).status).toBe(201);
    await sleep(30);
    const check = await until('stopped');
    expect(check).toEqual({ powerstate: false, status: 'stopped' });
    const kill = await curlPost(KILL);
    expect(kill.status).toBe(409);
    expect(kill.json).toMatchObject({ error: 'Cannot kill VM: not in running state' });

    // A guest that ignores ACPI is still running after 30 s; kill powers it off.
    await control(sim).put('/vms/42', { status: 'running', ignores_acpi: true });
    expect((await curlPost(POWER_OFF)).status).toBe(201);
    await sleep(30);
    expect(await statusOf('powerstate,status')).toEqual({ powerstate: true, status: 'running' });
    expect((await curlPost(KILL)).status).toBe(201);
    expect(await waitForPowerState('54', false)).toBe(true);
    await until('stopped');
    await control(sim).put('/vms/42', { ignores_acpi: false });
  });

  it('409 Conflict - VM not running', async () => {
    const a = await curlPost(POWER_OFF);
    expect(a.status).toBe(409);
    expect(a.json).toEqual({
      err: "Error stopping machine: Machine is not running with status 'stopped'",
      error: 'Cannot power off VM: not in running state',
    });
  });

  it('507 Insufficient Resources', async () => {
    sim.setScenario('no-capacity');
    try {
      const a = await curlPost(POWER_ON);
      expect(a.status).toBe(507);
      expect(a.json).toMatchObject({ error: 'Insufficient cluster resources to start VM' });
    } finally {
      sim.setScenario('none');
    }
  });

  it('404 Not Found: an invalid VM key', async () => {
    const a = await curlPost(POWER_ON.replace('"42"', '"4242"'));
    expect(a.status).toBe(404);
    expect((await curlGet('/api/v4/vms/4242?fields=most')).status).toBe(404);
    expect((await curlGet('/api/v4/machine_status/5454?fields=most')).status).toBe(404);
  });

  it('403 Forbidden: a key without the permission', async () => {
    const a = await request(sim.url, '/api/v4/vm_actions', {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.readOnlyApiKey}`, 'Content-Type': 'application/json' },
      body: POWER_ON,
    });
    expect(a.status).toBe(403);
  });
});
