// The scheduler: decides each run of each schedule once, and a run that happens is one operation of the engine.
// - One timer, set to the earliest due run across all enabled, unpaused schedules (recomputed at every wake and
//   after every change: `poke`); never a timer per schedule. Waits go through one injectable clock (`now`) and
//   timer (`timers`), so tests move time instead of sleeping.
// - At a wake, for each schedule, the runs after the newest one already decided (`lastHandledFor`, or the
//   schedule's last change: runs before an edit, a resume or the creation are never caught up) up to now are
//   decided, oldest first: on an exclusion date -> `excluded`; skipped by someone -> `skipped` (who and why); the
//   newest, within the grace window -> it runs; any other -> `missed` (Powerdeck was not running then). At most
//   MAX_MISSED are recorded by one catch-up (the newest; the oldest recorded says so).
// - A run that happens: the owner must still exist, be enabled and hold the action's permissions; the targets are
//   resolved from the current fleet snapshot (none -> `empty`); the run is recorded `started` BEFORE the operation
//   is created (the store's unique key: a second wake, or a second process, records nothing and starts nothing),
//   then it gets the operation's id. A `started` run left without one (the process stopped in between) is `failed`
//   at the next start.
// - A schedule targeting a power plan starts or shuts the plan down through the plans' runner (plans/run.ts, as a
//   person's run does): its owner must be allowed to run the plan (`mayRunPlan`); a plan with no VM in the fleet is
//   `empty`; a start that does not fit on the nodes is `failed`, the shortfall named (nobody is there to say
//   "start anyway"); otherwise recorded `started`, then the plan's run.
// - A paused or disabled schedule records nothing for its times: they are not runs.
import { randomUUID } from 'node:crypto';
import type { Operation } from '@powerdeck/contracts/operations';
import { operationPermissions } from '@powerdeck/contracts/operation-terms';
import { mayRunPlan, PLAN_DIRECTION_WORDS } from '@powerdeck/contracts/plan-terms';
import { ROLE_PERMISSIONS } from '@powerdeck/contracts/roles';
import { SCHEDULE_ACTION_WORDS } from '@powerdeck/contracts/schedule-terms';
import type { Requester } from '../audit-fields';
import type { PollerLog } from '../fleet/poller';
import type { FleetPoller } from '../fleet/types';
import type { NewOperation } from '../operations/admission';
import { EngineClock } from '../operations/clock';
import { FleetView } from '../operations/fleet-view';
import { PlanRunRefusal, preparePlanRun, startedWords, type PlanRunner } from '../plans/run';
import type {
  NewScheduleRun,
  ScheduleRecord,
  ScheduleRunRecord,
  ScheduleStore,
  User,
  UserStore,
} from '../stores/types';
import { resolveTargets } from './targets';
import { CompiledTiming, TimingError } from './timing';

