// A whole number as typed in a form field (seconds to wait, VMs at once, grace minutes), checked against the bounds
// the BFF accepts (the contracts' `{ default, min, max }`). Pure (tested in test/operations-countdown.test.ts and
// test/plans-lib.test.ts, through the fields that use it).

/** The text (spaces around it ignored) as a whole number in `[min, max]`; null when it is not one, or empty. */
export function parseWhole(text: string, bounds: { min: number; max: number }): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= bounds.min && n <= bounds.max ? n : null;
}

/** As `parseWhole`, but a field left empty takes the default. */
export function parseWholeOrDefault(
  text: string,
  bounds: { default: number; min: number; max: number },
): number | null {
  return text.trim() ? parseWhole(text, bounds) : bounds.default;
}
