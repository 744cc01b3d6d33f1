import { AUDIT_KINDS, AUDIT_OUTCOMES } from '@powerdeck/contracts/audit-terms';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../src/features/audit/lib/audit-filters';
import {
  actionOptionLabel,
  actionWords,
  isFailure,
  KIND_LABELS,
  latencyText,
  OUTCOME_LABELS,
  outcomeTone,
  parseParams,
  rowActionWords,
} from '../src/features/audit/lib/audit-words';

describe('actions in words', () => {
  it('names power actions as the buttons do', () => {
    expect(actionWords('poweron')).toBe('Start');
    expect(actionWords('poweroff')).toBe('Shut down');
    expect(actionWords('kill')).toBe('Force off');
    expect(actionWords('hibernate')).toBe('Hibernate');
    expect(actionWords('reset')).toBe('Reset');
    expect(actionWords('reset', '{"graceful":false}')).toBe('Reset');
    expect(actionWords('reset', '{"graceful":true}')).toBe('Reboot');
    expect(actionWords('reset', '{"graceful":"true"}')).toBe('Reset');
    expect(actionWords('poweron', '{"preferred_node":3}')).toBe('Start');
  });

  it('keeps what it does not know, and survives bad params', () => {
    expect(actionWords(null)).toBe('');
    expect(actionWords('migrate')).toBe('migrate');
    expect(actionWords('reset', 'not json')).toBe('Reset');
    expect(parseParams('[1,2]')).toEqual({});
    expect(parseParams('null')).toEqual({});
    expect(parseParams('{"a":1}')).toEqual({ a: 1 });
  });

  it('names account actions by their kind', () => {
    expect(rowActionWords('user', 'passwd', null)).toBe('User: Set password');
    expect(rowActionWords('token', 'revoke', null)).toBe('Token: Revoke');
    expect(rowActionWords('signin', null, null)).toBe('Sign-in');
    expect(rowActionWords('power', 'reset', '{"graceful":true}')).toBe('Reboot');
  });

  it('labels every filter option', () => {
    expect(actionOptionLabel('poweroff')).toBe('Shut down (poweroff)');
    expect(actionOptionLabel('role')).toBe('Change role (role)');
    for (const a of AUDIT_ACTIONS) expect(actionOptionLabel(a)).not.toBe(a);
    for (const k of AUDIT_KINDS) expect(KIND_LABELS[k]).toBeTruthy();
    for (const o of AUDIT_OUTCOMES) expect(OUTCOME_LABELS[o]).toBeTruthy();
  });
});

describe('outcome tones', () => {
  it('accepted is calm, refusals and failures are errors, a conflict warns, a request is neutral', () => {
    expect(outcomeTone('accepted')).toBe('ok');
    expect(outcomeTone('denied')).toBe('bad');
    expect(outcomeTone('failed')).toBe('bad');
    expect(outcomeTone('timeout')).toBe('bad');
    expect(outcomeTone('conflict')).toBe('warn');
    expect(outcomeTone('requested')).toBe('idle');
  });

  it('knows which outcomes did not happen', () => {
    expect(AUDIT_OUTCOMES.filter(isFailure)).toEqual(['denied', 'conflict', 'failed', 'timeout']);
  });
});

describe('latency', () => {
  it('in ms below a second, in seconds above', () => {
    expect(latencyText(null)).toBe('');
    expect(latencyText(-1)).toBe('');
    expect(latencyText(84.6)).toBe('85 ms');
    expect(latencyText(1234)).toBe('1.2 s');
    expect(latencyText(30_000)).toBe('30.0 s');
  });
});
