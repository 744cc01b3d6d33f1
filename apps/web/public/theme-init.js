// Runs before the first paint (a plain script, allowed by the CSP's script-src 'self'; no inline script):
// sets <html data-theme> from the saved choice or the system's, so the page never flashes the wrong theme.
// src/lib/theme.ts owns the choice after that; the storage key and values must match it.
(function () {
  var pref;
  try {
    pref = localStorage.getItem('powerdeck.theme');
  } catch {
    pref = null;
  }
  var dark =
    pref === 'dark' ||
    (pref !== 'light' && window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
})();
