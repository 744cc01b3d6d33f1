import { POWER_STATUSES, type PowerStatus } from '@powerdeck/contracts/power';
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
  type Role,
} from '../src/features/power/lib/predicates';

const ROLES: Role[] = ['viewer', 'helpdesk', 'admin'];
const STARTABLE: PowerStatus[] = ['stopped', 'hibernated', 'error'];
const FORCEABLE: PowerStatus[] = ['running', 'starting', 'stopping', 'unresponsive'];

/** What each predicate should say, written out independently of the implementation. */
const EXPECTED: Record<string, (s: PowerStatus, r: Role) => boolean> = {
  canPowerOn: (s, r) => r !== 'viewer' && STARTABLE.includes(s),
  canPowerOnNode: (s, r) => r === 'admin' && STARTABLE.includes(s),
  canShutDown: (s, r) => r !== 'viewer' && s === 'running',
  canReboot: (s, r) => r !== 'viewer' && s === 'running',
  canForceOff: (s, r) => r === 'admin' && FORCEABLE.includes(s),
  canReset: (s, r) => r === 'admin' && FORCEABLE.includes(s),
  canHibernate: (s, r) => r === 'admin' && s === 'running',
};
const ACTUAL: Record<string, (s: PowerStatus, r: Role) => boolean> = {
  canPowerOn,
  canPowerOnNode,
  canShutDown,
  canReboot,
  canForceOff,
  canReset,
  canHibernate,
};

describe('power predicates, every status × role', () => {
  for (const name of Object.keys(EXPECTED)) {
    const cases = POWER_STATUSES.flatMap((s) => ROLES.map((r) => [s, r] as const));
    it.each(cases)(`${name}(%s, %s)`, (status, role) => {
      expect(ACTUAL[name]?.(status, role)).toBe(EXPECTED[name]?.(status, role));
    });
  }
});

describe('availableActions', () => {
  it('a viewer gets nothing, whatever the status', () => {
    for (const s of POWER_STATUSES) expect(availableActions(s, 'viewer')).toEqual([]);
  });

  it('a running VM: helpdesk shuts down and reboots; admin gets everything, safe ones first', () => {
    expect(availableActions('running', 'helpdesk')).toEqual(['shutdown', 'reboot']);
    expect(availableActions('running', 'admin')).toEqual([
      'shutdown',
      'reboot',
      'hibernate',
      'forceOff',
      'reset',
    ]);
  });

  it('a stopped, hibernated or failed VM can be started (a failed start can be retried)', () => {
    for (const s of STARTABLE) {
      expect(availableActions(s, 'helpdesk')).toEqual(['start']);
      expect(availableActions(s, 'admin')).toEqual(['start']);
    }
  });

  it('a VM that is starting, stopping or unresponsive can only be forced off or reset, by an admin', () => {
    for (const s of ['starting', 'stopping', 'unresponsive'] as const) {
      expect(availableActions(s, 'helpdesk')).toEqual([]);
      expect(availableActions(s, 'admin')).toEqual(['forceOff', 'reset']);
    }
  });

  it('statuses VergeOS settles by itself offer nothing', () => {
    for (const s of ['migrating', 'hibernating', 'initializing', 'maintenance', 'unlicensed'] as const) {
      expect(availableActions(s, 'admin')).toEqual([]);
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
