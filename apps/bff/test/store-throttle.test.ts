// Sign-in throttling per user name and per source address, on a real SQLite file, with a clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStores, type SqliteStores } from '../src/stores/sqlite/open';
import { DEFAULT_THROTTLE_LIMITS } from '../src/stores/sqlite/throttle';

const MIN = 60_000;
let dir: string;
let stores: SqliteStores;
let now: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pd-store-throttle-'));
  now = Date.parse('2025-03-01T08:00:00Z');
  stores = openSqliteStores(dir, { now: () => now });
});
afterEach(() => {
  stores.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reserves `times` attempts (each a failure: nothing releases them); the last decision. */
async function fail(times: number, user: string, source: string) {
  let last;
  for (let i = 0; i < times; i += 1) last = await stores.throttle.reserve(user, source);
  return last;
}

describe('sign-in throttle', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_THROTTLE_LIMITS).toEqual({
      userMaxFailures: 5,
      sourceMaxFailures: 20,
      windowMs: 15 * MIN,
      lockoutMs: 15 * MIN,
    });
  });

  it('admits 5 attempts of a name in 15 minutes, then locks it for 15 minutes, from any address', async () => {
    expect(await fail(4, 'alice', '10.0.0.1')).toEqual({ allowed: true, failures: 4 });
    expect(await stores.throttle.check('alice', '10.0.0.1')).toEqual({ allowed: true });
    // The fifth attempt is admitted (its password is checked) and sets the lock.
    expect(await fail(1, 'alice', '10.0.0.2')).toEqual({ allowed: true, failures: 5 });
    expect(await stores.throttle.reserve('ALICE', '10.9.9.9')).toEqual({
      allowed: false,
      scope: 'user',
      retryAfterMs: 15 * MIN,
    });
    expect(await stores.throttle.check('bob', '10.0.0.1')).toEqual({ allowed: true });
    now += 10 * MIN;
    expect(await stores.throttle.check('alice', '10.0.0.1')).toMatchObject({ retryAfterMs: 5 * MIN });
    now += 5 * MIN;
    expect(await stores.throttle.check('alice', '10.0.0.1')).toEqual({ allowed: true });
  });

  it('counts nothing for a refused attempt', async () => {
    await fail(5, 'gil', '10.0.0.5');
    for (let i = 0; i < 30; i += 1)
      expect(await stores.throttle.reserve('gil', '10.0.0.5')).toMatchObject({ allowed: false });
    // The address has the name's 5 attempts only: 15 more names are admitted before it locks.
    for (let i = 0; i < 14; i += 1) {
      expect(await stores.throttle.reserve(`other${i}`, '10.0.0.5')).toEqual({
        allowed: true,
        failures: 6 + i,
      });
    }
    expect(await stores.throttle.reserve('last', '10.0.0.5')).toEqual({ allowed: true, failures: 20 });
    expect(await stores.throttle.reserve('next', '10.0.0.5')).toMatchObject({
      allowed: false,
      scope: 'source',
    });
  });

  it('counts within a window only', async () => {
    await fail(4, 'carol', '10.0.0.1');
    now += 15 * MIN;
    expect(await fail(4, 'carol', '10.0.0.1')).toEqual({ allowed: true, failures: 4 });
    expect(await fail(2, 'carol', '10.0.0.1')).toMatchObject({ allowed: false, scope: 'user' });
  });

  it('a release resets the name and takes its attempt back from the address, keeping its other failures', async () => {
    await fail(4, 'dave', '10.0.0.7');
    // The fifth attempt was the right password.
    expect(await stores.throttle.reserve('dave', '10.0.0.7')).toEqual({ allowed: true, failures: 5 });
    await stores.throttle.release('Dave', '10.0.0.7');
    // `failures` is the larger count: the name's (4 again) or the address's (4 + 4).
    expect(await fail(4, 'dave', '10.0.0.7')).toEqual({ allowed: true, failures: 8 });
    // 8 failures so far from 10.0.0.7; 12 more across other names lock the address.
    for (let i = 0; i < 12; i += 1) {
      expect(await fail(1, `user${i}`, '10.0.0.7')).toEqual({ allowed: true, failures: 9 + i });
    }
    expect(await stores.throttle.check('dave', '10.0.0.7')).toMatchObject({
      allowed: false,
      scope: 'source',
      retryAfterMs: 15 * MIN,
    });
    expect(await stores.throttle.check('dave', '10.0.0.8')).toEqual({ allowed: true });
  });

  it('a release of the attempt that locked the address lifts that lock', async () => {
    // Different names, so only the address's count matters.
    for (let i = 0; i < 19; i += 1) await fail(1, `eve${i}`, '10.0.0.8');
    expect(await stores.throttle.reserve('frank', '10.0.0.8')).toEqual({ allowed: true, failures: 20 });
    expect(await stores.throttle.check('zed', '10.0.0.8')).toMatchObject({ allowed: false, scope: 'source' });
    await stores.throttle.release('frank', '10.0.0.8');
    expect(await stores.throttle.check('zed', '10.0.0.8')).toEqual({ allowed: true });
    expect(await stores.throttle.reserve('zed', '10.0.0.8')).toEqual({ allowed: true, failures: 20 });
    expect(await stores.throttle.check('zed', '10.0.0.8')).toMatchObject({ allowed: false, scope: 'source' });
  });

  it('treats unknown user names like real ones and bounds odd input', async () => {
    expect(await fail(6, 'x'.repeat(10_000), ' 10.0.0.9 ')).toMatchObject({ allowed: false, scope: 'user' });
    expect(await stores.throttle.check('x'.repeat(10_000), '10.0.0.9')).toMatchObject({ allowed: false });
  });

  it('holds across restarts and forgets old counters when pruned', async () => {
    await fail(5, 'erin', '10.0.0.3');
    stores.close();
    stores = openSqliteStores(dir, { now: () => now });
    expect(await stores.throttle.check('erin', '10.0.0.3')).toMatchObject({ allowed: false });
    expect(await stores.throttle.prune()).toBe(0);
    now += 15 * MIN;
    expect(await stores.throttle.prune()).toBe(2);
    expect(await stores.throttle.check('erin', '10.0.0.3')).toEqual({ allowed: true });
  });

  it('takes other limits', async () => {
    const other = openSqliteStores(dir, {
      now: () => now,
      throttle: { userMaxFailures: 2, lockoutMs: MIN },
    });
    try {
      expect(await other.throttle.reserve('fay', '10.0.0.4')).toEqual({ allowed: true, failures: 1 });
      expect(await other.throttle.reserve('fay', '10.0.0.4')).toEqual({ allowed: true, failures: 2 });
      expect(await other.throttle.reserve('fay', '10.0.0.4')).toEqual({
        allowed: false,
        scope: 'user',
        retryAfterMs: MIN,
      });
    } finally {
      other.close();
    }
  });
});
