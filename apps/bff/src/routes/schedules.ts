// Schedules over HTTP (the contract, every route and refusal: packages/contracts/src/schedules.ts). Anyone who may
// see the fleet reads schedules, their runs and each VM's next action; admins (`schedules:manage`) create, edit and
// delete; help-desk and admins (`schedules:skip`) skip a run, pause and resume, with a reason. Every change is
// audited (kind `schedule`, target `schedule:<id>`, the schedule's id and name), and wakes the scheduler so that its
// one timer follows the change. Times people type are checked by schedules/timing.ts (400 naming the field). A
// schedule may target a power plan (start or shut it down; the plan must exist, and is not deleted while targeted).
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isEmptyFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { ErrorBody } from '@powerdeck/contracts/power';
import { actionApplies } from '@powerdeck/contracts/operation-terms';
import { GRACE_MINUTES, MAX_SCHEDULES, type ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import {
  NextActions,
  Preview,
  PreviewBody,
  ReasonBody,
  RunList,
  RunQuery,
  Schedule,
  ScheduleBody,
  ScheduleList,
  ScheduleParams,
  SkipBody,
  UnskipBody,
  type Targets,
} from '@powerdeck/contracts/schedules';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import type { Permission } from '@powerdeck/contracts/roles';
import { auditActor } from '../audit-fields';
import { actorContext } from '../plugins/auth';
import { HttpError, refused } from '../plugins/errors';
import { FleetView } from '../operations/fleet-view';
import { nextActions, resolveTargets } from '../schedules/targets';
import { CompiledTiming, serverTimeZone, TimingError } from '../schedules/timing';
import { nextRun, scheduleView, targetsNow, upcomingRuns } from '../schedules/view';
import type { Json, PlanStore, ScheduleFields, ScheduleRecord } from '../stores/types';

const NoQuery = Type.Object({}, { additionalProperties: false });
const Errors = { '4xx': ErrorBody, '5xx': ErrorBody };
/** Room for MAX_OPERATION_VMS keys, MAX_EXCLUSIONS dates and the rest, pretty-printed. */
const SCHEDULE_BODY_LIMIT = 64 * 1024;

/** A draft's timing, checked (400 naming the field). */
function compile(when: ScheduleBody['when'], timeZone: string | undefined, exclusions: readonly string[]) {
  try {
    return new CompiledTiming({ when, timeZone: timeZone ?? serverTimeZone(), exclusions });
  } catch (err) {
    if (err instanceof TimingError) throw new HttpError(400, err.message, 'invalid_schedule');
    throw err;
  }
}

/**
 * A filter that restricts nothing would name no VM (targets.ts): refused, saying so. A plan must exist, and a
 * schedule of it starts or shuts it down (its tiers say how long to wait and whether to force off).
 */
async function checkTargets(
  targets: Targets,
  action: ScheduleAction,
  forceAfterS: number | null,
  plans: Pick<PlanStore, 'get'>,
): Promise<void> {
  if (targets.kind === 'filter' && isEmptyFilter(parseFilter(targets.filter))) {
    throw new HttpError(
      400,
      `Targets filter '${targets.filter}' restricts nothing: name words, status:<status> or node:<name>`,
      'invalid_schedule',
    );
  }
  if (targets.kind !== 'plan') return;
  if (action !== 'start' && action !== 'shutdown') {
    throw new HttpError(
      400,
      `A schedule of a plan starts it or shuts it down, not '${action}' (action)`,
      'invalid_schedule',
    );
  }
  if (forceAfterS !== null) {
    throw new HttpError(
      400,
      "forceAfterS does not apply to a plan: each tier says whether to force off (its 'escalate')",
      'invalid_schedule',
    );
  }
  if ((await plans.get(targets.plan)) === null) {
    throw new HttpError(400, `Targets: there is no plan ${targets.plan}`, 'invalid_schedule');
  }
}

/** A change to one schedule (`:id`) with a body, answered with the schedule. */
function onOne<B extends TSchema>(body: B, permission: Permission) {
  return {
    schema: { params: ScheduleParams, body, querystring: NoQuery, response: { 200: Schedule, ...Errors } },
    config: { permission },
  };
}

/** The reason given (trimmed), or 400 when there is none but spaces. */
function reasonOf(text: string, what: string): string {
  const reason = text.trim();
  if (!reason) throw new HttpError(400, `Give a reason to ${what} (reason)`, 'reason_required');
  return reason;
}

/** The body checked and with its defaults: the fields to store. A `once` whose moment has passed is refused. */
async function fieldsOf(
  body: ScheduleBody,
  now: number,
  plans: Pick<PlanStore, 'get'>,
): Promise<ScheduleFields> {
  if (body.forceAfterS != null && body.action !== 'shutdown') {
    throw new HttpError(
      400,
      `forceAfterS is only valid with action 'shutdown', not '${body.action}'`,
      'invalid_schedule',
    );
  }
  await checkTargets(body.targets, body.action, body.forceAfterS ?? null, plans);
  const exclusions = [...(body.exclusions ?? [])].sort();
  const timing = compile(body.when, body.timeZone, exclusions);
  if (body.when.kind === 'once' && timing.next(now) === null) {
    throw new HttpError(
      400,
      `${body.when.date} ${body.when.time} (${timing.timeZone}) has passed: a schedule that runs once needs a time ahead`,
      'invalid_schedule',
    );
  }
  return {
    name: body.name.trim() || body.name,
    enabled: body.enabled,
    action: body.action,
    forceAfterS: body.action === 'shutdown' ? (body.forceAfterS ?? null) : null,
    targets: body.targets,
    when: body.when,
    timeZone: timing.timeZone,
    graceMinutes: body.graceMinutes ?? GRACE_MINUTES.default,
    exclusions,
  };
}

export default function scheduleRoutes(
  app: FastifyInstance,
  _opts: unknown,
  done: (err?: Error) => void,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const store = app.stores.schedules;
  const scheduler = app.scheduler;
  // The snapshot indexed by VM key once per snapshot (the engine's FleetView), not once per schedule per request.
  const view = new FleetView(app.fleet);
  const plans = app.stores.plans;
  // Plan targets resolve through the plans (each tier's VMs), read once per request.
  const fleetNow = async () => {
    const state = app.fleet.current();
    const byId = new Map((await plans.list()).map((p) => [p.id, p]));
    return { vms: state.snapshot.vms, nodes: state.snapshot.nodes, byKey: view.byKey(state), plans: byId };
  };

  async function found(id: string): Promise<ScheduleRecord> {
    const s = await store.get(id);
    if (!s) throw new HttpError(404, `No schedule ${id}`, 'not_found');
    return s;
  }

  async function shown(s: ScheduleRecord) {
    const last = (await store.listRuns({ scheduleId: s.id, limit: 1 }))[0] ?? null;
    return scheduleView(s, scheduler.timingOf(s), scheduler.clock.now(), last, await fleetNow());
  }

  /** A change, audited in the principal's name, then the scheduler woken. */
  async function changed(
    request: FastifyRequest,
    s: ScheduleRecord,
    action: string,
    extra: { reason?: string; params?: Json } = {},
  ): Promise<void> {
    await app.stores.audit.append({
      kind: 'schedule',
      outcome: 'accepted',
      ...auditActor(actorContext(request, request.principal)),
      action: `schedule:${action}`,
      target: `schedule:${s.id}`,
      scheduleId: s.id,
      scheduleName: s.name,
      ...extra,
    });
    request.log.info({ scheduleId: s.id, action }, `schedule ${action}`);
    void scheduler.poke();
  }

  const paramsOf = (f: ScheduleFields): Json => JSON.parse(JSON.stringify(f)) as Json;

  r.get(
    '/api/schedules',
    {
      schema: { querystring: NoQuery, response: { 200: ScheduleList, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async () => {
      const [schedules, last, fleet] = await Promise.all([store.list(), store.lastRuns(), fleetNow()]);
      const now = scheduler.clock.now();
      return {
        schedules: schedules.map((s) =>
          scheduleView(s, scheduler.timingOf(s), now, last.get(s.id) ?? null, fleet),
        ),
      };
    },
  );

  r.post(
    '/api/schedules',
    {
      bodyLimit: SCHEDULE_BODY_LIMIT,
      schema: { body: ScheduleBody, querystring: NoQuery, response: { 201: Schedule, ...Errors } },
      config: { permission: 'schedules:manage' },
    },
    async (request, reply) => {
      const fields = await fieldsOf(request.body, scheduler.clock.now(), plans);
      if ((await store.count()) >= MAX_SCHEDULES) {
        throw new HttpError(409, `Powerdeck keeps at most ${MAX_SCHEDULES} schedules`, 'conflict');
      }
      const at = scheduler.clock.iso();
      const s = await store.create({
        id: randomUUID(),
        ...fields,
        owner: request.principal!.actor,
        createdAt: at,
        updatedAt: at,
      });
      await changed(request, s, 'create', { params: paramsOf(fields) });
      return reply.code(201).send(await shown(s));
    },
  );

  r.get(
    '/api/schedules/runs',
    {
      schema: { querystring: RunQuery, response: { 200: RunList, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async (request) => ({
      runs: await store.listRuns({
        ...(request.query.schedule !== undefined ? { scheduleId: request.query.schedule } : {}),
        limit: request.query.limit === undefined ? 50 : Number(request.query.limit),
      }),
    }),
  );

  r.post(
    '/api/schedules/preview',
    {
      bodyLimit: SCHEDULE_BODY_LIMIT,
      schema: { body: PreviewBody, querystring: NoQuery, response: { 200: Preview, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async (request) => {
      const body = request.body;
      await checkTargets(body.targets, body.action, null, plans);
      const timing = compile(body.when, body.timeZone, body.exclusions ?? []);
      const { vms, capacity } = targetsNow(body.action, body.targets, await fleetNow());
      return {
        timeZone: timing.timeZone,
        upcoming: upcomingRuns(timing, [], scheduler.clock.now()),
        vms,
        capacity,
      };
    },
  );

  r.get(
    '/api/schedules/next-actions',
    {
      schema: { querystring: NoQuery, response: { 200: NextActions, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async () => {
      const now = scheduler.clock.now();
      const fleet = await fleetNow();
      const items = (await store.list()).map((s) => {
        const next = nextRun(s, scheduler.timingOf(s), now);
        return {
          id: s.id,
          name: s.name,
          action: s.action,
          next,
          // A VM's next action is one that would act on it: a start is not the next action of a running VM.
          vmKeys:
            next === null
              ? []
              : resolveTargets(s.targets, fleet)
                  .filter((vm) => actionApplies(s.action, vm.status))
                  .map((vm) => vm.key),
        };
      });
      return { actions: nextActions(items) };
    },
  );

  r.get(
    '/api/schedules/:id',
    {
      schema: { params: ScheduleParams, querystring: NoQuery, response: { 200: Schedule, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async (request) => shown(await found(request.params.id)),
  );

  r.put(
    '/api/schedules/:id',
    {
      bodyLimit: SCHEDULE_BODY_LIMIT,
      schema: {
        params: ScheduleParams,
        body: ScheduleBody,
        querystring: NoQuery,
        response: { 200: Schedule, ...Errors },
      },
      config: { permission: 'schedules:manage' },
    },
    async (request) => {
      await found(request.params.id);
      const fields = await fieldsOf(request.body, scheduler.clock.now(), plans);
      const s = await store
        .update(request.params.id, { ...fields, clearSkips: true }, scheduler.clock.iso())
        .catch((err: unknown) => {
          throw refused(err);
        });
      await changed(request, s, 'edit', { params: paramsOf(fields) });
      return shown(s);
    },
  );

  r.delete(
    '/api/schedules/:id',
    {
      schema: { params: ScheduleParams, querystring: NoQuery, response: { 204: Type.Null(), ...Errors } },
      config: { permission: 'schedules:manage' },
    },
    async (request, reply) => {
      const s = await found(request.params.id);
      await store.delete(s.id);
      await changed(request, s, 'delete');
      return reply.code(204).send(null);
    },
  );

  r.post('/api/schedules/:id/skip', onOne(SkipBody, 'schedules:skip'), async (request) => {
    const s = await found(request.params.id);
    const at = Date.parse(request.body.at);
    const reason = reasonOf(request.body.reason, 'skip a run');
    const upcoming = upcomingRuns(scheduler.timingOf(s), s.skips, scheduler.clock.now());
    const run = upcoming.find((u) => Date.parse(u.at) === at);
    if (!run) {
      throw new HttpError(
        409,
        `${request.body.at} is not one of the schedule's next ${upcoming.length} runs`,
        'conflict',
      );
    }
    if (run.excluded) {
      throw new HttpError(
        409,
        `The run at ${run.at} falls on an exclusion date: it does not run anyway`,
        'conflict',
      );
    }
    const skipped = await store
      .addSkip(s.id, {
        at: run.at,
        by: request.principal!.actor,
        reason,
        recordedAt: scheduler.clock.iso(),
      })
      .catch((err: unknown) => {
        throw refused(err, { exists: `The run at ${run.at} is already skipped` });
      });
    await changed(request, skipped, 'skip', { reason, params: { at: run.at } });
    return shown(skipped);
  });

  r.post('/api/schedules/:id/unskip', onOne(UnskipBody, 'schedules:skip'), async (request) => {
    const s = await found(request.params.id);
    const at = Date.parse(request.body.at);
    const skip = s.skips.find((k) => Date.parse(k.at) === at);
    if (!skip || !(await store.removeSkip(s.id, skip.at))) {
      throw new HttpError(409, `The run at ${request.body.at} is not skipped`, 'conflict');
    }
    await changed(request, s, 'unskip', { params: { at: skip.at } });
    return shown(await found(s.id));
  });

  // Pause and resume: a reason each; resuming moves updatedAt, so the runs it was paused through are not caught up.
  for (const verb of ['pause', 'resume'] as const) {
    r.post(`/api/schedules/:id/${verb}`, onOne(ReasonBody, 'schedules:skip'), async (request) => {
      const s = await found(request.params.id);
      const reason = reasonOf(request.body.reason, `${verb} a schedule`);
      if (verb === 'pause' && s.paused) {
        throw new HttpError(409, `The schedule is already paused (by ${s.paused.by})`, 'conflict');
      }
      if (verb === 'resume' && !s.paused) throw new HttpError(409, 'The schedule is not paused', 'conflict');
      const at = scheduler.clock.iso();
      const paused = verb === 'pause' ? { by: request.principal!.actor, reason, at } : null;
      const updated = await store.update(s.id, { paused }, at);
      await changed(request, updated, verb, { reason });
      return shown(updated);
    });
  }

  done();
}
