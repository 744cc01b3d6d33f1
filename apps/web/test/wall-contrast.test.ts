// AAA (7:1) for the wall view's text: it is always dark, on the wall's own background (--color-wall). Reads the
// dark values of the tokens from src/styles.css; the pairs are the ones wall-tile.tsx and wall-status.tsx use.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../src/styles.css', import.meta.url), 'utf8');
type Oklch = [number, number, number];
const num = '([\\d.]+)';
const oklch = `oklch\\(\\s*${num}\\s+${num}\\s+${num}\\s*\\)`;

function dark(name: string): Oklch {
  const pair = new RegExp(`--color-${name}:\\s*light-dark\\(${oklch},\\s*${oklch}\\)`).exec(css);
  const single = new RegExp(`--color-${name}:\\s*${oklch};`).exec(css);
  if (pair) return [Number(pair[4]), Number(pair[5]), Number(pair[6])];
  if (single) return [Number(single[1]), Number(single[2]), Number(single[3])];
  throw new Error(`no token --color-${name}`);
}

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
