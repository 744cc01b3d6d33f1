import { POWER_STATUSES, type PowerStatus } from '@powerdeck/contracts/power';
import { ROLE_PERMISSIONS, type Permission, type Role } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import {
  bulkActions,
  mayCancel,
  mayEscalate,
  mayForceNow,
  operationReasonPolicy,
  planBulk,
  skipReason,
  withoutAgent,
  type Viewer,
} from '../src/features/operations/lib/bulk';
import { vm } from './fleet-fixtures';
import { op, opVm } from './operations-fixtures';

const me = (role: Role, username: string = role): Viewer => ({
  username,
  role,
  permissions: ROLE_PERMISSIONS[role],
});

describe('bulk actions by role (the issue: helpdesk may start, shut down and reboot; only admin forces)', () => {
  it.each<[Role, string[], boolean]>([
    ['viewer', [], false],
    ['helpdesk', ['start', 'shutdown', 'reboot'], false],
    ['admin', ['start', 'shutdown', 'reboot', 'forceOff'], true],
  ])('%s: %j, escalation %s', (role, actions, escalate) => {
    expect(bulkActions(ROLE_PERMISSIONS[role])).toEqual(actions);
    expect(mayEscalate(ROLE_PERMISSIONS[role])).toBe(escalate);
  });

  it('goes by permission, not by role name', () => {
    expect(bulkActions(['vm:force'])).toEqual(['forceOff']);
    expect(bulkActions(['vm:reboot'])).toEqual(['reboot']);
    // escalating a shut down needs both
    expect(mayEscalate(['vm:force'])).toBe(false);
    expect(mayEscalate(['vm:shutdown'])).toBe(false);
    expect(mayEscalate(['vm:shutdown', 'vm:force'])).toBe(true);
    expect(bulkActions([] as Permission[])).toEqual([]);
  });

  it('a reason: required of helpdesk shutting down or rebooting, optional otherwise, not asked for a start', () => {
    expect(operationReasonPolicy('shutdown', 'helpdesk', false)).toBe('required');
    expect(operationReasonPolicy('reboot', 'helpdesk', false)).toBe('required');
    expect(operationReasonPolicy('start', 'helpdesk', false)).toBe('none');
    expect(operationReasonPolicy('shutdown', 'admin', true)).toBe('optional');
    expect(operationReasonPolicy('forceOff', 'admin', false)).toBe('optional');
    expect(operationReasonPolicy('start', 'admin', false)).toBe('none');
  });
});

describe('what a bulk action skips before anything is sent', () => {
  /** Where each action applies, written out from the issue (not from APPLIES_TO). */
  const APPLIES: Record<string, PowerStatus[]> = {
    start: ['stopped', 'hibernated', 'error'],
    shutdown: ['running'],
    reboot: ['running'],
    forceOff: ['running', 'starting', 'stopping', 'unresponsive'],
  };

  for (const [action, statuses] of Object.entries(APPLIES)) {
    it(`${action}: acts on ${statuses.join(', ')} and skips every other status`, () => {
      const vms = POWER_STATUSES.map((status, i) => vm(i + 1, { status, name: status }));
      const plan = planBulk(action as 'start', vms);
      expect(plan.act.map((v) => v.status)).toEqual(POWER_STATUSES.filter((s) => statuses.includes(s)));
      expect(plan.skipped.map((s) => s.vm.status)).toEqual(
        POWER_STATUSES.filter((s) => !statuses.includes(s)),
      );
      expect(plan.act.length + plan.skipped.length).toBe(vms.length);
    });
  }

  it('keeps the order it was given and says why each one is skipped', () => {
    const vms = [
      vm(1, { name: 'web-01' }),
      vm(2, { name: 'db-01', status: 'stopped' }),
      vm(3, { name: 'app-01', status: 'stopping' }),
      vm(4, { name: 'web-02' }),
      vm(5, { name: 'old-01', status: 'hibernated' }),
    ];
    const plan = planBulk('shutdown', vms);
    expect(plan.act.map((v) => v.name)).toEqual(['web-01', 'web-02']);
    expect(plan.skipped.map((s) => [s.vm.name, s.why])).toEqual([
      ['db-01', 'already stopped'],
      ['app-01', 'stopping'],
      ['old-01', 'hibernated'],
    ]);
  });

  it('the words for why', () => {
    expect(skipReason('start', 'running')).toBe('already running');
    expect(skipReason('start', 'starting')).toBe('starting');
    expect(skipReason('forceOff', 'stopped')).toBe('already stopped');
    expect(skipReason('reboot', 'stopped')).toBe('stopped');
    expect(skipReason('reboot', 'error')).toBe('error');
    expect(skipReason('shutdown', 'waitingforresources')).toBe('waiting for resources');
  });

  it('counts the guests without a reporting agent', () => {
    const vms = [vm(1), vm(2, { agentReporting: false }), vm(3)];
    expect(withoutAgent(vms).map((v) => v.key)).toEqual([2]);
  });
});

describe('who may cancel and force now', () => {
  it('cancel: the owner or an admin, while it runs', () => {
    const running = op('a', { owner: 'hd1', ownerRole: 'helpdesk' });
    expect(mayCancel(running, me('helpdesk', 'hd1'))).toBe(true);
    expect(mayCancel(running, me('helpdesk', 'hd2'))).toBe(false);
    expect(mayCancel(running, me('viewer', 'v1'))).toBe(false);
    expect(mayCancel(running, me('admin', 'root'))).toBe(true);
    expect(mayCancel({ ...running, status: 'finished' }, me('admin'))).toBe(false);
    expect(mayCancel(running, { ...me('helpdesk'), username: null })).toBe(false);
  });

  it("cancel goes by permission: an owner who lost the action's permission may not, operations:all may", () => {
    const forcing = op('a', { owner: 'hd1', ownerRole: 'admin', action: 'forceOff' });
    // hd1 started it as an admin and is helpdesk now (no vm:force): the BFF refuses, so no button.
    expect(mayCancel(forcing, me('helpdesk', 'hd1'))).toBe(false);
    expect(mayCancel(forcing, { username: 'x', permissions: ['fleet:read', 'operations:all'] })).toBe(true);
    // A wall display holds only fleet:read, whoever its link's creator is.
    expect(mayCancel(forcing, { username: null, permissions: ['fleet:read'] })).toBe(false);
  });

  it('force now: vm:force, an escalating shut down, the VM still waiting for its guest', () => {
    const waiting = opVm(1, {
      state: 'active',
      step: 'poweroff',
      stepSent: true,
      deadline: '2026-01-01T10:02:00.000Z',
    });
    const escalating = op('a', { forceAfterS: 120, vms: [waiting] });
    expect(mayForceNow(escalating, waiting, me('admin'))).toBe(true);
    expect(mayForceNow(escalating, waiting, me('helpdesk'))).toBe(false);
    expect(mayForceNow({ ...escalating, forceAfterS: null }, waiting, me('admin'))).toBe(false);
    expect(mayForceNow({ ...escalating, action: 'reboot' }, waiting, me('admin'))).toBe(false);
    expect(mayForceNow(escalating, { ...waiting, escalated: true, step: 'kill' }, me('admin'))).toBe(false);
    expect(mayForceNow(escalating, { ...waiting, state: 'done' }, me('admin'))).toBe(false);
    expect(mayForceNow({ ...escalating, status: 'cancelled' }, waiting, me('admin'))).toBe(false);
    // While the shut down is still on its way to VergeOS, not yet.
    expect(mayForceNow(escalating, { ...waiting, stepSent: false }, me('admin'))).toBe(false);
  });
});
