// WCAG contrast of the theme tokens, in both themes: text colours reach AA (4.5:1) on every surface they are used
// on, and focus rings and form-control borders reach 3:1 (WCAG 1.4.11). Reads the tokens from src/styles.css.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../src/styles.css', import.meta.url), 'utf8');

type Oklch = [number, number, number];

function parseOklch(s: string): Oklch {
  const m = /oklch\(\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\)/.exec(s);
  if (!m) throw new Error(`not an oklch() colour: ${s}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** token name -> [light, dark] */
function tokens(): Map<string, [Oklch, Oklch]> {
  const out = new Map<string, [Oklch, Oklch]>();
  const re = /--color-([\w-]+):\s*light-dark\((oklch\([^)]*\)),\s*(oklch\([^)]*\))\)/g;
  for (const m of css.matchAll(re)) out.set(m[1] ?? '', [parseOklch(m[2] ?? ''), parseOklch(m[3] ?? '')]);
  return out;
}

/** Relative luminance of an OKLCH colour (clipped to sRGB, as browsers draw it). */
function luminance([l, c, h]: Oklch): number {
  const a = c * Math.cos((h * Math.PI) / 180);
  const b = c * Math.sin((h * Math.PI) / 180);
  const l_ = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m_ = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s_ = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  const r = clip(4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_);
  const g = clip(-1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_);
  const bl = clip(-0.0041960863 * l_ - 0.7034186147 * m_ + 1.707614701 * s_);
  return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
}

function contrast(x: Oklch, y: Oklch): number {
  const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p) as [number, number];
  return (a + 0.05) / (b + 0.05);
}

const WHITE: Oklch = [1, 0, 0];
const t = tokens();
const get = (name: string, theme: 0 | 1): Oklch => {
  const v = t.get(name);
  if (!v) throw new Error(`no token --color-${name}`);
  return v[theme];
};

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
  it('reads every token', () => {
    expect(t.size).toBeGreaterThanOrEqual(17);
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
