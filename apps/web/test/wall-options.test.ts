import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CYCLE_S,
  DEFAULT_WALL_OPTIONS,
  MAX_FILTER_LENGTH,
  parseWallOptions,
} from '../src/features/wall/lib/options';

describe('the wall URL options', () => {
  it('defaults: grouped by node, no filter, 30 s pages', () => {
    expect(parseWallOptions('')).toEqual(DEFAULT_WALL_OPTIONS);
    expect(DEFAULT_WALL_OPTIONS).toEqual({ group: 'node', filter: '', cycleS: 30 });
  });
  it('reads every option, with or without the leading ?', () => {
    expect(parseWallOptions('?group=none&filter=web%20status:error&cycle=60')).toEqual({
      group: 'none',
      filter: 'web status:error',
      cycleS: 60,
    });
    expect(parseWallOptions('group=node&cycle=5').cycleS).toBe(5);
    expect(parseWallOptions('filter=a+b').filter).toBe('a b');
  });
  it.each(['group=nodes', 'group=', 'group=42'])('a bad group (%s) falls back to node', (q) => {
    expect(parseWallOptions(q).group).toBe('node');
  });
  it('group is case-insensitive', () => {
    expect(parseWallOptions('group=NONE').group).toBe('none');
  });
  it.each(['cycle=0', 'cycle=4', 'cycle=3601', 'cycle=-10', 'cycle=1.5', 'cycle=abc', 'cycle=', 'cycle=1e3'])(
    'a bad cycle (%s) falls back to the default',
    (q) => {
      expect(parseWallOptions(q).cycleS).toBe(DEFAULT_CYCLE_S);
    },
  );
  it('trims and bounds the filter', () => {
    expect(parseWallOptions('filter=%20%20web%20').filter).toBe('web');
    expect(parseWallOptions(`filter=${'x'.repeat(500)}`).filter).toHaveLength(MAX_FILTER_LENGTH);
  });
});
