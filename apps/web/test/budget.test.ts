// The bundle budget: a production build's initial JavaScript (the entry and what it preloads; not the chunks
// loaded on demand, like the VM detail page) is at most 150 KB gzipped, its CSS at most 20 KB. Builds with Vite's
// JS API into a temporary directory, so it measures the code as it is now. (KB = 1000 bytes, as Vite reports.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProduction } from '../build-production';

const JS_BUDGET = 150_000;
const CSS_BUDGET = 20_000;

let outDir = '';
let html = '';

const gz = (file: string) => gzipSync(readFileSync(join(outDir, file)), { level: 9 }).length;
/** Local asset paths of tags in the built index.html. */
function assets(re: RegExp): string[] {
  return [...html.matchAll(re)]
    .map((m) => (m[1] ?? '').replace(/^\//, ''))
    .filter((p) => p.startsWith('assets/'));
}

describe('the bundle budget', () => {
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'powerdeck-budget-'));
    await buildProduction(outDir);
    html = readFileSync(join(outDir, 'index.html'), 'utf8');
  }, 180_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('initial JavaScript ≤ 150 KB gzipped', () => {
    const js = [
      ...assets(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
      ...assets(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
    ];
    expect(js.length).toBeGreaterThan(0);
    const total = js.reduce((sum, f) => sum + gz(f), 0);
    console.info(`initial JS: ${(total / 1000).toFixed(1)} KB gzipped in ${js.length} file(s)`);
    expect(total).toBeLessThanOrEqual(JS_BUDGET);
  });

  it('CSS ≤ 20 KB gzipped', () => {
    const css = assets(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g);
    expect(css.length).toBeGreaterThan(0);
    const total = css.reduce((sum, f) => sum + gz(f), 0);
    console.info(`CSS: ${(total / 1000).toFixed(1)} KB gzipped`);
    expect(total).toBeLessThanOrEqual(CSS_BUDGET);
  });

  it('keeps no inline script or style in index.html (the CSP forbids them)', () => {
    expect(html).not.toMatch(/<style|<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
