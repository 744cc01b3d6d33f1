// The theme's colour tokens as src/styles.css defines them, and WCAG contrast between two of them: for the
// contrast tests (contrast.test.ts, wall-contrast.test.ts).
import { readFileSync } from 'node:fs';

const css = readFileSync(new URL('../src/styles.css', import.meta.url), 'utf8');

export type Oklch = [number, number, number];

const NUM = '([\\d.]+)';
const OKLCH = `oklch\\(\\s*${NUM}\\s+${NUM}\\s+${NUM}\\s*\\)`;

/** A token's [light, dark] values: `light-dark(oklch(…), oklch(…))`, or one `oklch(…)` for both themes. */
export function token(name: string): [Oklch, Oklch] {
  const pair = new RegExp(`--color-${name}:\\s*light-dark\\(${OKLCH},\\s*${OKLCH}\\)`).exec(css);
  if (pair) {
    const n = pair.slice(1, 7).map(Number);
    return [n.slice(0, 3) as Oklch, n.slice(3, 6) as Oklch];
  }
  const single = new RegExp(`--color-${name}:\\s*${OKLCH};`).exec(css);
  if (single) {
    const v = single.slice(1, 4).map(Number) as Oklch;
    return [v, v];
  }
  throw new Error(`no token --color-${name}`);
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

/** WCAG contrast ratio (1 to 21). */
export function contrast(x: Oklch, y: Oklch): number {
  const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p) as [number, number];
  return (a + 0.05) / (b + 0.05);
}
