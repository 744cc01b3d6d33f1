import { POWER_STATUSES, TRANSITIONAL_STATUSES } from '@powerdeck/contracts/power';
import { describe, expect, it } from 'vitest';
import {
  STATUS,
  STATUSES,
  STATUS_GROUPS,
  TONE_BADGE,
  TONE_CARD,
  TONE_ORDER,
  inStatusGroup,
  isKnownStatus,
  isMoving,
  statusRank,
} from '../src/lib/status';

describe('the status map', () => {
  it('covers all 21 VergeOS statuses, in VergeOS order, and nothing else', () => {
    expect(POWER_STATUSES).toHaveLength(21);
    expect(STATUSES).toEqual([...POWER_STATUSES]);
  });

  it.each(POWER_STATUSES.map((s) => [s]))('%s has a label, a tone with colours and an icon', (s) => {
    const meta = STATUS[s];
    expect(meta.label).toMatch(/^[A-Z][a-z]+( [a-z]+)*$/);
    expect(TONE_ORDER).toContain(meta.tone);
    expect(TONE_BADGE[meta.tone]).toBeTruthy();
    expect(TONE_CARD[meta.tone]).toBeTruthy();
    // A lucide icon component (forwardRef object): colour is never the only signal.
    expect(meta.icon).toBeTruthy();
    expect(['function', 'object']).toContain(typeof meta.icon);
  });

  it('labels are unique', () => {
    const labels = STATUSES.map((s) => STATUS[s].label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('keeps the labels the e2e suite reads', () => {
    expect(STATUS.running.label).toBe('Running');
    expect(STATUS.stopped.label).toBe('Stopped');
    expect(STATUS.starting.label).toBe('Starting');
    expect(STATUS.stopping.label).toBe('Stopping');
    expect(STATUS.error.label).toBe('Error');
    expect(STATUS.hibernated.label).toBe('Hibernated');
    expect(STATUS.hibernating.label).toBe('Hibernating');
  });

  it('every transitional status moves (pulses, shows for how long); error and unresponsive are bad', () => {
    for (const s of TRANSITIONAL_STATUSES) expect(isMoving(s)).toBe(true);
    expect(STATUS.error.tone).toBe('bad');
    expect(STATUS.unresponsive.tone).toBe('bad');
    expect(STATUS.running.tone).toBe('ok');
    expect(STATUS.stopped.tone).toBe('idle');
    expect(isMoving('running')).toBe(false);
  });

  it('ranks the most urgent first', () => {
    expect(statusRank('error')).toBeLessThan(statusRank('maintenance'));
    expect(statusRank('maintenance')).toBeLessThan(statusRank('starting'));
    expect(statusRank('starting')).toBeLessThan(statusRank('running'));
    expect(statusRank('running')).toBeLessThan(statusRank('stopped'));
  });

  it('knows its statuses and its groups', () => {
    expect(isKnownStatus('running')).toBe(true);
    expect(isKnownStatus('toString')).toBe(false);
    expect(isKnownStatus(3)).toBe(false);
    expect(inStatusGroup('error', 'attention')).toBe(true);
    expect(inStatusGroup('needsrestart', 'attention')).toBe(true);
    expect(inStatusGroup('running', 'attention')).toBe(false);
    expect(inStatusGroup('migrating', 'transitional')).toBe(true);
    expect(Object.keys(STATUS_GROUPS)).toEqual(['attention', 'transitional']);
    // The contracts' members (the server resolves schedule filters by them) are the statuses of the groups' tones.
    for (const [group, meta] of Object.entries(STATUS_GROUPS)) {
      const byTone = STATUSES.filter((s) => meta.tones.includes(STATUS[s].tone));
      expect(STATUSES.filter((s) => inStatusGroup(s, group as keyof typeof STATUS_GROUPS))).toEqual(byTone);
    }
  });
});
