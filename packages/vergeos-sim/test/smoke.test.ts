import { describe, expect, it } from 'vitest';
import * as sim from '../src/index';

describe('vergeos-sim', () => {
  it('loads', () => {
    expect(typeof sim).toBe('object');
  });
});
