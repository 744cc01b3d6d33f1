import { describe, expect, it } from 'vitest';
import {
  ago,
  clock,
  clockTime,
  count,
  dateTime,
  duration,
  plural,
  ram,
  ramOf,
  share,
  shortDuration,
  uptime,
} from '../src/lib/format';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('formatters', () => {
  it('ago: the largest unit, never negative', () => {
    expect(ago(NOW - 12_400, NOW)).toBe('12 s ago');
    expect(ago(NOW - 0, NOW)).toBe('0 s ago');
    expect(ago(NOW + 5000, NOW)).toBe('0 s ago');
    expect(ago(NOW - 3 * 60_000 - 5000, NOW)).toBe('3 min ago');
    expect(ago(NOW - 5 * 3_600_000, NOW)).toBe('5 h ago');
    expect(ago(NOW - 47 * 3_600_000, NOW)).toBe('47 h ago');
    expect(ago(NOW - 4 * 86_400_000, NOW)).toBe('4 d ago');
  });

  it('shortDuration and duration', () => {
    expect(shortDuration(59.9)).toBe('59 s');
    expect(shortDuration(60)).toBe('1 min');
    expect(duration(42)).toBe('42 s');
    expect(duration(184)).toBe('3 min 4 s');
    expect(duration(5 * 3600 + 12 * 60 + 9)).toBe('5 h 12 min');
    expect(duration(3 * 86400 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(duration(-3)).toBe('0 s');
  });

  it('clock: seconds as a countdown or timer shows them', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(5)).toBe('0:05');
    expect(clock(59)).toBe('0:59');
    expect(clock(60)).toBe('1:00');
    expect(clock(83)).toBe('1:23');
    expect(clock(720)).toBe('12:00');
    expect(clock(3723)).toBe('1:02:03');
    expect(clock(-4)).toBe('0:00');
    expect(clock(12.9)).toBe('0:12');
  });

  it('uptime from epoch seconds: seconds only in the first minute', () => {
    const nowSec = NOW / 1000;
    expect(uptime(nowSec - 42, NOW)).toBe('42 s');
    expect(uptime(nowSec - 184, NOW)).toBe('3 min');
    expect(uptime(nowSec - (5 * 3600 + 12 * 60), NOW)).toBe('5 h 12 min');
    expect(uptime(nowSec - (45 * 86400 + 3 * 3600), NOW)).toBe('45 d 3 h');
    expect(uptime(nowSec + 10, NOW)).toBe('0 s');
  });

  it('clock and date times are local, zero-padded, 24 h', () => {
    const d = new Date(2026, 10, 29, 9, 5, 7).getTime();
    expect(clockTime(d)).toBe('09:05:07');
    expect(dateTime(d)).toBe('2026-11-29 09:05:07');
    expect(clockTime(new Date(2026, 0, 1, 23, 59, 59).getTime())).toMatch(/^\d{2}:\d{2}:\d{2}$/);
  });

  it('RAM in MB as people say it', () => {
    expect(ram(512)).toBe('512 MB');
    expect(ram(1024)).toBe('1 GB');
    expect(ram(1536)).toBe('1.5 GB');
    expect(ram(32768)).toBe('32 GB');
    expect(ram(1024 * 1024 * 1.5)).toBe('1.5 TB');
    expect(ramOf(65536, 98304)).toBe('64/96 GB');
    expect(ramOf(512, 98304)).toBe('0.5/96 GB');
    expect(ramOf(0, 512)).toBe('0/512 MB');
    expect(ramOf(1024 * 1024, 2 * 1024 * 1024)).toBe('1/2 TB');
  });

  it('counts, plurals and shares', () => {
    expect(count(10000)).toBe('10,000');
    expect(plural(1, 'VM')).toBe('1 VM');
    expect(plural(2400, 'VM')).toBe('2,400 VMs');
    expect(share(24, 40)).toBe(0.6);
    expect(share(50, 40)).toBe(1);
    expect(share(3, 0)).toBe(0);
  });
});
