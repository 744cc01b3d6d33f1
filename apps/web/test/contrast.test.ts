// WCAG contrast of the theme tokens, in both themes: text colours reach AA (4.5:1) on every surface they are used
// on, and focus rings and form-control borders reach 3:1 (WCAG 1.4.11). Reads the tokens from src/styles.css.
import { describe, expect, it } from 'vitest';
import { contrast, token, type Oklch } from './color-tokens';

const WHITE: Oklch = [1, 0, 0];
const get = (name: string, theme: 0 | 1): Oklch => token(name)[theme];

const SURFACES = ['surface', 'panel', 'sunken'];
const TEXT_ON_SURFACES = ['ink', 'muted', 'accent', 'ok', 'warn', 'bad', 'idle'];
const TEXT_ON_SOFT: [string, string][] = [
  ['ok', 'ok-soft'],
  ['warn', 'warn-soft'],
  ['bad', 'bad-soft'],
  ['accent', 'accent-soft'],
  ['idle', 'idle-soft'],
  ['ink', 'warn-soft'],
  ['muted', 'warn-soft'],
  ['ink', 'bad-soft'],
  ['ink', 'accent-soft'],
];

describe.each([
  ['light', 0],
  ['dark', 1],
] as const)('the %s theme', (_name, theme) => {
  it('reads every token it checks, a different colour in each theme', () => {
    for (const name of new Set([...SURFACES, ...TEXT_ON_SURFACES, ...TEXT_ON_SOFT.flat()])) {
      const [light, dark] = token(name);
      expect(light, name).not.toEqual(dark);
      expect(get(name, theme)[0], name).toBeGreaterThan(0);
    }
  });

  it.each(TEXT_ON_SURFACES.flatMap((fg) => SURFACES.map((bg) => [fg, bg])))(
    'text %s on %s reaches AA',
    (fg, bg) => {
      expect(contrast(get(fg, theme), get(bg, theme))).toBeGreaterThanOrEqual(4.5);
    },
  );

  it.each(TEXT_ON_SOFT)('text %s on %s reaches AA', (fg, bg) => {
    expect(contrast(get(fg, theme), get(bg, theme))).toBeGreaterThanOrEqual(4.5);
  });

  it('filled buttons: their text on accent and bad reaches AA', () => {
    // Light: white text; dark: the surface colour (the button's `dark:text-surface`).
    const text = theme === 0 ? WHITE : get('surface', theme);
    expect(contrast(text, get('accent', theme))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(text, get('bad', theme))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(SURFACES)('focus rings and field borders reach 3:1 on %s', (bg) => {
    expect(contrast(get('accent', theme), get(bg, theme))).toBeGreaterThanOrEqual(3);
    expect(contrast(get('field', theme), get(bg, theme))).toBeGreaterThanOrEqual(3);
  });
});
