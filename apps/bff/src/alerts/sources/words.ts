// Times and durations in the alerts' words. An alert is read later and elsewhere (a phone, a mail client in another
// zone), so times are absolute and say their zone; durations are whole units, rounded down ("for 5 minutes" once
// five have passed).

/** "1 VM", "12 VMs", "3 runs". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2026-03-02 14:05 UTC". */
export function utcMinute(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "45 seconds", "1 minute", "7 minutes", "2 hours 5 minutes", "3 days 2 hours". */
export function durationWords(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return plural(s, 'second');
  const m = Math.floor(s / 60);
  if (m < 120) return plural(m, 'minute');
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m % 60, 'minute')}`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? plural(d, 'day') : `${plural(d, 'day')} ${plural(h % 24, 'hour')}`;
}

/** At most `max` lines of a list, then "… and N more". */
export function someLines(lines: readonly string[], max: number): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `… and ${lines.length - max} more`];
}
