// The feed of the scheduler's recorded runs (schedules/run-feed.ts): the runs the start's catch-up records may come
// before anyone listens (alerts start after the scheduler); they wait for the first listener, and only it gets
// them; a new term drops them (they were the previous leader's).
import { describe, expect, it } from 'vitest';
import { MAX_WAITING, ScheduleRunFeed } from '../src/schedules/run-feed';
import type { DecidedRun } from '../src/schedules/scheduler';

const run = (n: number) => ({ scheduleId: `s${n}` }) as unknown as DecidedRun;
const silent = { error: () => undefined };

describe('schedule run feed', () => {
  it('keeps runs told before anyone listens for the first listener, then tells everyone as they come', () => {
    const feed = new ScheduleRunFeed(silent);
    feed.decided([run(1), run(2)]);
    const first: DecidedRun[] = [];
    const second: DecidedRun[] = [];
    feed.subscribe((r) => first.push(...r));
    feed.subscribe((r) => second.push(...r));
    expect(first).toEqual([run(1), run(2)]);
    expect(second).toEqual([]);
    feed.decided([run(3)]);
    expect(first).toEqual([run(1), run(2), run(3)]);
    expect(second).toEqual([run(3)]);
  });

  it('keeps at most MAX_WAITING, the newest, and drops them at a new term', () => {
    const feed = new ScheduleRunFeed(silent);
    feed.decided(Array.from({ length: MAX_WAITING + 3 }, (_, i) => run(i)));
    const got: DecidedRun[] = [];
    const stop = feed.subscribe((r) => got.push(...r));
    expect(got).toHaveLength(MAX_WAITING);
    expect(got[0]).toEqual(run(3));
    stop();
    feed.decided([run(9)]);
    feed.clear();
    const later: DecidedRun[] = [];
    feed.subscribe((r) => later.push(...r));
    expect(later).toEqual([]);
  });
});
