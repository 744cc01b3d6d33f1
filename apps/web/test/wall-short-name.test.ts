import { describe, expect, it } from 'vitest';
import { shortName } from '../src/features/wall/lib/short-name';

/** Fits when it has at most `n` characters. */
const chars = (n: number) => (text: string) => [...text].length <= n;

describe('a VM name shortened to fit its tile', () => {
  it('a name that fits is left alone', () => {
    expect(shortName('web-01', chars(8))).toBe('web-01');
    expect(shortName('appliance-01', chars(12))).toBe('appliance-01');
  });

  it('a long name keeps its end, so siblings stay apart', () => {
    expect(shortName('appliance-01', chars(8))).toBe('appl…-01');
    expect(shortName('appliance-17', chars(8))).toBe('appl…-17');
    expect(shortName('appliance-01', chars(11))).toBe('applian…-01');
    expect(shortName('payroll.db.main', chars(10))).toBe('payr….main');
  });

  it('without a short last part, the last three characters', () => {
    expect(shortName('exchangeserver2019', chars(9))).toBe('excha…019');
    expect(shortName('payroll.db.primary', chars(10))).toBe('payrol…ary');
    expect(shortName('a-verylongsuffix', chars(8))).toBe('a-ve…fix');
  });

  it('narrower still: the end alone, then the name for CSS to cut', () => {
    expect(shortName('appliance-01', chars(4))).toBe('…-01');
    expect(shortName('legacy-app-server-042', chars(4))).toBe('…042');
    expect(shortName('appliance-01', chars(3))).toBe('appliance-01');
  });

  it('the result always fits when anything can', () => {
    for (const name of ['legacy-app-server-042', 'k8s-worker-pool-b-17', 'x', 'db_main_01', 'vm 7']) {
      for (let n = 4; n <= 24; n++) {
        const out = shortName(name, chars(n));
        expect([...out].length, `${name} in ${n}`).toBeLessThanOrEqual(n);
        if ([...name].length <= n) expect(out).toBe(name);
      }
    }
  });
});
