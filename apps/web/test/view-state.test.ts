import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VIEW,
  isFiltered,
  parseViewState,
  serialiseViewState,
  type ViewState,
} from '../src/features/fleet/lib/view-state';

describe('the fleet view in the URL', () => {
  it('parses every choice', () => {
    expect(parseViewState('?q=web&status=running&node=node1&sort=uptime&group=node')).toEqual({
      q: 'web',
      status: 'running',
      node: 'node1',
      sort: 'uptime',
      group: 'node',
    });
    expect(parseViewState('status=attention').status).toBe('attention');
    expect(parseViewState('status=transitional').status).toBe('transitional');
  });

  it('an empty or unknown value is the default', () => {
    expect(parseViewState('')).toEqual(DEFAULT_VIEW);
    expect(parseViewState('?status=nope&sort=size&group=os&node=')).toEqual(DEFAULT_VIEW);
    expect(parseViewState('?status=toString').status).toBeNull();
    expect(parseViewState('?q=' + 'x'.repeat(500)).q).toHaveLength(200);
  });

  it('serialises without defaults, in one order', () => {
    expect(serialiseViewState(DEFAULT_VIEW)).toBe('');
    expect(serialiseViewState({ ...DEFAULT_VIEW, group: 'node', q: 'web 01' })).toBe('q=web+01&group=node');
    expect(serialiseViewState({ q: 'a', status: 'error', node: '-', sort: 'status', group: 'node' })).toBe(
      'q=a&status=error&node=-&sort=status&group=node',
    );
  });

  it('round-trips', () => {
    const views: ViewState[] = [
      DEFAULT_VIEW,
      { q: 'db & co?', status: 'stopped', node: 'node 2', sort: 'name', group: null },
      { q: '', status: 'attention', node: '-', sort: 'uptime', group: 'node' },
    ];
    for (const v of views) expect(parseViewState(serialiseViewState(v))).toEqual(v);
  });

  it('knows when a view narrows the fleet', () => {
    expect(isFiltered(DEFAULT_VIEW)).toBe(false);
    expect(isFiltered({ ...DEFAULT_VIEW, sort: 'status', group: 'node' })).toBe(false);
    expect(isFiltered({ ...DEFAULT_VIEW, q: ' web ' })).toBe(true);
    expect(isFiltered({ ...DEFAULT_VIEW, q: '  ' })).toBe(false);
    expect(isFiltered({ ...DEFAULT_VIEW, node: 'node1' })).toBe(true);
  });
});
