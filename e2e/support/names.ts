// Names unique to one run of one test (user names, token and display-link names, reasons), so that what a test
// finds in the shared BFF's tables and audit log is its own, also against servers reused from an earlier run.
let n = 0;

export function unique(prefix: string): string {
  n += 1;
  return `${prefix}-${Date.now().toString(36)}${n}`;
}
