// The pure parts of the fleet: mapping VergeOS rows to the contract, failure reasons, ETags.
import { FleetSnapshot, FleetVm } from '@powerdeck/contracts/fleet';
import {
  VergeAbortError,
  VergeInvalidResponseError,
  VergeNetworkError,
  VergeServiceUnavailableError,
  VergeTimeoutError,
  VergeTlsError,
  VergeUnauthorizedError,
  apiErrorFor,
} from '@powerdeck/vergeos-client';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { describeFailure, formatDuration, isShutdown } from '../src/fleet/failure';
import { POLL_NODE_FIELDS, POLL_VM_FIELDS, mapFleet } from '../src/fleet/map';
import {
  buildState,
  etagOf,
  initialContent,
  matchesIfNoneMatch,
  serialiseContent,
} from '../src/fleet/snapshot';

const apiInit = (status: number, message = 'x') => ({
  status,
  message,
  body: '',
  method: 'GET',
  path: '/api/v4/vms',
});

const row = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  $key: 1,
  name: 'web-01',
  description: 'Web',
  machine: 5,
  cpu_cores: 4,
  ram: 8192,
  os_family: 'linux',
  guest_agent: true,
  status: 'running',
  running: true,
  powerstate: true,
  state: 'online',
  node: 1,
  node_name: 'node1',
  started: 1_700_000_000,
  last_update: 1_700_000_100,
  running_cores: 4,
  running_ram: 8192,
  status_info: '',
  agent_version: '8.2.2',
  ...over,
});

const CONTRACT_VM_KEYS = Object.keys(FleetVm.properties).sort();

