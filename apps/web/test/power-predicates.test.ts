import { POWER_STATUSES, type PowerStatus } from '@powerdeck/contracts/power';
import type { Permission } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import { actionBody, ACTIONS } from '../src/features/power/lib/actions';
import {
  availableActions,
  canForceOff,
  canHibernate,
  canPowerOn,
  canPowerOnNode,
  canReboot,
  canReset,
  canShutDown,
} from '../src/features/power/lib/predicates';

// The permission sets a session carries, written out by hand (the roles; a wall display only sees), and a
// few sets no role has, to show the predicates go by permission and not by role name.
const HELD: Record<string, readonly Permission[]> = {
  viewer: ['fleet:read', 'tokens:own'],
  helpdesk: ['fleet:read', 'tokens:own', 'vm:start', 'vm:shutdown', 'vm:reboot'],
  admin: ['fleet:read', 'vm:start', 'vm:shutdown', 'vm:reboot', 'vm:force', 'vm:place', 'operations:all'],
  display: ['fleet:read'],
  'force only': ['vm:force'],
  'start only': ['vm:start'],
  'place without start': ['vm:place'],
};
const STARTABLE: PowerStatus[] = ['stopped', 'hibernated', 'error'];
const FORCEABLE: PowerStatus[] = ['running', 'starting', 'stopping', 'unresponsive'];

/** What each predicate should say, written out independently of the implementation. */
const EXPECTED: Record<string, (s: PowerStatus, h: readonly Permission[]) => boolean> = {
  canPowerOn: (s, h) => h.includes('vm:start') && STARTABLE.includes(s),
  canPowerOnNode: (s, h) => h.includes('vm:start') && h.includes('vm:place') && STARTABLE.includes(s),
  canShutDown: (s, h) => h.includes('vm:shutdown') && s === 'running',
  canReboot: (s, h) => h.includes('vm:reboot') && s === 'running',
  canForceOff: (s, h) => h.includes('vm:force') && FORCEABLE.includes(s),
  canReset: (s, h) => h.includes('vm:force') && FORCEABLE.includes(s),
  canHibernate: (s, h) => h.includes('vm:force') && s === 'running',
};
const ACTUAL: Record<string, (s: PowerStatus, h: readonly Permission[]) => boolean> = {
  canPowerOn,
  canPowerOnNode,
  canShutDown,
  canReboot,
  canForceOff,
  canReset,
  canHibernate,
};

describe('power predicates, every status × permission set', () => {
  for (const name of Object.keys(EXPECTED)) {
    const cases = POWER_STATUSES.flatMap((s) => Object.keys(HELD).map((who) => [s, who] as const));
    it.each(cases)(`${name}(%s, %s)`, (status, who) => {
      const held = HELD[who]!;
      expect(ACTUAL[name]?.(status, held)).toBe(EXPECTED[name]?.(status, held));
    });
  }
});

describe('availableActions', () => {
  it('a viewer or a display gets nothing, whatever the status', () => {
    for (const s of POWER_STATUSES) {
      expect(availableActions(s, HELD.viewer!)).toEqual([]);
      expect(availableActions(s, HELD.display!)).toEqual([]);
    }
  });

  it('a running VM: helpdesk shuts down and reboots; admin gets everything, safe ones first', () => {
    expect(availableActions('running', HELD.helpdesk!)).toEqual(['shutdown', 'reboot']);
    expect(availableActions('running', HELD.admin!)).toEqual([
      'shutdown',
      'reboot',
      'hibernate',
      'forceOff',
      'reset',
    ]);
  });

  it('goes by permission, not by role name: vm:force alone forces, hibernates and resets', () => {
    expect(availableActions('running', HELD['force only']!)).toEqual(['hibernate', 'forceOff', 'reset']);
    expect(availableActions('stopped', HELD['start only']!)).toEqual(['start']);
    expect(canPowerOnNode('stopped', HELD['start only']!)).toBe(false);
    expect(canPowerOnNode('stopped', HELD['place without start']!)).toBe(false);
  });

  it('a stopped, hibernated or failed VM can be started (a failed start can be retried)', () => {
    for (const s of STARTABLE) {
      expect(availableActions(s, HELD.helpdesk!)).toEqual(['start']);
      expect(availableActions(s, HELD.admin!)).toEqual(['start']);
    }
  });

  it('a VM that is starting, stopping or unresponsive can only be forced off or reset, by an admin', () => {
    for (const s of ['starting', 'stopping', 'unresponsive'] as const) {
      expect(availableActions(s, HELD.helpdesk!)).toEqual([]);
      expect(availableActions(s, HELD.admin!)).toEqual(['forceOff', 'reset']);
    }
  });

  it('statuses VergeOS settles by itself offer nothing', () => {
    for (const s of ['migrating', 'hibernating', 'initializing', 'maintenance', 'unlicensed'] as const) {
      expect(availableActions(s, HELD.admin!)).toEqual([]);
    }
  });
});

describe('action bodies are exactly what VergeOS takes', () => {
  const vm = { key: 42 };
  it.each([
    ['start', { vm: 42, action: 'poweron' }],
    ['shutdown', { vm: 42, action: 'poweroff' }],
    ['reboot', { vm: 42, action: 'reset', params: { graceful: true } }],
    ['forceOff', { vm: 42, action: 'kill' }],
    ['reset', { vm: 42, action: 'reset' }],
    ['hibernate', { vm: 42, action: 'hibernate' }],
  ] as const)('%s', (id, body) => {
    expect(actionBody(id, vm)).toStrictEqual(body);
  });

  it('start on a node sends params.preferred_node', () => {
    expect(actionBody('start', vm, { preferredNode: 3 })).toStrictEqual({
      vm: 42,
      action: 'poweron',
      params: { preferred_node: 3 },
    });
  });

  it("timeouts follow the guide's upper bounds", () => {
    expect(Object.fromEntries(Object.values(ACTIONS).map((a) => [a.id, a.timeoutMs / 1000]))).toStrictEqual({
      start: 60,
      shutdown: 120,
      reboot: 120,
      forceOff: 30,
      reset: 60,
      hibernate: 120,
    });
  });

  it('only force off and hard reset are destructive', () => {
    expect(
      Object.values(ACTIONS)
        .filter((a) => a.destructive)
        .map((a) => a.id),
    ).toEqual(['forceOff', 'reset']);
  });

  it('every action but Start needs fresh data (disabled while the snapshot is stale)', () => {
    expect(
      Object.values(ACTIONS)
        .filter((a) => !a.needsFreshData)
        .map((a) => a.id),
    ).toEqual(['start']);
  });
});
