// How old the fleet data is (issue 13, "honest data age"): the time since VergeOS last answered a poll, never the
// time a failing poll ended. `staleSince` is that last answer while VergeOS hangs or answers 503, every
// `GET /api/fleet` (200 and 304) carries the age in a header, and the body (so its ETag) stays the same while
// nothing changes, so a quiet fleet, or one in an outage, is still answered 304.
import { DATA_AGE_HEADER } from '@powerdeck/contracts/fleet-terms';
import { VergeTimeoutError, type VergeClient } from '@powerdeck/vergeos-client';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { WAIT, buildTestApp, firstPoll, getFleet, startTestSim, upstreamFor, type TestApp } from './support';

/** A read timeout much shorter than the BFF's 5 s, so that a hang fails a poll quickly. */
const READ_TIMEOUT_MS = 200;

/** Makes the poller's reads give up after READ_TIMEOUT_MS, as the client does after 5 s (a VergeTimeoutError). */
function shortReadTimeout(app: FastifyInstance): void {
  const client = app.vergeos.client;
  const timed =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => reject(new VergeTimeoutError(READ_TIMEOUT_MS)), READ_TIMEOUT_MS);
        read(...args).then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
  // The list is generic in its row type; the wrapper passes rows through untouched.
  client.vms.list = timed(client.vms.list.bind(client.vms)) as VergeClient['vms']['list'];
  client.nodes.list = timed(client.nodes.list.bind(client.nodes));
}

/** `GET /api/fleet` with the age it states, and the bounds it must fall in (from the last success, by our clock). */
async function ageOf(app: TestApp, headers: Record<string, string> = {}) {
  const last = app.fleet.lastSuccessAt();
  const before = Date.now();
  const answer = await getFleet(app, headers);
  const after = Date.now();
  const raw = answer.res.headers[DATA_AGE_HEADER];
  return {
    ...answer,
    age: raw === undefined ? null : Number(raw),
    min: last === null ? null : before - last,
    max: last === null ? null : after - last,
  };
}