describe('mapFleet', () => {
  it('maps every contract field, and only those, from a joined VM row', () => {
    const { vms, warnings } = mapFleet(
      [row({ secret: 'sk-do-not-leak', is_snapshot: false, agent_guest_info: [{ ip: '10.0.0.1' }] })],
      [],
    );
    expect(warnings).toEqual([]);
    expect(vms).toEqual([
      {
        key: 1,
        machine: 5,
        name: 'web-01',
        description: 'Web',
        osFamily: 'linux',
        cpuCores: 4,
        ram: 8192,
        guestAgent: true,
        agentReporting: true,
        status: 'running',
        state: 'online',
        running: true,
        powerstate: true,
        node: 1,
        nodeName: 'node1',
        runningCores: 4,
        runningRam: 8192,
        started: 1_700_000_000,
        lastUpdate: 1_700_000_100,
        statusInfo: '',
      },
    ]);
    expect(Object.keys(vms[0] ?? {}).sort()).toEqual(CONTRACT_VM_KEYS);
    expect(Value.Check(FleetVm, vms[0])).toBe(true);
  });

  it('says a guest agent reports only when agent_version is non-empty', () => {
    const { vms } = mapFleet(
      [
        row({ $key: 1, agent_version: '' }),
        row({ $key: 2, agent_version: '  ' }),
        row({ $key: 3, agent_version: null }),
      ],
      [],
    );
    expect(vms.map((v) => v.agentReporting)).toEqual([false, false, false]);
  });

  it('maps an unknown status to a known one, says so in statusInfo, and reports it once', () => {
    const { vms, warnings } = mapFleet(
      [
        row({ $key: 1, status: 'suspending', running: true, status_info: 'guest busy' }),
        row({ $key: 2, status: 'suspending', running: true }),
        row({ $key: 3, status: 'Levitating', running: false, powerstate: false, node: null }),
      ],
      [],
    );
    expect(vms.map((v) => v.status)).toEqual(['running', 'running', 'stopped']);
    expect(vms[0]?.statusInfo).toBe('VergeOS reports status "suspending", unknown to Powerdeck: guest busy');
    expect(vms[1]?.statusInfo).toBe('VergeOS reports status "suspending", unknown to Powerdeck');
    expect(warnings).toEqual([
      `VergeOS reported status "suspending", unknown to Powerdeck; shown as 'running'`,
      `VergeOS reported status "Levitating", unknown to Powerdeck; shown as 'stopped'`,
    ]);
    for (const vm of vms) expect(Value.Check(FleetVm, vm)).toBe(true);
  });

  it('maps missing and odd values to neutral ones instead of failing', () => {
    const { vms, nodes, warnings } = mapFleet(
      [
        { $key: '7', machine: '9' },
        {
          $key: 8,
          name: 42,
          status: null,
          state: 'sideways',
          node: -1,
          cpu_cores: 'many',
          ram: 1.5e3,
          started: 0,
        },
        { name: 'no key' },
        null,
        'garbage',
      ],
      [{ $key: 1 }, { name: 'no key' }],
    );
    expect(vms.map((v) => v.key)).toEqual([7, 8]);
    expect(vms[0]).toMatchObject({
      key: 7,
      machine: 9,
      name: 'VM 7',
      status: 'stopped',
      state: null,
      node: null,
    });
    expect(vms[1]).toMatchObject({
      name: 'VM 8',
      state: null,
      node: null,
      cpuCores: 0,
      ram: 1500,
      started: 0,
    });
    for (const vm of vms) expect(Value.Check(FleetVm, vm)).toBe(true);
    expect(nodes).toEqual([
      {
        key: 1,
        name: 'node 1',
        cores: 0,
        ram: 0,
        runningCores: 0,
        runningRam: 0,
        runningVms: 0,
        maintenance: false,
      },
    ]);
    expect(warnings).toContain('VergeOS sent a VM row without a usable $key; it is left out');
    expect(warnings).toContain('VergeOS sent a node row without a usable $key; it is left out');
    expect(warnings).toContain("VergeOS sent no machine status for some VMs; shown as 'stopped'");
    expect(mapFleet({ err: 'x' }, null).warnings).toEqual([
      'VergeOS answered the VM list with something not a list',
      'VergeOS answered the node list with something not a list',
    ]);
  });

  it('sums running cores, RAM and VMs per node from the running VMs; capacity is cores and vm_ram', () => {
    const { nodes, transitional } = mapFleet(
      [
        row({ $key: 3, node: 2, running_cores: 2, running_ram: 1024 }),
        row({ $key: 1, node: 1, running_cores: 4, running_ram: 4096 }),
        row({ $key: 2, node: 1, status: 'stopping', running_cores: 8, running_ram: 2048 }),
        // Stopped machines keep their last running_cores/ram: not counted.
        row({
          $key: 4,
          status: 'stopped',
          running: false,
          node: null,
          running_cores: 16,
          running_ram: 65536,
        }),
        // On a node VergeOS did not list: not counted anywhere.
        row({ $key: 5, node: 99 }),
      ],
      [
        { $key: 2, name: 'node2', cores: 40, vm_ram: 98304, maintenance: true, ram: 131072 },
        { $key: 1, name: 'node1', cores: 32, vm_ram: 65536, maintenance: false },
      ],
    );
    expect(nodes).toEqual([
      {
        key: 1,
        name: 'node1',
        cores: 32,
        ram: 65536,
        runningCores: 12,
        runningRam: 6144,
        runningVms: 2,
        maintenance: false,
      },
      {
        key: 2,
        name: 'node2',
        cores: 40,
        ram: 98304,
        runningCores: 2,
        runningRam: 1024,
        runningVms: 1,
        maintenance: true,
      },
    ]);
    expect(transitional).toBe(true);
  });

  it('sorts VMs by key, so the same fleet gives the same body', () => {
    const a = mapFleet([row({ $key: 2 }), row({ $key: 1 })], []);
    const b = mapFleet([row({ $key: 1 }), row({ $key: 2 })], []);
    expect(a.vms.map((v) => v.key)).toEqual([1, 2]);
    expect(JSON.stringify(a.vms)).toBe(JSON.stringify(b.vms));
    expect(a.transitional).toBe(false);
  });

  it('asks VergeOS for the joined machine status fields and the node capacity', () => {
    for (const f of [
      'status',
      'running',
      'powerstate',
      'state',
      'node',
      'started',
      'last_update',
      'running_cores',
      'running_ram',
      'status_info',
      'agent_version',
    ]) {
      expect(POLL_VM_FIELDS).toContain(`machine#status#${f} as ${f}`);
    }
    expect(POLL_VM_FIELDS).toContain('machine#status#node#name as node_name');
    expect(POLL_NODE_FIELDS.join(',')).toBe('$key,name,cores,vm_ram,maintenance');
  });
});

