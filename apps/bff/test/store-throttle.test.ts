// Sign-in throttling per user name and per source address, on both backends (a real SQLite file, a real PostgreSQL
// database), with a clock; and guesses that reach several servers at the same moment, counted exactly.
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_LIMITS } from '../src/stores/sqlite/throttle';
import type { ReserveDecision, Stores } from '../src/stores/types';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';
import { anotherServer } from './store-servers';

const MIN = 60_000;

describe.each(BACKENDS)('%s', (backend) => {
  let stores: TestStores;
  let now: number;

  beforeEach(async () => {
    now = Date.parse('2025-03-01T08:00:00Z');
    stores = await openTestStores(backend, { now: () => now });
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
      expect(await stores.throttle.check('zed', '10.0.0.8')).toMatchObject({
        allowed: false,
        scope: 'source',
      });
      await stores.throttle.release('frank', '10.0.0.8');
      expect(await stores.throttle.check('zed', '10.0.0.8')).toEqual({ allowed: true });
      expect(await stores.throttle.reserve('zed', '10.0.0.8')).toEqual({ allowed: true, failures: 20 });
      expect(await stores.throttle.check('zed', '10.0.0.8')).toMatchObject({
        allowed: false,
        scope: 'source',
      });
    });

    it('treats unknown user names like real ones and bounds odd input', async () => {
      expect(await fail(6, 'x'.repeat(10_000), ' 10.0.0.9 ')).toMatchObject({
        allowed: false,
        scope: 'user',
      });
      expect(await stores.throttle.check('x'.repeat(10_000), '10.0.0.9')).toMatchObject({ allowed: false });
    });

    it('holds across restarts and forgets old counters when pruned', async () => {
      await fail(5, 'erin', '10.0.0.3');
      await stores.close();
      const restarted = await anotherServer(stores, { now: () => now });
      expect(await restarted.throttle.check('erin', '10.0.0.3')).toMatchObject({ allowed: false });
      expect(await restarted.throttle.prune()).toBe(0);
      now += 15 * MIN;
      expect(await restarted.throttle.prune()).toBe(2);
      expect(await restarted.throttle.check('erin', '10.0.0.3')).toEqual({ allowed: true });
    });

    it('takes other limits', async () => {
      const other = await anotherServer(stores, {
        now: () => now,
        throttle: { userMaxFailures: 2, lockoutMs: MIN },
      });
      expect(await other.throttle.reserve('fay', '10.0.0.4')).toEqual({ allowed: true, failures: 1 });
      expect(await other.throttle.reserve('fay', '10.0.0.4')).toEqual({ allowed: true, failures: 2 });
      expect(await other.throttle.reserve('fay', '10.0.0.4')).toEqual({
        allowed: false,
        scope: 'user',
        retryAfterMs: MIN,
      });
    });
  });

  describe('guesses reaching two servers at the same moment', () => {
    let other: Stores;
    beforeEach(async () => {
      other = await anotherServer(stores, { now: () => now });
    });

    /** Sends every attempt at once, alternately through each server; the decisions, in the order sent. */
    const together = (attempts: readonly (readonly [string, string])[]): Promise<ReserveDecision[]> =>
      Promise.all(
        attempts.map(([user, source], i) => (i % 2 ? other : stores).throttle.reserve(user, source)),
      );

    const counter = async (scope: string, key: string) =>
      (
        await rows<{ failures: number }>(
          stores,
          `SELECT failures FROM signin_throttle WHERE scope = '${scope}' AND key = '${key}'`,
        )
      )[0]?.failures;

    it('20 wrong guesses for one name: exactly 5 are admitted, each counted once; the rest are refused', async () => {
      const decisions = await together(Array.from({ length: 20 }, () => ['alice', '10.0.0.1'] as const));
      const admitted = decisions.flatMap((d) => (d.allowed ? [d.failures] : []));
      expect(admitted.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      expect(decisions.filter((d) => !d.allowed && d.scope === 'user')).toHaveLength(15);
      expect(await counter('user', 'alice')).toBe(5);
      expect(await counter('source', '10.0.0.1')).toBe(5);
      expect(await other.throttle.check('alice', '10.0.0.2')).toMatchObject({
        allowed: false,
        scope: 'user',
      });
    });

    it('40 guesses at different names from one address: exactly 20 are admitted; the rest are refused', async () => {
      const decisions = await together(
        Array.from({ length: 40 }, (_, i) => [`guess${i}`, '10.0.0.2'] as const),
      );
      const admitted = decisions.flatMap((d) => (d.allowed ? [d.failures] : []));
      expect(admitted.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(decisions.filter((d) => !d.allowed && d.scope === 'source')).toHaveLength(20);
      expect(await counter('source', '10.0.0.2')).toBe(20);
    });

    it('sign-ins that succeed while guesses arrive take back only their own attempts', async () => {
      await together(Array.from({ length: 5 }, (_, i) => [`guess${i}`, '10.0.0.3'] as const));
      // Five right passwords, each counted, then released through either server among 9 more wrong guesses; the
      // address never reaches its limit (at most 19), so every one of them is admitted.
      const good = await together(Array.from({ length: 5 }, (_, i) => [`good${i}`, '10.0.0.3'] as const));
      expect(good.every((d) => d.allowed)).toBe(true);
      const [, guesses] = await Promise.all([
        Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            (i % 2 ? stores : other).throttle.release(`good${i}`, '10.0.0.3'),
          ),
        ),
        together(Array.from({ length: 9 }, (_, i) => [`more${i}`, '10.0.0.3'] as const)),
      ]);
      expect(guesses.every((d) => d.allowed)).toBe(true);
      expect(await counter('source', '10.0.0.3')).toBe(5 + 5 - 5 + 9);
      expect(await counter('user', 'good0')).toBeUndefined();
    });
  });
});
