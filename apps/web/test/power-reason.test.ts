import { ROLES } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import type { ActionId } from '../src/features/power/lib/actions';
import {
  cleanReason,
  MAX_REASON_LENGTH,
  reasonPolicy,
  reasonProblem,
} from '../src/features/power/lib/reason';

describe('reasonPolicy: which confirmations ask why, and when it must be given', () => {
  it.each<[ActionId, 'viewer' | 'helpdesk' | 'admin', string]>([
    ['shutdown', 'helpdesk', 'required'],
    ['reboot', 'helpdesk', 'required'],
    ['shutdown', 'admin', 'optional'],
    ['reboot', 'admin', 'optional'],
    ['forceOff', 'admin', 'optional'],
    ['reset', 'admin', 'optional'],
    ['hibernate', 'admin', 'optional'],
    ['start', 'admin', 'none'],
    ['start', 'helpdesk', 'none'],
    ['shutdown', 'viewer', 'optional'],
  ])('%s by %s: %s', (action, role, policy) => {
    expect(reasonPolicy(action, role)).toBe(policy);
  });

  it('only helpdesk shutting down or rebooting must give one', () => {
    const actions: ActionId[] = ['start', 'shutdown', 'reboot', 'forceOff', 'reset', 'hibernate'];
    const required = ROLES.flatMap((role) =>
      actions.filter((a) => reasonPolicy(a, role) === 'required').map((a) => `${role}:${a}`),
    );
    expect(required).toEqual(['helpdesk:shutdown', 'helpdesk:reboot']);
  });
});

describe('reasonProblem: whether the confirm button may be pressed', () => {
  it('a required reason must not be blank', () => {
    expect(reasonProblem('', 'required')).toBe('Give a reason');
    expect(reasonProblem('   \n\t', 'required')).toBe('Give a reason');
    expect(reasonProblem('Ticket 42', 'required')).toBeNull();
  });

  it('an optional reason may be blank', () => {
    expect(reasonProblem('', 'optional')).toBeNull();
    expect(reasonProblem('  ', 'optional')).toBeNull();
  });

  it(`at most ${MAX_REASON_LENGTH} characters, after trimming`, () => {
    expect(MAX_REASON_LENGTH).toBe(500);
    expect(reasonProblem('x'.repeat(500), 'required')).toBeNull();
    expect(reasonProblem(` ${'x'.repeat(500)} `, 'optional')).toBeNull();
    expect(reasonProblem('x'.repeat(501), 'required')).toBe('At most 500 characters');
    expect(reasonProblem('x'.repeat(501), 'optional')).toBe('At most 500 characters');
  });

  it('Start asks for nothing', () => {
    expect(reasonProblem('', 'none')).toBeNull();
  });
});

describe('cleanReason', () => {
  it('trims, and blank is no reason', () => {
    expect(cleanReason('  caller 555-0100 \n')).toBe('caller 555-0100');
    expect(cleanReason('line one\nline two')).toBe('line one\nline two');
    expect(cleanReason(' \n ')).toBeUndefined();
    expect(cleanReason(undefined)).toBeUndefined();
  });
});
