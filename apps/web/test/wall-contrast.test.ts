// AAA (7:1) for the wall view's text: it is always dark, on the wall's own background (--color-wall). Reads the
// dark values of the tokens from src/styles.css; the pairs are the ones wall-tile.tsx and wall-status.tsx use.
import { describe, expect, it } from 'vitest';
import { contrast, token } from './color-tokens';

const dark = (name: string) => token(name)[1];

const PAIRS: [string, string][] = [
  // totals, headings, "updated N s ago", a stopped tile's name
  ...['ink', 'muted', 'ok', 'accent', 'bad', 'warn'].map((fg): [string, string] => [fg, 'wall']),
  // tiles: names on their tone's background
  ['ink', 'ok-soft'],
  ['ink', 'accent-soft'],
  ['ink', 'warn-soft'],
  // filled tiles (error, down unexpectedly) and the STALE alert: the wall colour on the tone
  ['wall', 'bad'],
  ['wall', 'warn'],
];

describe('the wall view reaches AAA', () => {
  it('the wall background is darker than the dark surface', () => {
    expect(dark('wall')[0]).toBeLessThan(dark('surface')[0]);
  });
  it.each(PAIRS)('text %s on %s: at least 7:1', (fg, bg) => {
    expect(contrast(dark(fg), dark(bg))).toBeGreaterThanOrEqual(7);
  });
});
