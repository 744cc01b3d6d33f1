// Time as the engine sees it: epoch ms from an injectable source (tests pass their own), and every wait multiplied
// by a time scale (1 against a real VergeOS; the simulator's scale against a scaled simulator, so that a 120 s
// force-off moment stays in proportion with a guest's scaled shut down). Seconds shown to people are unscaled.
export class EngineClock {
  readonly now: () => number;
  readonly scale: number;

  constructor(now: () => number = Date.now, scale = 1) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new TypeError('timeScale must be above 0');
    this.now = now;
    this.scale = scale;
  }

  /** An epoch ms time (default: now) as ISO 8601. */
  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString();
  }

  /** The moment `waitS` unscaled seconds after `fromMs`, as ISO 8601. */
  after(fromMs: number, waitS: number): string {
    return this.iso(fromMs + waitS * 1000 * this.scale);
  }

  /** Unscaled seconds since an ISO time (0 for none). */
  secondsSince(at: string | null): number {
    if (at === null) return 0;
    return Math.max(0, Math.round((this.now() - Date.parse(at)) / (1000 * this.scale)));
  }

  /** Milliseconds from now until an ISO time: 0 once it passed, at most what setTimeout takes. */
  msUntil(at: string): number {
    return Math.min(Math.max(0, Date.parse(at) - this.now()), 2_147_483_647);
  }
}
