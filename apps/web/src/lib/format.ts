// Formatters for what people read and compare: durations, relative and absolute times, sizes, counts.
// Pure functions (tested in test/format.test.ts); components show them in tabular figures.
import { ramWords } from '@powerdeck/contracts/schedule-capacity';

/** "12 s ago", "3 min ago", "5 h ago", "4 d ago" (a time in the future counts as now). */
export function ago(fromMs: number, nowMs: number): string {
  return `${shortDuration(Math.max(0, nowMs - fromMs) / 1000)} ago`;
}

/** The largest unit only: "12 s", "3 min", "5 h", "4 d" (hours up to 48). */
export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** Two units, for elapsed times and uptimes: "42 s", "3 min 4 s", "5 h 12 min", "3 d 4 h". */
export function duration(seconds: number): string {
  let s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

/** Seconds as a clock, for countdowns and timers: "0:05", "1:23", "12:00", "1:02:03". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Uptime from a start in epoch seconds: "3 d 4 h", "5 h 12 min", "3 min" (no seconds past the first minute). */
export function uptime(startedSec: number, nowMs: number): string {
  const s = Math.max(0, Math.floor(nowMs / 1000 - startedSec));
  if (s >= 60 && s < 3600) return `${Math.floor(s / 60)} min`;
  return duration(s);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A local wall-clock time, "09:58:36" (24 h). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A local date and time for tooltips, "2026-11-29 09:58:36". */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(ms)}`;
}

/** One decimal at most, none when whole: 1.5, 2, 0.3. */
function trim1(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** RAM in MB as "512 MB", "16 GB", "1.5 TB" (the words the server's capacity summaries use too). */
export const ram = ramWords;

/** RAM used against capacity in one unit, the capacity's: "64/96 GB", "0.5/96 GB". */
export function ramOf(usedMb: number, totalMb: number): string {
  if (totalMb >= 1024 * 1024) return `${trim1(usedMb / 1048576)}/${trim1(totalMb / 1048576)} TB`;
  if (totalMb >= 1024) return `${trim1(usedMb / 1024)}/${trim1(totalMb / 1024)} GB`;
  return `${usedMb}/${totalMb} MB`;
}

/** A count with thousands separators: "10,000". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 VM", "3 VMs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** A share from 0 to 1 (0 when the total is 0), for meters. */
export function share(used: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(1, Math.max(0, used / total));
}
