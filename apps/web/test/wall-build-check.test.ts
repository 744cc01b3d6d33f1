import { describe, expect, it } from 'vitest';
import { entryScript, isNewBuild } from '../src/features/wall/lib/build-check';

const BASE = 'https://powerdeck.example:8443/wall?group=node';
const html = (src: string) =>
  `<!doctype html><html><head><script src="/theme-init.js"></script>` +
  `<script type="module" crossorigin src="${src}"></script></head><body><div id="root"></div></body></html>`;

describe('has the server a new build?', () => {
  it('reads the entry module of an index.html, not the other scripts', () => {
    expect(entryScript(html('/assets/index-CkELIEYK.js'), BASE)).toBe('/assets/index-CkELIEYK.js');
    expect(entryScript(`<script type=module src=/assets/a.js></script>`, BASE)).toBe('/assets/a.js');
    expect(entryScript(`<script src="/theme-init.js"></script>`, BASE)).toBeNull();
    expect(entryScript('<h1>502 Bad Gateway</h1>', BASE)).toBeNull();
  });

  it('the same entry module: no', () => {
    const running = 'https://powerdeck.example:8443/assets/index-CkELIEYK.js';
    expect(isNewBuild(running, html('/assets/index-CkELIEYK.js'), BASE)).toBe(false);
  });

  it('another entry module: yes', () => {
    const running = 'https://powerdeck.example:8443/assets/index-CkELIEYK.js';
    expect(isNewBuild(running, html('/assets/index-Zx81Qq0p.js'), BASE)).toBe(true);
  });

  it('unknown on either side: no (a proxy error page, a dev server, a page without a module)', () => {
    expect(isNewBuild(null, html('/assets/index-Zx81Qq0p.js'), BASE)).toBe(false);
    expect(isNewBuild('https://powerdeck.example:8443/assets/index-1.js', '<h1>503</h1>', BASE)).toBe(false);
    expect(isNewBuild('https://powerdeck.example:8443/assets/index-1.js', '', BASE)).toBe(false);
  });
});