/** The most runs one catch-up records as missed (the newest ones). */
export const MAX_MISSED = 50;
/** setTimeout's longest delay. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The one timer (tests pass their own, and fire it after moving the clock). */
export interface SchedulerTimers {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: SchedulerTimers = {
  set(fire, ms) {
    const t = setTimeout(fire, ms);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** A run as recorded (or failed after it started), with its schedule's IANA time zone (null: not known then). */
export interface DecidedRun extends ScheduleRunRecord {
  timeZone: string | null;
}

export interface SchedulerOptions {
  store: ScheduleStore;
  users: Pick<UserStore, 'get'>;
  fleet: FleetPoller;
  engine: { create(input: NewOperation, by: Requester): Promise<Operation> };
  /** Power plans, for schedules that target one (absent: such a run fails, saying so). */
  plans?: PlanRunner;
  log: PollerLog;
  /** Epoch ms (tests move it). */
  now?: () => number;
  timers?: SchedulerTimers;
  /** How long a run waits for the first fleet snapshot (default 5 s). */
  fleetWaitMs?: number;
  /**
   * Several servers (cluster/): this scheduler only serves the routes (timings, clock) and never decides runs; a
   * poke is passed on to the leader's scheduler instead.
   */
  relay?: () => void;
  /**
   * Told, at the end of each wake (and of start), of the runs it recorded and of those that failed after they
   * started: alerts' schedule_missed and schedule_failed (alerts/sources/schedules.ts). Once per wake, so that a
   * catch-up's many missed runs of one schedule can be told as one.
   */
  onRuns?: (runs: DecidedRun[]) => void;
}

/** The moment's wall-clock time in the zone: "2026-03-02 07:00". */
export function localTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class Scheduler {
  readonly clock: EngineClock;
  private readonly store: ScheduleStore;
  private readonly users: Pick<UserStore, 'get'>;
  private readonly view: FleetView;
  private readonly engine: SchedulerOptions['engine'];
  private readonly plans: PlanRunner | null;
  private readonly log: PollerLog;
  private readonly timers: SchedulerTimers;
  private readonly fleetWaitMs: number;
  /** One compiled timing per schedule, rebuilt when it changes (parsing costs). */
  private readonly timings = new Map<string, { source: string; timing: CompiledTiming | null }>();
  /**
   * Each schedule's first run after the runs already decided, kept while neither its timing nor what was decided
   * changes: a wake computes next runs only for the schedules it decided something for, not for all of them
   * (croner's next run in a zone costs tens of µs; 1,000 schedules at every wake added up, see docs/benchmarks.md).
   */
  private readonly firstDue = new Map<string, { key: string; at: number | null }>();
  private timer: unknown = null;
  private armedFor: number | null = null;
  /** Wakes run one after another. */
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly relay: (() => void) | null;
  private readonly onRuns: ((runs: DecidedRun[]) => void) | null;
  /** What this wake recorded so far (see `onRuns`). */
  private toTell: ScheduleRunRecord[] = [];

  constructor(options: SchedulerOptions) {
    this.relay = options.relay ?? null;
    this.onRuns = options.onRuns ?? null;
    this.store = options.store;
    this.users = options.users;
    this.view = new FleetView(options.fleet);
    this.engine = options.engine;
    this.plans = options.plans ?? null;
    this.log = options.log;
    this.clock = new EngineClock(options.now ?? Date.now);
    this.timers = options.timers ?? REAL_TIMERS;
    this.fleetWaitMs = options.fleetWaitMs ?? 5_000;
  }

  /** Fails runs a stopped process left half-started, then decides what is due and sets the timer. */
  async start(): Promise<void> {
    if (this.relay) throw new Error("a relaying scheduler never decides runs: start the leader's own");
    for (const run of await this.store.unfinishedRuns()) {
      await this.failRun(run, 'Powerdeck stopped while starting this run');
      this.log.warn(
        { scheduleId: run.scheduleId, scheduledFor: run.scheduledFor },
        'a schedule run was left half-started: recorded as failed',
      );
    }
    this.tell(null);
    void this.poke();
  }

  /** Clears the timer and waits for a wake in progress; nothing is decided after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await this.chain;
  }

  /** Decides what is due and sets the timer again (after a schedule changed, or when the timer fires). */
  poke(): Promise<void> {
    if (this.relay) {
      this.relay();
      return this.chain;
    }
    this.chain = this.chain
      .then(() => this.wake())
      .catch((err: unknown) => this.log.error({ err }, 'a scheduler wake failed'));
    return this.chain;
  }

  /** The moment the timer is set for (null: no run ahead). */
  armedAt(): number | null {
    return this.armedFor;
  }

  /** The schedule's compiled timing (cached while it is unchanged); null when it no longer compiles. */
  timingOf(s: ScheduleRecord): CompiledTiming | null {
    // Keyed by what it is compiled from (two edits within one millisecond share an updatedAt).
    const source = JSON.stringify([s.when, s.timeZone, s.exclusions]);
    const cached = this.timings.get(s.id);
    if (cached?.source === source) return cached.timing;
    let timing: CompiledTiming | null = null;
    try {
      timing = new CompiledTiming({ when: s.when, timeZone: s.timeZone, exclusions: s.exclusions });
    } catch (err) {
      if (!(err instanceof TimingError)) throw err;
      this.log.warn({ scheduleId: s.id, err: err.message }, 'a schedule no longer compiles: it does not run');
    }
    this.timings.set(s.id, { source, timing });
    return timing;
  }

  /** Runs at or before this moment are decided, or were before the schedule's last change. */
  static handledUpTo(s: ScheduleRecord): number {
    const changed = Date.parse(s.updatedAt);
    return s.lastHandledFor === null ? changed : Math.max(changed, Date.parse(s.lastHandledFor));
  }

  /** The schedule's first run after the ones decided (null: none ahead, or its timing no longer compiles). */
  private firstDueOf(s: ScheduleRecord): number | null {
    const timing = this.timingOf(s);
    if (!timing) return null;
    const after = Scheduler.handledUpTo(s);
    const key = `${this.timings.get(s.id)?.source ?? ''}@${after}`;
    const cached = this.firstDue.get(s.id);
    if (cached?.key === key) return cached.at;
    const at = timing.next(after);
    this.firstDue.set(s.id, { key, at });
    return at;
  }

  private async wake(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock.now();
    const schedules = await this.store.list();
    try {
      await this.decideDue(schedules, now);
    } finally {
      this.tell(schedules);
    }
  }

  /** Tells `onRuns` what was decided since it was last told (`schedules`: where the time zones are read). */
  private tell(schedules: readonly ScheduleRecord[] | null): void {
    const runs = this.toTell;
    this.toTell = [];
    if (!this.onRuns || runs.length === 0) return;
    const zones = new Map(schedules?.map((s) => [s.id, s.timeZone]));
    try {
      this.onRuns(runs.map((r) => ({ ...r, timeZone: zones.get(r.scheduleId) ?? null })));
    } catch (err) {
      this.log.error({ err }, 'a schedule runs listener failed');
    }
  }

  /** A run that started fails (recorded so), and is told as failed. */
  private async failRun(run: ScheduleRunRecord, detail: string): Promise<void> {
    await this.store.failRun(run.id, detail);
    this.toTell.push({ ...run, outcome: 'failed', detail });
  }

  private async decideDue(schedules: ScheduleRecord[], now: number): Promise<void> {
    const ids = new Set(schedules.map((s) => s.id));
    for (const id of this.timings.keys()) if (!ids.has(id)) this.timings.delete(id);
    for (const id of this.firstDue.keys()) if (!ids.has(id)) this.firstDue.delete(id);
    let decided = false;
    for (const s of schedules) {
      if (this.stopped) return;
      if (!s.enabled || s.paused !== null) continue;
      if (await this.catchUp(s, now)) decided = true;
    }
    this.arm(decided ? await this.store.list() : schedules);
  }

  /** Decides the runs of one schedule due by `now`; whether there were any. */
  private async catchUp(s: ScheduleRecord, now: number): Promise<boolean> {
    const first = this.firstDueOf(s);
    if (first === null || first > now) return false;
    const timing = this.timingOf(s);
    if (!timing) return false;
    const due = timing.between(Scheduler.handledUpTo(s), now, MAX_MISSED + 1);
    if (due.length === 0) return false;
    const capped = due.length > MAX_MISSED;
    if (capped) due.shift();
    for (const [i, at] of due.entries()) {
      if (this.stopped) break;
      const newest = i === due.length - 1;
      const inGrace = newest && now - at <= s.graceMinutes * 60_000;
      await this.decide(s, timing, at, inGrace, capped && i === 0);
    }
    return true;
  }

  private async decide(
    s: ScheduleRecord,
    timing: CompiledTiming,
    at: number,
    inGrace: boolean,
    firstOfCapped: boolean,
  ): Promise<void> {
    const when = this.clock.iso(at);
    const run = (outcome: NewScheduleRun['outcome'], detail: string) =>
      this.record({
        scheduleId: s.id,
        scheduleName: s.name,
        scheduledFor: when,
        outcome,
        detail,
        operationId: null,
      });
    if (timing.excluded(at)) {
      await run(
        'excluded',
        `${timing.localDate(at)} is one of the schedule's exclusion dates (${s.timeZone})`,
      );
      return;
    }
    const skip = s.skips.find((k) => Date.parse(k.at) === at);
    if (skip) {
      await run('skipped', `Skipped by ${skip.by}: ${skip.reason}`);
      return;
    }
    if (!inGrace) {
      const older = firstOfCapped
        ? `; older runs than this one were not recorded (at most ${MAX_MISSED})`
        : '';
      await run(
        'missed',
        `Powerdeck was not running at ${localTime(at, s.timeZone)} (${s.timeZone}); ` +
          `the grace window is ${s.graceMinutes} min${older}`,
      );
      return;
    }
    await this.runNow(s, when);
  }

  /** A run that happens: checks, then the run recorded `started`, then the operation. */
  private async runNow(s: ScheduleRecord, when: string): Promise<void> {
    const base = { scheduleId: s.id, scheduleName: s.name, scheduledFor: when, operationId: null };
    const owner = await this.users.get(s.owner);
    if (s.targets.kind === 'plan') {
      await this.runPlan(s, s.targets.plan, when, owner);
      return;
    }
    const needs = operationPermissions(s.action, s.action === 'shutdown' && s.forceAfterS !== null);
    const lacking = owner ? needs.filter((p) => !ROLE_PERMISSIONS[owner.role].includes(p)) : [];
    const refusal =
      owner === null
        ? `Its owner ${s.owner} no longer exists`
        : owner.disabled
          ? `Its owner ${s.owner} is disabled`
          : lacking.length > 0
            ? `Its owner ${s.owner} (${owner.role}) no longer may ${SCHEDULE_ACTION_WORDS[s.action].toLowerCase()} VMs (${lacking.join(', ')})`
            : null;
    if (refusal !== null || owner === null) {
      await this.record({ ...base, outcome: 'failed', detail: refusal ?? '' });
      return;
    }
    if (!(await this.view.whenLoaded(this.fleetWaitMs))) {
      await this.record({
        ...base,
        outcome: 'failed',
        detail: 'The fleet has not been read from VergeOS yet',
      });
      return;
    }
    const state = this.view.poller.current();
    const keys = resolveTargets(s.targets, { vms: state.snapshot.vms, byKey: this.view.byKey(state) }).map(
      (vm) => vm.key,
    );
    if (keys.length === 0) {
      const what = s.targets.kind === 'filter' ? `the filter '${s.targets.filter}'` : 'its chosen VMs';
      await this.record({ ...base, outcome: 'empty', detail: `No VM in the fleet matched ${what}` });
      return;
    }
    const run = await this.record({
      ...base,
      outcome: 'started',
      detail: `Starting ${plural(keys.length, 'VM')}`,
    });
    if (run === null) return;
    const by = Scheduler.ownerRequester(owner);
    try {
      const op = await this.engine.create(
        {
          action: s.action,
          vms: keys,
          forceAfterS: s.action === 'shutdown' ? s.forceAfterS : null,
          reason: `Schedule "${s.name}" (run for ${when})`,
          schedule: { id: s.id, name: s.name },
        },
        by,
      );
      const skipped = op.vms.filter((v) => v.state === 'skipped').length;
      const detail =
        `Started ${plural(keys.length - skipped, 'VM')}` + (skipped > 0 ? ` (${skipped} skipped)` : '');
      await this.store.setRunOperation(run.id, op.id, detail);
      this.log.info(
        { scheduleId: s.id, scheduledFor: when, operationId: op.id, detail },
        'schedule run started',
      );
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      await this.failRun(run, detail);
      this.log.warn({ scheduleId: s.id, scheduledFor: when, detail }, 'schedule run failed');
    }
  }

  /** A schedule's run acts in its owner's name, as `schedule`. */
  private static ownerRequester(owner: User): Requester {
    return {
      actor: owner.username,
      role: owner.role,
      authKind: 'schedule',
      source: null,
      userAgent: null,
      requestId: randomUUID(),
    };
  }

  /** A run of a schedule that targets a plan: checks, the plan resolved, recorded `started`, then the plan's run. */
  private async runPlan(s: ScheduleRecord, planId: string, when: string, owner: User | null): Promise<void> {
    const base = { scheduleId: s.id, scheduleName: s.name, scheduledFor: when, operationId: null };
    const fail = (detail: string) => this.record({ ...base, outcome: 'failed', detail });
    const plan = this.plans ? await this.plans.store.get(planId) : null;
    const direction = s.action === 'start' || s.action === 'shutdown' ? s.action : null;
    const refusal =
      this.plans === null
        ? 'Power plans are not available here'
        : owner === null
          ? `Its owner ${s.owner} no longer exists`
          : owner.disabled
            ? `Its owner ${s.owner} is disabled`
            : plan === null
              ? `Its plan ${planId} no longer exists`
              : direction === null
                ? `A plan is started or shut down, not ${SCHEDULE_ACTION_WORDS[s.action].toLowerCase()}`
                : !mayRunPlan(owner.role, plan.helpdesk, direction)
                  ? `Its owner ${s.owner} (${owner.role}) may not ${PLAN_DIRECTION_WORDS[direction].toLowerCase()} ` +
                    `the plan "${plan.name}"`
                  : null;
    if (refusal !== null || !this.plans || !owner || !plan || !direction) {
      await fail(refusal ?? '');
      return;
    }
    if (!(await this.view.whenLoaded(this.fleetWaitMs))) {
      await fail('The fleet has not been read from VergeOS yet');
      return;
    }
    const state = this.view.poller.current();
    let prepared;
    try {
      prepared = preparePlanRun(plan, direction, {
        vms: state.snapshot.vms,
        byKey: this.view.byKey(state),
        nodes: state.snapshot.nodes,
        fetchedAt: state.snapshot.fetchedAt,
      });
    } catch (err) {
      if (!(err instanceof PlanRunRefusal)) throw err;
      await this.record({ ...base, outcome: err.code === 'empty' ? 'empty' : 'failed', detail: err.message });
      return;
    }
    const run = await this.record({
      ...base,
      outcome: 'started',
      detail: `Starting the plan "${plan.name}" (${plural(prepared.resolved.vms.length, 'VM')})`,
    });
    if (run === null) return;
    try {
      const op = await this.plans.start(prepared, {
        reason: `Schedule "${s.name}" (run for ${when})`,
        by: Scheduler.ownerRequester(owner),
        schedule: { id: s.id, name: s.name },
      });
      const what = direction === 'start' ? 'Started the plan' : 'Started shutting down the plan';
      const detail = `${what} "${plan.name}": ${startedWords(prepared, op)}`;
      await this.store.setRunOperation(run.id, op.id, detail);
      this.log.info(
        { scheduleId: s.id, scheduledFor: when, operationId: op.id, planId: plan.id, detail },
        'schedule run started',
      );
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      await this.failRun(run, detail);
      this.log.warn({ scheduleId: s.id, scheduledFor: when, planId: plan.id, detail }, 'schedule run failed');
    }
  }

  /** Records a decision (null: already recorded, by another wake or process). */
  private async record(run: NewScheduleRun) {
    const recorded = await this.store.recordRun(run);
    if (recorded !== null) this.toTell.push(recorded);
    if (recorded === null) {
      this.log.info(
        { scheduleId: run.scheduleId, scheduledFor: run.scheduledFor },
        'schedule run already decided',
      );
    } else if (run.outcome !== 'started') {
      this.log.info(
        {
          scheduleId: run.scheduleId,
          scheduledFor: run.scheduledFor,
          outcome: run.outcome,
          detail: run.detail,
        },
        `schedule run ${run.outcome}`,
      );
    }
    return recorded;
  }

  private disarm(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.armedFor = null;
  }

  /** Sets the one timer to the earliest run still to decide of every enabled, unpaused schedule. */
  private arm(schedules: readonly ScheduleRecord[]): void {
    this.disarm();
    if (this.stopped) return;
    let earliest: number | null = null;
    for (const s of schedules) {
      if (!s.enabled || s.paused !== null) continue;
      const next = this.firstDueOf(s);
      if (next !== null && (earliest === null || next < earliest)) earliest = next;
    }
    if (earliest === null) return;
    const delay = Math.min(Math.max(0, earliest - this.clock.now()), MAX_DELAY_MS);
    this.armedFor = earliest;
    this.timer = this.timers.set(() => void this.poke(), delay);
  }
}