describe('the fleet data’s age', () => {
  it('is stated on every answer, 200 and 304, and absent before VergeOS first answered', async () => {
    const sim = await startTestSim({ scenario: 'hang' });
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    await app.ready();
    const waiting = await ageOf(app);
    expect(waiting.res.statusCode).toBe(200);
    expect(waiting.res.headers[DATA_AGE_HEADER]).toBeUndefined();
    await app.close();

    const live = await startTestSim();
    const app2 = await buildTestApp(upstreamFor(live), {
      closeAfterTest: true,
      poll: { intervalMs: 60_000 },
    });
    await firstPoll(app2);
    const first = await ageOf(app2);
    expect(first.res.statusCode).toBe(200);
    expect(first.age).toBeGreaterThanOrEqual(first.min ?? NaN);
    expect(first.age).toBeLessThanOrEqual(first.max ?? NaN);
    await new Promise((r) => setTimeout(r, 120));
    // No poll since (a minute's interval): the same body, a 304, and an age that grew.
    const again = await ageOf(app2, { 'if-none-match': first.etag });
    expect(again.res.statusCode).toBe(304);
    expect(again.age).toBeGreaterThanOrEqual(Math.max(again.min ?? NaN, 120));
    expect(again.age).toBeLessThanOrEqual(again.max ?? NaN);
  });

  it('VergeOS answering 503: stale since its last answer, the age counts from it, and 304s go on', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 40 },
      // No backoff in this test: every failed poll has the same reason, so the same body.
      fleetBackoff: { afterFailures: 1000 },
    });
    await firstPoll(app);
    sim.setScenario('unavailable');
    await vi.waitFor(() => expect(app.fleet.current().snapshot.stale).toBe(true), WAIT);
    const last = app.fleet.lastSuccessAt();
    expect(last).not.toBeNull();
    const stale = await ageOf(app);
    expect(stale.snapshot?.staleSince).toBe(new Date(last ?? NaN).toISOString());
    expect(stale.age).toBeGreaterThanOrEqual(stale.min ?? NaN);
    expect(stale.age).toBeLessThanOrEqual(stale.max ?? NaN);

    // More failed polls: nothing in the body moves, the age does.
    const failures = app.fleet.status().consecutiveFailures;
    await vi.waitFor(
      () => expect(app.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(failures + 3),
      WAIT,
    );
    const later = await ageOf(app, { 'if-none-match': stale.etag });
    expect(later.res.statusCode).toBe(304);
    expect(later.age).toBeGreaterThanOrEqual(Math.max(later.min ?? NaN, (stale.age ?? NaN) + 2 * 40));
    expect(later.age).toBeLessThanOrEqual(later.max ?? NaN);
    expect(app.fleet.lastSuccessAt()).toBe(last);
    expect(app.fleet.current().snapshot.staleSince).toBe(stale.snapshot?.staleSince);

    // Back: current, the age small again.
    sim.setScenario('none');
    await vi.waitFor(() => expect(app.fleet.current().snapshot.stale).toBe(false), WAIT);
    const back = await ageOf(app);
    expect(back.snapshot?.staleSince).toBeNull();
    expect(back.age).toBeLessThanOrEqual(back.max ?? NaN);
    expect(back.age).toBeLessThan(later.age ?? NaN);
  });

  it('VergeOS hanging: stale since its last answer (not since the poll that timed out), the age from it', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 100 },
      fleetBackoff: { afterFailures: 1000 },
      beforeReady: shortReadTimeout,
    });
    await firstPoll(app);
    sim.setScenario('hang');

    // Before the hung poll times out the BFF does not know it failed, but the age already counts from the last answer.
    await vi.waitFor(() => expect(app.fleet.status().polling).toBe(true), WAIT);
    const last = app.fleet.lastSuccessAt() ?? NaN;
    await vi.waitFor(() => expect(Date.now() - last).toBeGreaterThan(150), WAIT);
    const hanging = await ageOf(app);
    expect(hanging.snapshot?.stale).toBe(false);
    expect(hanging.age).toBeGreaterThanOrEqual(Math.max(hanging.min ?? NaN, 150));
    expect(hanging.age).toBeLessThanOrEqual(hanging.max ?? NaN);

    await vi.waitFor(() => expect(app.fleet.current().snapshot.stale).toBe(true), WAIT);
    const stale = await ageOf(app);
    expect(stale.snapshot?.staleReason).toBe('VergeOS did not answer within 200 ms');
    expect(stale.snapshot?.staleSince).toBe(new Date(last).toISOString());
    // The failed poll ended an interval and a read timeout after the last answer: that is not what counts.
    expect((app.fleet.status().lastFailureAt ?? NaN) - last).toBeGreaterThanOrEqual(
      100 + READ_TIMEOUT_MS - 5,
    );
    expect(stale.age).toBeGreaterThanOrEqual(Math.max(stale.min ?? NaN, 100 + READ_TIMEOUT_MS - 5));
    expect(stale.age).toBeLessThanOrEqual(stale.max ?? NaN);

    // Another timed-out poll: the same body (304), an older age.
    const failures = app.fleet.status().consecutiveFailures;
    await vi.waitFor(
      () => expect(app.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(failures + 1),
      WAIT,
    );
    const later = await ageOf(app, { 'if-none-match': stale.etag });
    expect(later.res.statusCode).toBe(304);
    expect(later.age).toBeGreaterThanOrEqual(Math.max(later.min ?? NaN, (stale.age ?? NaN) + 100));
    expect(app.fleet.current().snapshot.staleSince).toBe(new Date(last).toISOString());
  });

  it('before VergeOS ever answered: stale since the BFF started polling, and no age', async () => {
    const sim = await startTestSim({ scenario: 'unavailable' });
    const before = Date.now();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 40 },
      fleetBackoff: { afterFailures: 1000 },
    });
    const after = Date.now();
    await vi.waitFor(() => expect(app.fleet.status().consecutiveFailures).toBeGreaterThanOrEqual(3), WAIT);
    const { snapshot, res, etag } = await getFleet(app);
    expect(snapshot).toMatchObject({
      stale: true,
      fetchedAt: null,
      staleReason: expect.stringContaining('503'),
    });
    const since = Date.parse(snapshot?.staleSince ?? '');
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThanOrEqual(after);
    expect(res.headers[DATA_AGE_HEADER]).toBeUndefined();
    expect((await getFleet(app, { 'if-none-match': etag })).res.statusCode).toBe(304);
  });
});
