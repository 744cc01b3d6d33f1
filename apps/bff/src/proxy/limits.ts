// What keeps one caller of the VergeOS routes from starving the others: who a request counts against
// (`principalKey`), how many requests each may have open at once (`InFlight`), and the upstream capacity a kind of
// request may use, with a queue whose wait counts against the request's own deadline (`Slots`). The rate per
// principal is @fastify/rate-limit's (see routes/vergeos.ts).
import type { FastifyRequest } from 'fastify';

/**
 * Who a request counts against: one person's browser sessions together, one person's tokens together (minting more
 * tokens or signing in again gives no more), one display link, or, with nobody signed in, the client's address.
 */
export function principalKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.user) return `user:${p.user.id}:${p.authKind}`;
  if (p?.display) return `display:${p.display.id}`;
  return `ip:${request.ip}`;
}

/** Requests each principal has open at once, at most `max`. */
export class InFlight {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes one of `key`'s places: a release function (idempotent), or null when all are taken. */
  tryAcquire(key: string): (() => void) | null {
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) return null;
    this.open.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /** Requests open for `key`, or for everyone. */
  count(key?: string): number {
    if (key !== undefined) return this.open.get(key) ?? 0;
    let total = 0;
    for (const n of this.open.values()) total += n;
    return total;
  }
}

interface Waiter {
  grant(release: () => void): void;
  timer: NodeJS.Timeout;
}

type SlotOutcome = { ok: true; release: () => void } | { ok: false; why: 'timeout' | 'aborted' };

/**
 * `size` slots, taken in arrival order. A waiter gives up at its deadline (the request's arrival plus its timeout, so
 * the time spent waiting counts against it) or when its signal fires (the client went away); a released slot goes to
 * the oldest waiter still waiting.
 */
export class Slots {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Waits at most `waitMs` for a slot (none: `timeout`), or until `signal` fires (`aborted`). */
  acquire(waitMs: number, signal?: AbortSignal): Promise<SlotOutcome> {
    if (signal?.aborted) return Promise.resolve({ ok: false, why: 'aborted' });
    if (this.used < this.size && this.waiters.length === 0) {
      this.used += 1;
      return Promise.resolve({ ok: true, release: this.releaser() });
    }
    if (waitMs <= 0) return Promise.resolve({ ok: false, why: 'timeout' });
    return new Promise((resolve) => {
      const leave = (why: 'timeout' | 'aborted') => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({ ok: false, why });
      };
      const onAbort = () => leave('aborted');
      const waiter: Waiter = {
        grant: (release) => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', onAbort);
          resolve({ ok: true, release });
        },
        timer: setTimeout(() => leave('timeout'), waitMs),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the oldest waiter: `used` stays the same.
      if (next) next.grant(this.releaser());
      else this.used -= 1;
    };
  }
}

/**
 * The store of @fastify/rate-limit's counts: one fixed window per key. Its own LocalStore hands back the live count
 * object, which the other requests of a burst increment before the first reads it (the plugin awaits in between): a
 * burst of 400 requests was refused whole instead of past the 300th. This one answers a snapshot.
 */
export class WindowStore {
  private readonly windows = new Map<string, { count: number; start: number }>();

  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
  ): void {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= timeWindow) {
      if (!w && this.windows.size >= 10_000) this.prune(now, timeWindow);
      w = { count: 0, start: now };
      this.windows.set(key, w);
    }
    w.count += 1;
    callback(null, { current: w.count, ttl: w.start + timeWindow - now });
  }

  child(): WindowStore {
    return new WindowStore();
  }

  /** Forgets the windows that have ended. */
  private prune(now: number, timeWindow: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= timeWindow) this.windows.delete(key);
  }
}
