// Has Powerdeck been upgraded under a wall that has run for weeks? The page's entry module (a hashed file name,
// `/assets/index-<hash>.js`) is compared with the one the server's index.html names now; another name means
// another build, and the wall reloads itself into it (a display's session survives a reload). Pure (tested in
// test/wall-build-check.test.ts); the hook is api/use-reload-on-new-build.ts.

const MODULE_SCRIPT = /<script\b(?=[^>]*\btype=["']?module["']?)[^>]*\bsrc=["']?([^"'\s>]+)/i;

/** The path of an index.html's entry module (`<script type="module" src>`), or null when it names none. */
export function entryScript(html: string, base: string): string | null {
  const src = MODULE_SCRIPT.exec(html)?.[1];
  if (!src) return null;
  try {
    return new URL(src, base).pathname;
  } catch {
    return null;
  }
}

/**
 * Whether the server's index.html names another entry module than the one this page runs (`running`: the
 * page's own `<script type="module">` URL). Unknown on either side: no (never reload into a page that may not be
 * Powerdeck's, e.g. a proxy's error page).
 */
export function isNewBuild(running: string | null, html: string, base: string): boolean {
  if (running === null) return false;
  const served = entryScript(html, base);
  if (served === null) return false;
  return served !== new URL(running, base).pathname;
}