describe('describeFailure', () => {
  it('says in words why a poll failed', () => {
    expect(
      describeFailure(new VergeServiceUnavailableError(apiInit(503, 'Service Unavailable: not ready'))),
    ).toBe('VergeOS answered 503 Service Unavailable');
    expect(describeFailure(apiErrorFor(apiInit(500)))).toBe('VergeOS answered 500 Internal Server Error');
    expect(describeFailure(apiErrorFor(apiInit(599)))).toBe('VergeOS answered 599');
    expect(describeFailure(new VergeUnauthorizedError(apiInit(401)))).toBe(
      'VergeOS answered 401 Unauthorized: check the VergeOS credentials of the BFF',
    );
    expect(describeFailure(new VergeTimeoutError(5000))).toBe('VergeOS did not answer within 5 s');
    expect(describeFailure(new VergeNetworkError('no answer', { causeCode: 'ECONNREFUSED' }))).toBe(
      'cannot connect to VergeOS',
    );
    expect(describeFailure(new VergeTlsError('bad cert'))).toBe(
      'cannot connect to VergeOS: its TLS certificate is not trusted (pin its CA with VERGEOS_CA_FILE)',
    );
    expect(describeFailure(new VergeInvalidResponseError(apiInit(200)))).toBe(
      'VergeOS answered with something other than the expected JSON',
    );
    expect(describeFailure(new TypeError('boom'))).toBe("the BFF could not read VergeOS's answer");
    expect(isShutdown(new VergeAbortError())).toBe(true);
    expect(isShutdown(new VergeTimeoutError(5000))).toBe(false);
  });

  it('formats durations for people', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(5000)).toBe('5 s');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(60_000)).toBe('60 s');
    expect(formatDuration(600_000)).toBe('10 min');
  });
});

describe('snapshot state', () => {
  it('serialises the snapshot once, exactly as JSON.stringify would, with an ETag of that body', () => {
    const { vms, nodes } = mapFleet([row()], [{ $key: 1, name: 'node1', cores: 40, vm_ram: 98304 }]);
    const content = {
      stale: false,
      staleReason: null,
      staleSince: null,
      pollIntervalMs: 5000,
      normalIntervalMs: 5000,
      vms,
      nodes,
    };
    const state = buildState('2026-11-29T10:00:00.000Z', content, serialiseContent(content));
    expect(state.body).toBe(JSON.stringify(state.snapshot));
    expect(Object.keys(JSON.parse(state.body) as object)).toEqual(Object.keys(FleetSnapshot.properties));
    expect(Value.Check(FleetSnapshot, JSON.parse(state.body))).toBe(true);
    expect(state.etag).toBe(etagOf(state.body));
    expect(state.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    const waiting = initialContent(5000);
    const initial = buildState(null, waiting, serialiseContent(waiting));
    expect(initial.snapshot).toEqual({
      fetchedAt: null,
      stale: true,
      staleReason: 'waiting for the first poll',
      staleSince: null,
      pollIntervalMs: 5000,
      normalIntervalMs: 5000,
      vms: [],
      nodes: [],
    });
    expect(initial.etag).not.toBe(state.etag);
  });

  it('matches If-None-Match weakly, in lists, and *', () => {
    const etag = '"abc"';
    expect(matchesIfNoneMatch('"abc"', etag)).toBe(true);
    expect(matchesIfNoneMatch('W/"abc"', etag)).toBe(true);
    expect(matchesIfNoneMatch('"x", "abc"', etag)).toBe(true);
    expect(matchesIfNoneMatch('*', etag)).toBe(true);
    expect(matchesIfNoneMatch('"abcd"', etag)).toBe(false);
    expect(matchesIfNoneMatch('abc', etag)).toBe(false);
    expect(matchesIfNoneMatch('', etag)).toBe(false);
    expect(matchesIfNoneMatch(undefined, etag)).toBe(false);
  });
});
